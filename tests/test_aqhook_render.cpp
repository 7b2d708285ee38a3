// aqhook render, run as a user runs it.
#include "process.hpp"
#include "test_support.hpp"

#include <boost/json/parse.hpp>

#include <fstream>

BOOST_AUTO_TEST_SUITE(test_aqhook_render)

using test_support::run_process;
namespace json = boost::json;

namespace {

const std::string aqhook = AQHOOK_PATH;

const std::string request_template = test_support::write_temp_file("render-template.hbs", R"({
  "method": "POST",
  "url": "https://hooks.example.com/aq/{{id}}",
  "headers": {"X-Severity": "{{events.[0].severity}}"},
  "enableIncidentUpdates": true,
  "body": {"json": {"title": "{{title}}", "alert": "{{attributesByName.Alert.value}}"}}
})");

} // namespace

BOOST_AUTO_TEST_CASE(renders_against_the_built_in_sample) {
    const auto r = run_process({aqhook, "render", "--template", request_template});
    BOOST_TEST(r.exit_code == 0, r.err);
    const auto out = json::parse(r.out);
    BOOST_TEST(out.at("url") == "https://hooks.example.com/aq/81cd20be-5837-4dd8-a951-2207a025a231");
    BOOST_TEST(out.at("headers").at("X-Severity") == "Warning");
    BOOST_TEST(out.at("body").at("json").at("alert") == "RAM &gt; 60%");
    BOOST_TEST(out.at("enableIncidentUpdates") == true);
}

BOOST_AUTO_TEST_CASE(renders_against_a_given_incident_and_shows_text_or_http) {
    const auto incident =
        test_support::write_temp_file("render-incident.json", R"({"id": "abc", "title": "Disk full",
        "events": [{"severity": "Critical", "modification": {"timestamp": "2026-01-01T00:00:00Z"}}],
        "attributes": [{"name": "Alert", "value": "disk > 90%"}]})");
    const auto r = run_process({aqhook, "render", "--template", request_template, "--incident", incident});
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(json::parse(r.out).at("body").at("json").at("title") == "Disk full");

    const auto text = run_process(
        {aqhook, "render", "--template", request_template, "--incident", incident, "--show", "text"});
    BOOST_TEST(text.out.find(R"("alert": "disk &gt; 90%")") != std::string::npos, text.out);

    const auto http = run_process(
        {aqhook, "render", "--template", request_template, "--incident", incident, "--show", "http"});
    BOOST_TEST(http.exit_code == 0);
    BOOST_TEST(http.out.rfind("POST /aq/abc HTTP/1.1\nHost: hooks.example.com\nX-Severity: Critical\n", 0) ==
                   0u,
               http.out);
    BOOST_TEST(http.out.find("Content-Type: application/json; charset=utf-8\n") != std::string::npos);
    std::remove(incident.c_str());
}

BOOST_AUTO_TEST_CASE(renders_the_incident_as_given) {
    // Member order, nulls and missing members as the file has them, as Handlebars.js sees them.
    const auto incident = test_support::write_temp_file(
        "render-as-given.json", R"({"events": [{"id": "e1", "severity": "Minor", "status": "Open",
        "modification": {"timestamp": "2026-01-01T00:00:00Z"}}], "integration": null})");
    const auto keys = test_support::write_temp_file(
        "render-keys.hbs",
        "{{#each (lookup events 0)}}{{@key}} {{/each}}|{{#with integration}}set{{else}}null{{/with}}");
    const auto r =
        run_process({aqhook, "render", "--template", keys, "--incident", incident, "--show", "text"});
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(r.out == "id severity status modification |null");
    // Strict mode sees what the file leaves out.
    const auto title = test_support::write_temp_file("render-title.hbs", "{{title}}");
    const auto strict = run_process(
        {aqhook, "render", "--template", title, "--incident", incident, "--show", "text", "--strict"});
    BOOST_TEST(strict.exit_code == 2);
    BOOST_TEST(strict.err.find("\"title\" not defined") != std::string::npos, strict.err);
    for (const auto& path : {incident, keys, title})
        std::remove(path.c_str());
}

BOOST_AUTO_TEST_CASE(bad_input_exits_2_with_the_reason) {
    const auto syntax = test_support::write_temp_file("render-syntax.hbs",
                                                      "{\"method\": \"POST\",\n \"url\": \"{{#if id}}\"}");
    const auto r = run_process({aqhook, "render", "--template", syntax});
    BOOST_TEST(r.exit_code == 2);
    BOOST_TEST(r.err.find("never closed") != std::string::npos, r.err);

    const auto not_json = test_support::write_temp_file(
        "render-notjson.hbs", "{\"method\": \"POST\", \"url\": \"https://a/\", \"x\": {{title}} }");
    const auto bad_json = run_process({aqhook, "render", "--template", not_json});
    BOOST_TEST(bad_json.exit_code == 2);
    BOOST_TEST(bad_json.err.find("in rendered line") != std::string::npos, bad_json.err);

    const auto strict = run_process({aqhook, "render", "--template", request_template, "--strict",
                                     "--incident", test_support::write_temp_file("render-bare.json", "{}")});
    BOOST_TEST(strict.exit_code == 2);
    BOOST_TEST(strict.err.find("missing value") != std::string::npos, strict.err);

    const auto incident = test_support::write_temp_file("render-badincident.json", R"({"title": 5})");
    const auto bad_incident =
        run_process({aqhook, "render", "--template", request_template, "--incident", incident});
    BOOST_TEST(bad_incident.exit_code == 2);
    BOOST_TEST(bad_incident.err.find("/title") != std::string::npos);

    BOOST_TEST(run_process({aqhook, "render"}).exit_code == 2);
    const auto missing = run_process({aqhook, "render", "--template", "/nonexistent"});
    BOOST_TEST(missing.exit_code == 2);
    BOOST_TEST(missing.err.find("--template: cannot read /nonexistent") != std::string::npos, missing.err);
    BOOST_TEST(run_process({aqhook, "render", "--template", request_template, "--show", "pdf"}).exit_code ==
               2);
    for (const auto& p : {syntax, not_json, incident})
        std::remove(p.c_str());
}

// Every file aqhook reads goes through one reading function, bounded at 16 MiB: a file without end
// (/dev/zero) used to grow the process without limit.
BOOST_AUTO_TEST_CASE(input_files_over_16_mib_are_refused) {
    const std::string limit_error = " is larger than 16 MiB, the limit for input files";
    const auto endless =
        run_process({aqhook, "render", "--template", request_template, "--incident", "/dev/zero"});
    BOOST_TEST(endless.exit_code == 2);
    BOOST_TEST(endless.err.find("--incident: /dev/zero" + limit_error) != std::string::npos, endless.err);
    const auto endless_template = run_process({aqhook, "render", "--template", "/dev/zero"});
    BOOST_TEST(endless_template.exit_code == 2);
    BOOST_TEST(endless_template.err.find("--template: /dev/zero" + limit_error) != std::string::npos);

    // Exactly 16 MiB is read; one byte more is not, from a file or from standard input.
    const std::string incident_json = R"({"id": "abc", "title": "Disk full"})";
    const std::string at_limit = std::string((16u << 20) - incident_json.size(), ' ') + incident_json;
    const auto at_limit_path = test_support::write_temp_file("render-16mib.json", at_limit);
    const auto read =
        run_process({aqhook, "render", "--template", request_template, "--incident", at_limit_path});
    BOOST_TEST(read.exit_code == 0, read.err);
    BOOST_TEST(json::parse(read.out).at("body").at("json").at("title") == "Disk full");
    const auto over_limit_path = test_support::write_temp_file("render-16mib-and-1.json", at_limit + " ");
    const auto over =
        run_process({aqhook, "render", "--template", request_template, "--incident", over_limit_path});
    BOOST_TEST(over.exit_code == 2);
    BOOST_TEST(over.err.find("--incident: " + over_limit_path + limit_error) != std::string::npos, over.err);
    const auto over_stdin =
        run_process({aqhook, "render", "--template", request_template, "--incident", "-"}, at_limit + " ");
    BOOST_TEST(over_stdin.exit_code == 2);
    BOOST_TEST(over_stdin.err.find("--incident: standard input" + limit_error) != std::string::npos,
               over_stdin.err);
    for (const auto& p : {at_limit_path, over_limit_path})
        std::remove(p.c_str());
}

BOOST_AUTO_TEST_SUITE_END()
