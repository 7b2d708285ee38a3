// Signing and verifying deliveries: HMAC-SHA256 "All Quiet" and "AWS DevOps Agent".
//
//     signature = base64( HMAC-SHA256( key = secret, message = timestamp + ":" + raw body ) )
//
// The two methods differ only in their header names. Verification works on the raw body bytes
// as received, never on a re-serialized body.
#pragma once

#include <allquiet/webhook/detail/hmac_sha256.hpp>
#include <allquiet/webhook/detail/http_syntax.hpp>
#include <allquiet/webhook/error.hpp>
#include <allquiet/webhook/header_field.hpp>
#include <allquiet/webhook/signing_method.hpp>
#include <allquiet/webhook/timestamp.hpp>
#include <allquiet/webhook/verification.hpp>

#include <boost/system/system_error.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace allquiet::webhook {

/// Length of a signature: base64 of 32 bytes, padded.
inline constexpr std::size_t signature_length = detail::base64_digest_length;

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
        // Boost.Beast fields and requests too: a request's few fields are walked rather than
        // searched with their `find`, which first looks the name up among every header name
        // Beast knows.
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
            if (detail::digests_equal(expected, given)) {
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
