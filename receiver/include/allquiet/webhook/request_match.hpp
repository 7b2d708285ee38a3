// Conditions on a delivery: what a mock receiver's rule answers, and what an expectation counts.
// Every condition given must hold; none given matches every delivery.
//
//     aq::request_match().post().path("/hooks/*").verified().json("/severity", "Critical")
//
// Setters return the match, to chain; getters of the same name read it back. What a setter cannot
// check (a path that does not start with `/`, a JSON pointer's syntax) is reported, naming the rule
// or expectation, where the match is used.
#pragma once

#include <allquiet/webhook/header_field.hpp>
#include <allquiet/webhook/verification.hpp>

#include <boost/json/value.hpp>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace allquiet::webhook {

class request_match {
  public:
    /// The value at a JSON pointer into the body equals `expected` (the body must be JSON).
    struct json_condition {
        std::string pointer;
        boost::json::value expected;

        friend bool operator==(const json_condition&, const json_condition&) = default;
    };

    /// The method, compared exactly after upper-casing both sides' letters here.
    request_match& method(std::string_view name) {
        std::string upper(name);
        std::transform(upper.begin(), upper.end(), upper.begin(),
                       [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; });
        method_ = std::move(upper);
        return *this;
    }
    request_match& get() { return method("GET"); }
    request_match& post() { return method("POST"); }
    request_match& put() { return method("PUT"); }

    /// The target's path (before any `?`); `*` matches any run of characters.
    request_match& path(std::string pattern) {
        path_ = std::move(pattern);
        return *this;
    }

    /// A header with this name (any case) and exactly this value.
    request_match& header(std::string name, std::string value) {
        headers_.push_back({std::move(name), std::move(value)});
        return *this;
    }

    /// The JSON value at `pointer` (RFC 6901) in the body equals `expected`.
    request_match& json(std::string pointer, boost::json::value expected) {
        json_.push_back({std::move(pointer), std::move(expected)});
        return *this;
    }

    /// How the receiver judged the signature.
    request_match& verification(verification_status status) {
        verification_ = status;
        return *this;
    }
    request_match& verified() { return verification(verification_status::valid); }

    const std::optional<std::string>& method() const noexcept { return method_; }
    const std::optional<std::string>& path() const noexcept { return path_; }
    const std::vector<header_field>& headers() const noexcept { return headers_; }
    const std::vector<json_condition>& json() const noexcept { return json_; }
    const std::optional<verification_status>& verification() const noexcept { return verification_; }

    friend bool operator==(const request_match&, const request_match&) = default;

  private:
    std::optional<std::string> method_;
    std::optional<std::string> path_;
    std::vector<header_field> headers_;
    std::vector<json_condition> json_;
    std::optional<verification_status> verification_;
};

} // namespace allquiet::webhook
