#include <allquiet/webhook/request_template.hpp>

#include "test_support.hpp"

#include <boost/json/parse.hpp>

BOOST_AUTO_TEST_SUITE(test_request_template)

namespace aq = allquiet::webhook;
namespace json = boost::json;
using aq::error;

namespace {

// The seed page's template, as rendered.
const char* seed_template = R"({
    "method": "POST",
    "url": "https://your-url.com",
    "headers": {
        "Content-Type": "application/json; charset=utf-8",
        "X-Your-Header": "abc"
    },
    "body": {
        "text": "Your Text Content",
        "formData": { "key1": "a", "key2": "b" },
        "json": { "prop1": "a", "prop2": { "someArray": [{"k": "v"}] } }
    }
})";

aq::result<aq::request_description> parse_with(const json::object& changes) {
    json::object base{{"method", "POST"}, {"url", "https://hooks.example.com/aq"}};
    for (const auto& m : changes)
        base.insert_or_assign(m.key(), m.value());
    return aq::request_description_from_json(json::value(base));
}

} // namespace

BOOST_AUTO_TEST_CASE(reads_the_seed_template_and_text_wins) {
    const auto r = aq::parse_request_description(seed_template).value();
    BOOST_TEST(r.method == "POST");
    BOOST_TEST(r.url == "https://your-url.com");
    BOOST_TEST_REQUIRE(r.headers.size() == 2u);
    BOOST_TEST(r.headers[1].name == "X-Your-Header");
    BOOST_TEST(r.headers[1].value == "abc");
    BOOST_TEST((r.body.kind == aq::body_kind::text));
    BOOST_TEST(r.body.text == "Your Text Content");
    BOOST_TEST(!r.enable_incident_updates);
}

BOOST_AUTO_TEST_CASE(form_data_wins_over_json_and_null_members_do_not_count) {
    auto r =
        parse_with({{"body", json::object{{"formData", json::object{{"a", "1"}}}, {"json", 1}}}}).value();
    BOOST_TEST((r.body.kind == aq::body_kind::form_data));
    r = parse_with(
            {{"body", json::object{{"text", nullptr}, {"formData", nullptr}, {"json", json::array{1, 2}}}}})
            .value();
    BOOST_TEST((r.body.kind == aq::body_kind::json));
    BOOST_TEST(r.body.json == json::array({1, 2}));
    r = parse_with({{"body", json::object{{"json", nullptr}}}}).value();
    BOOST_TEST((r.body.kind == aq::body_kind::json)); // a JSON null is a body too
    r = parse_with({{"body", nullptr}}).value();
    BOOST_TEST((r.body.kind == aq::body_kind::none));
    r = parse_with({{"body", json::object{}}}).value();
    BOOST_TEST((r.body.kind == aq::body_kind::none));
}

BOOST_AUTO_TEST_CASE(method_is_case_insensitive_and_flags_are_read) {
    auto r = parse_with({{"method", "patch"}, {"enableIncidentUpdates", true}, {"comment", "mine"}}).value();
    BOOST_TEST(r.method == "PATCH");
    BOOST_TEST(r.enable_incident_updates);
    BOOST_TEST(r.unknown_members.at("comment") == "mine");
}

BOOST_AUTO_TEST_CASE(each_malformed_member_is_named) {
    CHECK_FAILS_WITH(parse_with({{"method", "FETCH"}}), error::invalid_method, "/method");
    CHECK_FAILS_WITH(parse_with({{"method", "PO ST"}}), error::invalid_method, "/method");
    CHECK_FAILS_WITH(parse_with({{"method", 1}}), error::wrong_type, "/method");
    CHECK_FAILS_WITH(parse_with({{"url", "hooks.example.com"}}), error::invalid_url, "/url");
    CHECK_FAILS_WITH(parse_with({{"url", "ftp://hooks.example.com"}}), error::invalid_url, "/url");
    CHECK_FAILS_WITH(parse_with({{"url", nullptr}}), error::wrong_type, "/url");
    CHECK_FAILS_WITH(parse_with({{"headers", json::object{{"X Bad", "v"}}}}), error::invalid_header_name,
                     "/headers/X Bad");
    CHECK_FAILS_WITH(parse_with({{"headers", json::object{{"X-Ok", "a\r\nX-Injected: 1"}}}}),
                     error::invalid_header_value, "/headers/X-Ok");
    CHECK_FAILS_WITH(parse_with({{"headers", json::object{{"X-Ok", std::string("a\0b", 3)}}}}),
                     error::invalid_header_value, "/headers/X-Ok");
    CHECK_FAILS_WITH(parse_with({{"headers", json::object{{"X-Num", 5}}}}), error::wrong_type,
                     "/headers/X-Num");
    CHECK_FAILS_WITH(parse_with({{"headers", json::array{}}}), error::wrong_type, "/headers");
    CHECK_FAILS_WITH(parse_with({{"headers", json::object{{"content-length", "10"}}}}),
                     error::reserved_header, "/headers/content-length");
    CHECK_FAILS_WITH(parse_with({{"headers", json::object{{"Transfer-Encoding", "chunked"}}}}),
                     error::reserved_header, "/headers/Transfer-Encoding");
    CHECK_FAILS_WITH(parse_with({{"body", "text"}}), error::wrong_type, "/body");
    CHECK_FAILS_WITH(parse_with({{"body", json::object{{"text", 1}}}}), error::wrong_type, "/body/text");
    CHECK_FAILS_WITH(parse_with({{"body", json::object{{"formData", json::object{{"k", true}}}}}}),
                     error::wrong_type, "/body/formData/k");
    CHECK_FAILS_WITH(parse_with({{"enableIncidentUpdates", "yes"}}), error::wrong_type,
                     "/enableIncidentUpdates");
    CHECK_FAILS_WITH(aq::request_description_from_json(json::value(json::object{{"url", "http://a/"}})),
                     error::missing_member, "/method");
    CHECK_FAILS_WITH(aq::request_description_from_json(json::value(json::object{{"method", "GET"}})),
                     error::missing_member, "/url");
    CHECK_FAILS_WITH(aq::request_description_from_json(json::value("POST")), error::wrong_type, "");
}

BOOST_AUTO_TEST_CASE(rendered_text_that_is_not_json_reports_its_line) {
    auto r = aq::parse_request_description(
        "{\n \"method\": \"POST\",\n \"url\": \"https://a.b/\",\n \"body\": {\"text\": \"RAM \"high\"\"}\n}");
    BOOST_TEST_REQUIRE(r.has_error());
    BOOST_TEST(r.error().code == error::syntax);
    BOOST_TEST(r.error().detail.find("line 4,") == 0u, r.error().detail);
}

BOOST_AUTO_TEST_CASE(builds_a_json_request_with_defaults) {
    auto r = parse_with({{"body", json::object{{"json", json::object{{"title", "RAM > 60%"}}}}}}).value();
    r.headers.push_back({"X-Team", "storage"});
    const auto http = aq::build_http_request(r).value();
    BOOST_TEST(http.method == "POST");
    BOOST_TEST(http.url.target == "/aq");
    BOOST_TEST(http.body == R"({"title":"RAM > 60%"})");
    BOOST_TEST(*http.header("host") == "hooks.example.com");
    BOOST_TEST(*http.header("X-Team") == "storage");
    BOOST_TEST(*http.header("Content-Type") == "application/json; charset=utf-8");
    BOOST_TEST(*http.header("content-length") == std::to_string(http.body.size()));
    BOOST_TEST(http.headers.front().name == "Host");
}

BOOST_AUTO_TEST_CASE(http_request_text_writes_the_request_as_sent) {
    auto r = parse_with({{"body", json::object{{"text", "hello"}}}}).value();
    const auto http = aq::build_http_request(r).value();
    BOOST_TEST(aq::http_request_text(http, "\r\n") ==
               "POST /aq HTTP/1.1\r\nHost: hooks.example.com\r\nContent-Type: text/plain; charset=utf-8\r\n"
               "Content-Length: 5\r\n\r\nhello");
    BOOST_TEST(aq::http_request_text(http, "\n") ==
               "POST /aq HTTP/1.1\nHost: hooks.example.com\nContent-Type: text/plain; charset=utf-8\n"
               "Content-Length: 5\n\nhello");
}

BOOST_AUTO_TEST_CASE(builds_form_data_percent_encoded) {
    auto r = parse_with({{"body", json::object{{"formData", json::object{{"title", "RAM > 60% & rising"},
                                                                         {"ü~", "a+b=c"}}}}}})
                 .value();
    const auto http = aq::build_http_request(r).value();
    BOOST_TEST(http.body == "title=RAM+%3E+60%25+%26+rising&%C3%BC~=a%2Bb%3Dc");
    BOOST_TEST(*http.header("Content-Type") == "application/x-www-form-urlencoded");
}

BOOST_AUTO_TEST_CASE(template_headers_win_over_defaults) {
    const auto r = aq::parse_request_description(seed_template).value();
    const auto http = aq::build_http_request(r).value();
    BOOST_TEST(http.body == "Your Text Content");
    BOOST_TEST(*http.header("Content-Type") == "application/json; charset=utf-8");
    std::size_t content_types = 0;
    for (const auto& h : http.headers)
        content_types += aq::detail::iequals(h.name, "content-type");
    BOOST_TEST(content_types == 1u);

    auto with_host = parse_with({{"headers", json::object{{"host", "internal.example"}}}}).value();
    BOOST_TEST(*aq::build_http_request(with_host).value().header("Host") == "internal.example");
}

BOOST_AUTO_TEST_CASE(bodiless_requests) {
    auto get = parse_with({{"method", "GET"}, {"url", "http://[::1]:8080"}}).value();
    auto http = aq::build_http_request(get).value();
    BOOST_TEST(!http.header("Content-Length").has_value());
    BOOST_TEST(!http.header("Content-Type").has_value());
    BOOST_TEST(*http.header("Host") == "[::1]:8080");
    auto post = parse_with({}).value();
    BOOST_TEST(*aq::build_http_request(post).value().header("Content-Length") == "0");
    BOOST_TEST(!aq::build_http_request(post).value().header("Content-Type").has_value());
}

BOOST_AUTO_TEST_CASE(building_checks_descriptions_made_in_code) {
    aq::request_description r;
    r.method = "POST";
    r.url = "https://a.example/";
    r.headers.push_back({"X-Evil", "a\nb"});
    CHECK_FAILS_WITH(aq::build_http_request(r), error::invalid_header_value, "/headers/X-Evil");
    r.headers.clear();
    r.method = "post";
    CHECK_FAILS_WITH(aq::build_http_request(r), error::invalid_method, "/method");
    r.method = "PUT";
    r.url = "not a url";
    CHECK_FAILS_WITH(aq::build_http_request(r), error::invalid_url, "/url");
}

BOOST_AUTO_TEST_CASE(to_json_gives_the_template_shape_back) {
    const auto r = aq::parse_request_description(seed_template).value();
    const auto back = aq::to_json(r);
    BOOST_TEST(back.at("body") == json::parse(R"({"text": "Your Text Content"})"));
    BOOST_TEST(back.at("headers").at("X-Your-Header") == "abc");
    BOOST_TEST(aq::request_description_from_json(back).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
