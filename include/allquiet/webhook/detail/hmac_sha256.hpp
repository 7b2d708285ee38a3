// HMAC-SHA256 through OpenSSL, and the padded base64 a signature is written in: what signing and
// verifying compute, apart from which headers carry it.
#pragma once

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace allquiet::webhook::detail {

/// An HMAC-SHA256 key, set up once. Each computation takes a keyed context from a small
/// lock-free pool (duplicating the original only when the pool is empty) and re-initialises it
/// with the stored key, so that after warm-up a computation costs what a bare pre-keyed OpenSSL
/// loop costs. One key serves any number of threads at once: each thread starts looking at its
/// own slot, and slots sit on separate cache lines, so threads do not pass lines back and forth.
class hmac_sha256_key {
  public:
    using digest = std::array<unsigned char, 32>;

    explicit hmac_sha256_key(std::string_view secret) {
        std::unique_ptr<EVP_MAC, decltype(&EVP_MAC_free)> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr),
                                                              &EVP_MAC_free);
        if (!mac) throw std::runtime_error("OpenSSL has no HMAC");
        keyed_ = EVP_MAC_CTX_new(mac.get());
        char sha256[] = "SHA256";
        const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, sha256, 0),
                                     OSSL_PARAM_construct_end()};
        // An empty key is valid HMAC; OpenSSL wants a non-null pointer for it.
        static const unsigned char empty = 0;
        const auto* key = secret.empty() ? &empty : reinterpret_cast<const unsigned char*>(secret.data());
        if (!keyed_ || EVP_MAC_init(keyed_, key, secret.size(), params) != 1) {
            EVP_MAC_CTX_free(keyed_);
            throw std::runtime_error("cannot set up HMAC-SHA256");
        }
    }

    hmac_sha256_key(const hmac_sha256_key&) = delete;
    hmac_sha256_key& operator=(const hmac_sha256_key&) = delete;

    ~hmac_sha256_key() {
        for (auto& slot : pool_)
            EVP_MAC_CTX_free(slot.context.load());
        EVP_MAC_CTX_free(keyed_);
    }

    /// HMAC of the concatenation of `parts`.
    template <class... Parts>
    digest compute(const Parts&... parts) const {
        EVP_MAC_CTX* ctx = acquire();
        digest out{};
        std::size_t length = 0;
        bool ok = ctx != nullptr && EVP_MAC_init(ctx, nullptr, 0, nullptr) == 1;
        ((ok = ok &&
               EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(parts.data()), parts.size()) == 1),
         ...);
        ok = ok && EVP_MAC_final(ctx, out.data(), &length, out.size()) == 1 && length == out.size();
        release(ctx);
        if (!ok) throw std::runtime_error("HMAC-SHA256 failed");
        return out;
    }

  private:
    struct alignas(64) pool_slot {
        std::atomic<EVP_MAC_CTX*> context{nullptr};
    };
    static constexpr std::size_t pool_size = 8;

    /// The slot the calling thread looks at first: threads are numbered as they first ask.
    static std::size_t home_slot() {
        static std::atomic<std::size_t> threads_seen{0};
        thread_local const std::size_t home =
            threads_seen.fetch_add(1, std::memory_order_relaxed) % pool_size;
        return home;
    }

    EVP_MAC_CTX* acquire() const {
        const std::size_t home = home_slot();
        for (std::size_t i = 0; i < pool_size; ++i)
            if (EVP_MAC_CTX* ctx =
                    pool_[(home + i) % pool_size].context.exchange(nullptr, std::memory_order_acquire))
                return ctx;
        return EVP_MAC_CTX_dup(keyed_);
    }

    void release(EVP_MAC_CTX* ctx) const {
        if (!ctx) return;
        const std::size_t home = home_slot();
        for (std::size_t i = 0; i < pool_size; ++i) {
            EVP_MAC_CTX* expected = nullptr;
            if (pool_[(home + i) % pool_size].context.compare_exchange_strong(expected, ctx,
                                                                              std::memory_order_release))
                return;
        }
        EVP_MAC_CTX_free(ctx); // more threads than slots: this one is not kept
    }

    EVP_MAC_CTX* keyed_ = nullptr;
    mutable std::array<pool_slot, pool_size> pool_{};
};

/// Length of a digest in padded base64.
inline constexpr std::size_t base64_digest_length = 44;

/// The digest in padded, standard-alphabet base64.
inline std::string base64_encode(const hmac_sha256_key::digest& d) {
    std::array<unsigned char, base64_digest_length + 1> text{};
    EVP_EncodeBlock(text.data(), d.data(), static_cast<int>(d.size()));
    return std::string(reinterpret_cast<const char*>(text.data()), base64_digest_length);
}

/// The value of each base64 character, 64 for any other byte.
inline constexpr std::array<unsigned char, 256> base64_values = [] {
    std::array<unsigned char, 256> table{};
    table.fill(64);
    constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (std::size_t i = 0; i < alphabet.size(); ++i)
        table[static_cast<unsigned char>(alphabet[i])] = static_cast<unsigned char>(i);
    return table;
}();

/// Decodes a padded, standard-alphabet base64 text of exactly 32 bytes into `out`: 44
/// characters, the last one `=`, and canonical (the two bits left over are zero).
inline bool decode_signature(std::string_view text, hmac_sha256_key::digest& out) {
    if (text.size() != base64_digest_length || text[43] != '=') return false;
    auto value = [&](std::size_t i) {
        return static_cast<std::uint32_t>(base64_values[static_cast<unsigned char>(text[i])]);
    };
    std::uint32_t invalid = 0;
    std::size_t written = 0;
    for (std::size_t i = 0; i < 40; i += 4) { // ten groups of four characters give 30 bytes
        const std::uint32_t a = value(i), b = value(i + 1), c = value(i + 2), d = value(i + 3);
        invalid |= (a | b | c | d) & 64;
        const std::uint32_t group = a << 18 | b << 12 | c << 6 | d;
        out[written++] = static_cast<unsigned char>(group >> 16);
        out[written++] = static_cast<unsigned char>(group >> 8);
        out[written++] = static_cast<unsigned char>(group);
    }
    const std::uint32_t a = value(40), b = value(41), c = value(42); // the last 2 bytes, 2 bits spare
    invalid |= (a | b | c) & 64;
    out[30] = static_cast<unsigned char>(a << 2 | b >> 4);
    out[31] = static_cast<unsigned char>((b & 15) << 4 | c >> 2);
    return invalid == 0 && (c & 3) == 0;
}

/// Whether two digests are equal, in a time that does not depend on where they differ.
inline bool digests_equal(const hmac_sha256_key::digest& a, const hmac_sha256_key::digest& b) {
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace allquiet::webhook::detail
