#include <allquiet/webhook/url.hpp>

#include "test_support.hpp"

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

BOOST_AUTO_TEST_CASE(rejects_what_is_not_an_absolute_http_url) {
    for (const char* bad : {"",
                            "example.com/hook",
                            "/relative",
                            "ftp://example.com/",
                            "mailto:a@b.c",
                            "http:/example.com",
                            "http://",
                            "http://:80/",
                            "http://exa mple.com/",
                            "http://example.com/a b",
                            "http://example.com/?q=a b",
                            "http://example.com/%zz",
                            "http://example.com:0/",
                            "http://example.com:65536/",
                            "http://example.com:8x/",
                            "http://[::1/",
                            "http://[zz::1]/",
                            "http://[::1]x/",
                            "http://[1.2.3.4]/",
                            "http://[::1%eth0]/",
                            "http://example.com/\"q\"",
                            "http://example.com/#a b",
                            "http://b@d@example.com/"}) {
        BOOST_TEST_CONTEXT(bad) {
            auto r = aq::parse_http_url(bad);
            BOOST_TEST_REQUIRE(r.has_error());
            BOOST_TEST(r.error().code == error::invalid_url);
            BOOST_TEST(!r.error().detail.empty());
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
