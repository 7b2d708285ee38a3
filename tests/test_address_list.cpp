#include <allquiet/webhook/address_list.hpp>

#include "test_support.hpp"

#include <arpa/inet.h>

#include <cstring>
#include <random>
#include <string>

BOOST_AUTO_TEST_SUITE(test_address_list)

namespace aq = allquiet::webhook;
using aq::error;

BOOST_AUTO_TEST_CASE(single_addresses_and_ranges_of_both_families) {
    const auto list =
        aq::parse_address_list(
            R"({"ips": ["203.0.113.7", "198.51.100.0/24", "2001:db8::/32", "2001:db8:ffff::1", "10.0.0.1/8"]})")
            .value();
    BOOST_TEST(list.ranges.size() == 5u);
    BOOST_TEST(list.contains("203.0.113.7"));
    BOOST_TEST(!list.contains("203.0.113.8"));
    BOOST_TEST(list.contains("198.51.100.0"));
    BOOST_TEST(list.contains("198.51.100.255"));
    BOOST_TEST(!list.contains("198.51.101.0"));
    BOOST_TEST(list.contains("2001:db8:1234::5"));
    BOOST_TEST(list.contains("2001:DB8::"));
    BOOST_TEST(!list.contains("2001:db9::1"));
    BOOST_TEST(list.contains("10.200.3.4")); // host bits in the entry are ignored
    BOOST_TEST(!list.contains("11.0.0.1"));
    BOOST_TEST(!list.contains("not an address"));
    BOOST_TEST(!list.contains(""));
}

BOOST_AUTO_TEST_CASE(ipv4_mapped_peers_match_ipv4_entries) {
    const auto list = aq::parse_address_list(R"({"ips": ["192.0.2.0/28"]})").value();
    BOOST_TEST(list.contains("::ffff:192.0.2.5"));
    BOOST_TEST(!list.contains("::ffff:192.0.2.16"));
}

BOOST_AUTO_TEST_CASE(prefix_edges) {
    BOOST_TEST(aq::address_range::parse("0.0.0.0/0")->contains("255.255.255.255"));
    BOOST_TEST(aq::address_range::parse("::/0")->contains("2001:db8::1"));
    BOOST_TEST(aq::address_range::parse("192.0.2.1/32")->contains("192.0.2.1"));
    BOOST_TEST(!aq::address_range::parse("192.0.2.1/32")->contains("192.0.2.0"));
    BOOST_TEST(aq::address_range::parse("192.0.2.128/25")->contains("192.0.2.200"));
    BOOST_TEST(!aq::address_range::parse("192.0.2.128/25")->contains("192.0.2.100"));
    BOOST_TEST(!aq::address_range::parse("192.0.2.0/24")->contains("192.0.2.0/24")); // a range is no address
}

BOOST_AUTO_TEST_CASE(null_is_an_empty_list) {
    BOOST_TEST(aq::parse_address_list(R"({"ips": null})").value().ranges.empty());
}

BOOST_AUTO_TEST_CASE(bad_lists_name_the_entry) {
    CHECK_FAILS_WITH(aq::parse_address_list(R"({"ips": ["203.0.113.7", "example.com"]})"),
                     error::malformed_address, "/ips/1");
    CHECK_FAILS_WITH(aq::parse_address_list(R"({"ips": ["203.0.113.0/33"]})"), error::malformed_address,
                     "/ips/0");
    CHECK_FAILS_WITH(aq::parse_address_list(R"({"ips": ["2001:db8::/129"]})"), error::malformed_address,
                     "/ips/0");
    CHECK_FAILS_WITH(aq::parse_address_list(R"({"ips": ["10.0.0.0/"]})"), error::malformed_address, "/ips/0");
    CHECK_FAILS_WITH(aq::parse_address_list(R"({"ips": ["10.0.0.0/8x"]})"), error::malformed_address,
                     "/ips/0");
    CHECK_FAILS_WITH(aq::parse_address_list(R"({"ips": [7]})"), error::wrong_type, "/ips/0");
    CHECK_FAILS_WITH(aq::parse_address_list(R"({"ips": "203.0.113.7"})"), error::wrong_type, "/ips");
    CHECK_FAILS_WITH(aq::parse_address_list(R"({"addresses": []})"), error::missing_member, "/ips");
    CHECK_FAILS_WITH(aq::parse_address_list(R"(["203.0.113.7"])"), error::wrong_type, "");
    CHECK_FAILS_WITH(aq::parse_address_list("{"), error::syntax, "");
}

BOOST_AUTO_TEST_CASE(an_entry_is_read_whole_past_a_nul_byte) {
    using namespace std::string_view_literals;
    BOOST_TEST(!aq::address_range::parse("10.0.0.1\0/8"sv).has_value());
    BOOST_TEST(!aq::address_range::parse("::1\0junk"sv).has_value());
    BOOST_TEST(!aq::address_range::parse("10.0.0.0/8"sv)->contains("10.0.0.1\0x"sv));
}

// Texts built from the pieces addresses are made of (numbers with and without leading zeros,
// hex groups, `.`, `:` and `::`), so that most are near misses.
std::string address_like_text(std::mt19937& random) {
    static constexpr std::string_view hex = "0123456789abcdefABCDEFg";
    static constexpr std::string_view separators[] = {".", ":", "::", "."};
    std::string out = random() % 6 == 0 ? "0" : "";
    const unsigned parts = random() % 10;
    for (unsigned i = 0; i < parts; ++i) {
        if (random() % 2)
            out += std::to_string(random() % (random() % 2 ? 300 : 10));
        else
            for (unsigned digits = random() % 6; digits > 0; --digits) out += hex[random() % hex.size()];
        if (i + 1 < parts || random() % 8 == 0) out += separators[random() % (random() % 3 ? 2 : 4)];
    }
    return random() % 5 == 0 ? "::" + out : out;
}

BOOST_AUTO_TEST_CASE(addresses_read_as_inet_pton_reads_them) {
    std::mt19937 random(20240601);
    std::size_t v4_read = 0, v6_read = 0;
    for (int i = 0; i < 200000; ++i) {
        const std::string text = address_like_text(random);
        unsigned char v4[4], v6[16];
        const bool system_v4 = inet_pton(AF_INET, text.c_str(), v4) == 1;
        const bool system_v6 = inet_pton(AF_INET6, text.c_str(), v6) == 1;
        const auto ours_v4 = aq::detail::parse_ipv4(text);
        const auto ours_v6 = aq::detail::parse_ipv6(text);
        BOOST_TEST_REQUIRE(ours_v4.has_value() == system_v4, text);
        BOOST_TEST_REQUIRE(ours_v6.has_value() == system_v6, text);
        if (system_v4) BOOST_TEST_REQUIRE(std::memcmp(ours_v4->data(), v4, 4) == 0, text);
        if (system_v6) BOOST_TEST_REQUIRE(std::memcmp(ours_v6->data(), v6, 16) == 0, text);
        v4_read += system_v4;
        v6_read += system_v6;
    }
    BOOST_TEST(v4_read > 20u); // the texts reach both families
    BOOST_TEST(v6_read > 2000u);
    for (std::string_view text : {"1.2.3.4", "01.2.3.4", "256.1.1.1", "1.2.3", "1.2.3.4.", "::", "::1", "1::",
                                  ":1::", "1:::2", "1::2::3", "::ffff:192.0.2.1", "1:2:3:4:5:6:7:8",
                                  "1:2:3:4:5:6:7::8", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4",
                                  "::1.2.3.4:5", "12345::", "fe80::1%eth0", "1::2:"}) {
        unsigned char v4[4], v6[16];
        const std::string terminated(text);
        BOOST_TEST(aq::detail::parse_ipv4(text).has_value() == (inet_pton(AF_INET, terminated.c_str(), v4) == 1),
                   text);
        BOOST_TEST(aq::detail::parse_ipv6(text).has_value() == (inet_pton(AF_INET6, terminated.c_str(), v6) == 1),
                   text);
    }
}

BOOST_AUTO_TEST_SUITE_END()
