// Signature verification against bare OpenSSL over the same bytes, at three body sizes.
#include <allquiet/webhook/signature.hpp>

#include "ratio_reporter.hpp"

#include <openssl/evp.h>

#include <string>
#include <vector>

namespace aq = allquiet::webhook;

namespace {

const std::string secret = "s3cr3t-signing-key";
const std::string stamp = "2023-12-17T11:51:08.844Z";

std::string body_of(std::size_t size) { return std::string(size, 'b'); }

// Baseline 1: OpenSSL's one-shot MAC of the message as one buffer.
void bare_one_shot(benchmark::State& state) {
    const std::string message = stamp + ":" + body_of(static_cast<std::size_t>(state.range(0)));
    unsigned char out[32];
    std::size_t length = 0;
    for (auto _ : state) {
        EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, secret.data(), secret.size(),
                  reinterpret_cast<const unsigned char*>(message.data()), message.size(), out, sizeof out,
                  &length);
        benchmark::DoNotOptimize(out);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * message.size()));
}

// Baseline 2: one context keyed once, re-initialised with the same key for every message.
void bare_prekeyed(benchmark::State& state) {
    const std::string message = stamp + ":" + body_of(static_cast<std::size_t>(state.range(0)));
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
    char sha256[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", sha256, 0), OSSL_PARAM_construct_end()};
    EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), params);
    unsigned char out[32];
    std::size_t length = 0;
    for (auto _ : state) {
        EVP_MAC_init(ctx, nullptr, 0, nullptr);
        EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(message.data()), message.size());
        EVP_MAC_final(ctx, out, &length, sizeof out);
        benchmark::DoNotOptimize(out);
    }
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * message.size()));
}

// The SDK: headers looked up, timestamp checked, signature decoded, HMAC, constant-time compare.
void sdk_verify(benchmark::State& state) {
    const std::string body = body_of(static_cast<std::size_t>(state.range(0)));
    const auto signed_headers = aq::sign(aq::signing_method::allquiet, secret, stamp, body);
    const std::vector<aq::header_field> headers{
        {"Content-Type", "application/json"}, signed_headers.signature, signed_headers.timestamp};
    aq::verifier_options options;
    options.secrets = {secret};
    options.tolerance = aq::timestamp_tolerance::none();
    const aq::verifier verifier(options);
    for (auto _ : state) {
        auto result = verifier.check(headers, body);
        if (!result) state.SkipWithError("verification failed");
        benchmark::DoNotOptimize(result);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * (stamp.size() + 1 + body.size())));
}

} // namespace

BENCHMARK(bare_one_shot)->Arg(256)->Arg(4096)->Arg(65536);
BENCHMARK(bare_prekeyed)->Arg(256)->Arg(4096)->Arg(65536);
BENCHMARK(sdk_verify)->Arg(256)->Arg(4096)->Arg(65536);

int main(int argc, char** argv) {
    return bench::run_with_ratios(
        argc, argv, {{"sdk_verify", "bare_one_shot", 1.0}, {"sdk_verify", "bare_prekeyed", 0.9}});
}
