#include <allquiet/webhook/request_rendering.hpp>

#include "test_support.hpp"

#include <boost/json/parse.hpp>

BOOST_AUTO_TEST_SUITE(test_request_rendering)

namespace aq = allquiet::webhook;
using aq::error;

namespace {
const aq::incident sample = aq::parse_incident(test_support::read_data_file("sample-incident.json")).value();
}

BOOST_AUTO_TEST_CASE(the_context_adds_attributes_by_name) {
    const auto context = aq::template_context(sample);
    BOOST_TEST(context.at("attributesByName").at("Alert").at("value") == "RAM > 60%");
    BOOST_TEST(context.at("title") == "RAM above 60%");
    auto renamed = sample;
    renamed.attributes[0].name = "Alert"; // two of one name: the first wins
    BOOST_TEST(aq::template_context(renamed).at("attributesByName").at("Alert").at("value") == "prod");
}

BOOST_AUTO_TEST_CASE(a_document_renders_as_given_and_a_read_incident_keeps_its_order) {
    const auto document = boost::json::parse(R"({"events": [{"id": "e1", "severity": "Minor",
        "modification": {"timestamp": "2026-01-01T00:00:00Z"}}], "integration": null,
        "attributes": [{"value": "v", "name": "A"}, {"name": "A", "value": "second"}, {"name": null}]})");
    const auto keys =
        aq::handlebars_template::compile(
            "{{#each (lookup events 0)}}{{@key}} {{/each}}|{{#with integration}}set{{else}}null{{/with}}"
            "|{{#each attributesByName}}{{@key}}={{value}} {{/each}}")
            .value();
    BOOST_TEST(keys.render(aq::template_context(document)).value() == "id severity modification |null|A=v ");
    // Read by the SDK: the same order, and the members it fills in after the given ones.
    const auto read = aq::template_context(aq::incident_from_json(document).value());
    BOOST_TEST(keys.render(read).value().find("id severity modification status ") == 0u);
}

BOOST_AUTO_TEST_CASE(template_and_incident_give_the_request) {
    const auto t = aq::handlebars_template::compile(R"({
  "method": "POST",
  "url": "https://hooks.example.com/aq/{{id}}",
  "headers": {"X-Severity": "{{events.[0].severity}}"},
  "enableIncidentUpdates": true,
  "body": {"json": {"title": "{{title}}", "alert": "{{attributesByName.Alert.value}}",
                    "teams": [{{#each teams}}"{{displayName}}"{{#unless @last}},{{/unless}}{{/each}}]}}
})")
                       .value();
    const auto request = aq::render_request(t, sample).value();
    BOOST_TEST(request.url == "https://hooks.example.com/aq/81cd20be-5837-4dd8-a951-2207a025a231");
    BOOST_TEST(request.headers.at(0).value == "Warning");
    BOOST_TEST(request.enable_incident_updates);
    // {{ }} escapes HTML, as on All Quiet: the receiver gets "RAM &gt; 60%".
    BOOST_TEST(request.body.json.at("alert") == "RAM &gt; 60%");
    BOOST_TEST(request.body.json.at("teams").at(0) == "Platform");
    BOOST_TEST(aq::build_http_request(request).has_value());
}

BOOST_AUTO_TEST_CASE(rendered_text_that_is_not_json_names_the_rendered_line) {
    auto quoted = sample;
    quoted.title = "say \"hi\"";
    const auto t =
        aq::handlebars_template::compile("{\n  \"method\": \"POST\",\n  \"url\": \"https://a.example/\",\n  "
                                         "\"body\": {\"text\": \"{{{title}}}\"}\n}")
            .value();
    const auto r = aq::render_request(t, quoted);
    BOOST_TEST_REQUIRE(r.has_error());
    BOOST_TEST(r.error().code == error::syntax);
    BOOST_TEST(r.error().detail.find("line 4,") == 0u, r.error().detail);
    BOOST_TEST(r.error().detail.find(R"(in rendered line:   "body": {"text": "say "hi""})") !=
                   std::string::npos,
               r.error().detail);
}

BOOST_AUTO_TEST_CASE(render_and_validation_errors_come_through) {
    const auto bad_url =
        aq::handlebars_template::compile(R"({"method": "POST", "url": "{{title}}"})").value();
    const auto r = aq::render_request(bad_url, sample);
    BOOST_TEST(r.error().code == error::invalid_url);
    BOOST_TEST(r.error().pointer == "/url");
    const auto helper =
        aq::handlebars_template::compile(R"({"method": "{{shout}}", "url": "{{nope x}}"})").value();
    BOOST_TEST(aq::render_request(helper, sample).error().code == error::missing_helper);
}

BOOST_AUTO_TEST_SUITE_END()
