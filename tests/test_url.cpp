#include <allquiet/webhook/url.hpp>

#include "test_support.hpp"

#include <utility>

BOOST_AUTO_TEST_SUITE(test_url)

namespace aq = allquiet::webhook;
using aq::error;

BOOST_AUTO_TEST_CASE(splits_an_https_url) {
    auto u = aq::parse_http_url("HTTPS://hooks.example.com:8443/a/b%20c?x=1&y=%2F#frag").value();
    BOOST_TEST(u.scheme == "https");
    BOOST_TEST(u.host == "hooks.example.com");
    BOOST_TEST(u.port == 8443);
    BOOST_TEST(u.explicit_port);
    BOOST_TEST(u.target == "/a/b%20c?x=1&y=%2F");
    BOOST_TEST(u.host_header() == "hooks.example.com:8443");
}

BOOST_AUTO_TEST_CASE(defaults_port_and_path) {
    auto u = aq::parse_http_url("http://example.com").value();
    BOOST_TEST(u.port == 80);
    BOOST_TEST(!u.explicit_port);
    BOOST_TEST(u.target == "/");
    BOOST_TEST(u.host_header() == "example.com");
    BOOST_TEST(aq::parse_http_url("https://example.com?q=1").value().target == "/?q=1");
    BOOST_TEST(aq::parse_http_url("https://example.com").value().port == 443);
}

BOOST_AUTO_TEST_CASE(ip_hosts_and_user_information) {
    auto v6 = aq::parse_http_url("http://[::1]:8080/hook").value();
    BOOST_TEST(v6.host == "::1");
    BOOST_TEST(v6.host_header() == "[::1]:8080");
    BOOST_TEST(aq::parse_http_url("http://127.0.0.1/").value().host == "127.0.0.1");
    BOOST_TEST(aq::parse_http_url("https://user:p%40ss@example.com/").value().host == "example.com");
}

// Each refusal names what is wrong, and the first wrong part in reading order is the one named.
BOOST_AUTO_TEST_CASE(rejects_what_is_not_an_absolute_http_url) {
    const std::pair<const char*, const char*> cases[] = {
        {"", "no scheme"},
        {"example.com/hook", "no scheme"},
        {"/relative", "no scheme"},
        {"ftp://example.com/", "scheme must be http or https"},
        {"mailto:a@b.c", "scheme must be http or https"},
        {"http:/example.com", "expected // after the scheme"},
        {"http://", "empty host"},
        {"http://:80/", "empty host"},
        {"http://exa mple.com/", "invalid character in host"},
        {"http://example.com/a b", "invalid character in path"},
        {"http://example.com/?q=a b", "invalid character in query"},
        {"http://example.com/%zz", "invalid character in path"},
        {"http://example.com:0/", "port out of range 1-65535"},
        {"http://example.com:65536/", "port out of range 1-65535"},
        {"http://example.com:8x/", "invalid port"},
        {"http://[::1/", "unterminated IPv6 literal"},
        {"http://[zz::1]/", "invalid IPv6 address"},
        {"http://[::1]x/", "unexpected text after the IPv6 literal"},
        {"http://[1.2.3.4]/", "invalid IPv6 address"},
        {"http://[::1%eth0]/", "invalid IPv6 address"},
        {"http://example.com/\"q\"", "invalid character in path"},
        {"http://example.com/#a b", "invalid character in fragment"},
        {"http://b@d@example.com/", "invalid character in user information"},
        {"http://example.com:99999999999999999999/", "invalid port"},
        {"http://b@d@exa mple.com:x/a b", "invalid character in user information"},
        {"http://exa mple.com:x/a b", "invalid character in host"},
        {"http://example.com:x/a b", "invalid port"},
    };
    for (const auto& [bad, reason] : cases) {
        BOOST_TEST_CONTEXT(bad) {
            auto r = aq::parse_http_url(bad);
            BOOST_TEST_REQUIRE(r.has_error());
            BOOST_TEST(r.error().code == error::invalid_url);
            BOOST_TEST(r.error().detail == reason);
        }
    }
}

BOOST_AUTO_TEST_CASE(an_ipv6_literal_is_read_whole_past_a_nul_byte) {
    using namespace std::string_view_literals;
    auto r = aq::parse_http_url("http://[::1\0junk]/"sv);
    BOOST_TEST_REQUIRE(r.has_error());
    BOOST_TEST(r.error().code == error::invalid_url);
    BOOST_TEST(r.error().detail == "invalid IPv6 address");
}

BOOST_AUTO_TEST_SUITE_END()
