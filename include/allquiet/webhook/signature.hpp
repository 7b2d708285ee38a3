// Signing and verifying deliveries: HMAC-SHA256 "All Quiet" and "AWS DevOps Agent".
//
//     signature = base64( HMAC-SHA256( key = secret, message = timestamp + ":" + raw body ) )
//
// The two methods differ only in their header names. Verification works on the raw body bytes
// as received, never on a re-serialized body.
#pragma once

#include <allquiet/webhook/detail/http_syntax.hpp>
#include <allquiet/webhook/error.hpp>
#include <allquiet/webhook/header_field.hpp>
#include <allquiet/webhook/timestamp.hpp>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <boost/system/result.hpp>
#include <boost/system/system_error.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace allquiet::webhook {

/// The two signing methods All Quiet offers.
enum class signing_method {
    allquiet, ///< "HMAC-SHA256 (All Quiet)": x-aq-signature, x-aq-timestamp
    aws,      ///< "HMAC-SHA256 (AWS DevOps Agent)": x-amzn-event-signature, x-amzn-event-timestamp
};

/// `allquiet` or `aws`, as the command line and the journal spell them.
constexpr std::string_view to_string(signing_method method) noexcept {
    return method == signing_method::allquiet ? "allquiet" : "aws";
}

/// The method for `allquiet` or `aws`, or nothing.
constexpr std::optional<signing_method> signing_method_from_string(std::string_view text) noexcept {
    if (text == "allquiet") return signing_method::allquiet;
    if (text == "aws") return signing_method::aws;
    return std::nullopt;
}

/// The header that carries the signature (lower case; HTTP names are case-insensitive).
constexpr std::string_view signature_header_name(signing_method method) noexcept {
    return method == signing_method::allquiet ? "x-aq-signature" : "x-amzn-event-signature";
}

/// The header that carries the timestamp.
constexpr std::string_view timestamp_header_name(signing_method method) noexcept {
    return method == signing_method::allquiet ? "x-aq-timestamp" : "x-amzn-event-timestamp";
}

/// Length of a signature: base64 of 32 bytes, padded.
inline constexpr std::size_t signature_length = 44;

namespace detail {

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

inline std::string base64_encode(const hmac_sha256_key::digest& d) {
    std::array<unsigned char, signature_length + 1> text{};
    EVP_EncodeBlock(text.data(), d.data(), static_cast<int>(d.size()));
    return std::string(reinterpret_cast<const char*>(text.data()), signature_length);
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
    if (text.size() != signature_length || text[43] != '=') return false;
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

} // namespace detail

/// The two headers a sender adds.
struct signature_headers {
    header_field signature;
    header_field timestamp;
};

/// The signature of a body: base64 of HMAC-SHA256(secret, timestamp + ":" + body).
inline std::string compute_signature(std::string_view secret, std::string_view timestamp_text,
                                     std::string_view body) {
    return detail::base64_encode(
        detail::hmac_sha256_key(secret).compute(timestamp_text, std::string_view(":"), body));
}

/// The header pair for a body signed at `timestamp_text` (sent verbatim as the timestamp header).
inline signature_headers sign(signing_method method, std::string_view secret, std::string_view timestamp_text,
                              std::string_view body) {
    return {{std::string(signature_header_name(method)), compute_signature(secret, timestamp_text, body)},
            {std::string(timestamp_header_name(method)), std::string(timestamp_text)}};
}

/// The header pair for a body signed now, stamped as the service stamps (UTC, milliseconds).
inline signature_headers sign_now(signing_method method, std::string_view secret, std::string_view body,
                                  time_point now = time_point(std::chrono::system_clock::now())) {
    return sign(method, secret, timestamp(now).text(), body);
}

/// Which methods a verifier accepts.
enum class accepted_methods { any, allquiet, aws };

/// How far a timestamp may be from the verifier's clock.
struct timestamp_tolerance {
    std::chrono::nanoseconds past = std::chrono::seconds(300);   ///< how old it may be
    std::chrono::nanoseconds future = std::chrono::seconds(300); ///< how far ahead it may be
    bool enabled = true; ///< false: any timestamp, even unparsable, for replaying old deliveries

    /// The same bound both ways.
    static timestamp_tolerance symmetric(std::chrono::nanoseconds bound) { return {bound, bound, true}; }
    /// No timestamp check at all.
    static timestamp_tolerance none() { return {{}, {}, false}; }
};

/// The configuration of a verifier.
struct verifier_options {
    /// Tried in order; more than one lets secrets rotate without downtime.
    std::vector<std::string> secrets;
    accepted_methods methods = accepted_methods::any;
    timestamp_tolerance tolerance = {};
    /// The verifier's idea of now; inject a fixed clock in tests.
    std::function<time_point()> clock = [] { return time_point(std::chrono::system_clock::now()); };
};

/// The outcome of checking one request.
struct verification {
    /// The method found from the headers; empty when the request carries no signature header.
    std::optional<signing_method> method;
    /// Which of the configured secrets matched (valid only when `valid()`).
    std::size_t secret_index = 0;
    /// Empty when the signature is valid; otherwise exactly why not.
    boost::system::error_code error;

    bool valid() const noexcept { return !error; }
    explicit operator bool() const noexcept { return valid(); }
};

namespace detail {

template <class T>
std::optional<std::string_view> as_header_value(const T& value) {
    if constexpr (requires {
                      value.has_value();
                      *value;
                  }) {
        if (!value) return std::nullopt;
        return std::string_view(*value);
    } else if constexpr (std::is_pointer_v<T>) {
        if (!value) return std::nullopt;
        return std::string_view(*value);
    } else {
        return std::string_view(value);
    }
}

/// The value of header `name` (lower case) in any of the header containers the verifier takes.
template <class Headers>
std::optional<std::string_view> find_header(const Headers& headers, std::string_view name) {
    if constexpr (std::is_invocable_v<const Headers&, std::string_view>) {
        using returned = std::invoke_result_t<const Headers&, std::string_view>;
        static_assert(std::is_reference_v<returned> ||
                          (!std::is_same_v<returned, std::string> &&
                           !std::is_same_v<returned, std::optional<std::string>>),
                      "a header lookup must return a view (std::optional<std::string_view>, const "
                      "std::string*), not a string that dies before the verifier reads it");
        return as_header_value(headers(name));
    } else {
        // Boost.Beast fields and requests too: walking a request's few fields took about 100
        // instructions, their `find` about 700 (it first looks the name up among all the header
        // names Beast knows).
        for (const auto& field : headers) {
            if constexpr (requires { field.name_string(); }) {
                const auto field_name = field.name_string();
                if (equals_lower(std::string_view(field_name.data(), field_name.size()), name))
                    return std::string_view(field.value().data(), field.value().size());
            } else if constexpr (requires {
                                     field.first;
                                     field.second;
                                 }) {
                if (equals_lower(field.first, name)) return std::string_view(field.second);
            } else {
                if (equals_lower(field.name, name)) return std::string_view(field.value);
            }
        }
        return std::nullopt;
    }
}

} // namespace detail

/// A reusable, stateless signature verifier: configure once, share between threads, call
/// `check` per request. Each secret is keyed once, at construction. Move-only: it owns OpenSSL
/// contexts; share one through a (shared) pointer.
class verifier {
  public:
    explicit verifier(verifier_options options) : options_(std::move(options)) {
        keys_.reserve(options_.secrets.size());
        for (const auto& secret : options_.secrets)
            keys_.push_back(std::make_unique<const detail::hmac_sha256_key>(secret));
    }

    const verifier_options& options() const noexcept { return options_; }

    /// Checks a request given its headers and raw body. `headers` is any of: a callable taking
    /// a lower-case header name and giving `std::optional<std::string_view>` or
    /// `const std::string*` (null when absent); a Boost.Beast
    /// request or `fields`; a range of pairs (`std::map`, `std::vector<std::pair>`) or of
    /// `header_field`. Names are matched case-insensitively. Never throws for bad input.
    template <class Headers>
    verification check(const Headers& headers, std::string_view body) const {
        verification out;
        // The method is the first, All Quiet then AWS, with either of its headers present.
        std::optional<std::string_view> signature, stamp;
        for (signing_method m : {signing_method::allquiet, signing_method::aws}) {
            signature = detail::find_header(headers, signature_header_name(m));
            stamp = detail::find_header(headers, timestamp_header_name(m));
            if (signature || stamp) {
                out.method = m;
                break;
            }
        }
        if (!out.method) {
            out.error = error::unsigned_request;
            return out;
        }
        if ((options_.methods == accepted_methods::allquiet && out.method != signing_method::allquiet) ||
            (options_.methods == accepted_methods::aws && out.method != signing_method::aws)) {
            out.error = error::method_not_accepted;
            return out;
        }
        if (!signature)
            out.error = error::missing_signature;
        else if (!stamp)
            out.error = error::missing_timestamp;
        else
            out.error = check_timestamp(*stamp);
        if (out.error) return out;

        detail::hmac_sha256_key::digest given;
        if (!detail::decode_signature(*signature, given)) {
            out.error = error::malformed_signature;
            return out;
        }
        if (keys_.empty()) {
            out.error = error::no_secret;
            return out;
        }
        // Small messages are assembled on the stack and hashed in one OpenSSL call: each call
        // through the provider costs as much as hashing a few hundred bytes.
        std::array<char, 1024> message_buffer;
        const bool assembled = stamp->size() + 1 + body.size() <= message_buffer.size();
        if (assembled) {
            auto end = std::copy(stamp->begin(), stamp->end(), message_buffer.begin());
            *end++ = ':';
            std::copy(body.begin(), body.end(), end);
        }
        const std::string_view message(message_buffer.data(),
                                       assembled ? stamp->size() + 1 + body.size() : 0);
        for (std::size_t i = 0; i < keys_.size(); ++i) {
            const auto expected = assembled ? keys_[i]->compute(message)
                                            : keys_[i]->compute(*stamp, std::string_view(":"), body);
            if (CRYPTO_memcmp(expected.data(), given.data(), given.size()) == 0) {
                out.secret_index = i;
                return out;
            }
        }
        out.error = error::signature_mismatch;
        return out;
    }

    /// Checks a Boost.Beast request whose body is a string (`http::string_body`).
    template <class Request>
    requires requires(const Request& r) {
        r.body().data();
        r.find(std::string_view());
    }
    verification check(const Request& request) const {
        return check(request, std::string_view(request.body().data(), request.body().size()));
    }

    /// As `check`, but throws `boost::system::system_error` when the signature is not valid.
    template <class... Args>
    verification verify(const Args&... args) const {
        verification out = check(args...);
        if (!out.valid()) throw boost::system::system_error(out.error);
        return out;
    }

  private:
    boost::system::error_code check_timestamp(std::string_view text) const {
        if (!options_.tolerance.enabled) return {};
        const auto instant = detail::parse_rfc3339(text);
        if (!instant) return error::malformed_timestamp;
        const time_point now = options_.clock();
        if (*instant < now && distance(*instant, now) > bound(options_.tolerance.past))
            return error::timestamp_too_old;
        if (*instant > now && distance(now, *instant) > bound(options_.tolerance.future))
            return error::timestamp_in_future;
        return {};
    }

    // Two dates centuries apart differ by more nanoseconds than a signed 64-bit count holds;
    // unsigned arithmetic holds any distance between two time_points.
    static std::uint64_t distance(time_point earlier, time_point later) {
        return static_cast<std::uint64_t>(later.time_since_epoch().count()) -
               static_cast<std::uint64_t>(earlier.time_since_epoch().count());
    }
    static std::uint64_t bound(std::chrono::nanoseconds tolerance) {
        return tolerance.count() < 0 ? 0 : static_cast<std::uint64_t>(tolerance.count());
    }

    verifier_options options_;
    std::vector<std::unique_ptr<const detail::hmac_sha256_key>> keys_;
};

} // namespace allquiet::webhook
