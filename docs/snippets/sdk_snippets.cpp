// The C++ samples of the documentation (docs/*.md and README.md quote the regions between
// `// [doc:NAME]` and `// [/doc:NAME]`), compiled and run so that the docs cannot rot.
#include <allquiet/webhook.hpp>
#include <allquiet/webhook/request_rendering.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <cctype>
#include <fstream>
#include <iterator>
#include <sstream>

BOOST_AUTO_TEST_SUITE(sdk_snippets)

namespace aq = allquiet::webhook;
using namespace std::chrono_literals;

namespace {

std::string sample_incident_text() {
    std::ifstream in(ALLQUIET_SAMPLE_INCIDENT, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

} // namespace

BOOST_AUTO_TEST_CASE(readme) {
    const std::string body = sample_incident_text();
    std::ostringstream log;
    std::string reply;
    // [doc:readme_quick_look]
    auto incident = aq::parse_incident(body); // result<incident>
    if (!incident)
        log << incident.error().message(); // "/events/0/severity: wrong JSON type (...)"
    else if (incident->current_status() == aq::status::open)
        reply = boost::json::serialize(aq::to_json(aq::patch().resolve("auto-resolved")));
    // [/doc:readme_quick_look]
    BOOST_TEST(reply == R"({"operations":{"appendIntent":{"intent":"Resolved","message":"auto-resolved"}}})");
    BOOST_TEST(log.str().empty());
}

BOOST_AUTO_TEST_CASE(errors) {
    const std::string body = R"({"operations": {"appendIntent": {"intent": "Closed"}}})";
    std::ostringstream log;
    // [doc:errors_result]
    auto parsed = aq::parse_patch(body);
    if (!parsed) {
        const aq::input_error& e = parsed.error();
        // e.code    : boost::system::error_code, usually an aq::error
        // e.pointer : JSON pointer of the offending member ("/operations/appendIntent/intent")
        // e.detail  : short explanation ("'Closed' is not one of Resolved, Investigated, ...")
        log << e.message() << "\n"; // pointer: code message (detail)
    }
    // [/doc:errors_result]
    BOOST_TEST(parsed.error().pointer == "/operations/appendIntent/intent");
    BOOST_TEST((parsed.error().code == aq::error::unknown_value));
    BOOST_TEST(log.str().rfind("/operations/appendIntent/intent: ", 0) == 0u, log.str());
    // [doc:errors_throwing]
    BOOST_CHECK_THROW(aq::parse_patch(body).value(), aq::input_exception); // .value() throws on error
    // [/doc:errors_throwing]
}

BOOST_AUTO_TEST_CASE(incident_reading) {
    const std::string text = sample_incident_text();
    const boost::json::value value = boost::json::parse(text);
    // [doc:incident_read]
    aq::result<aq::incident> r = aq::parse_incident(text);      // from JSON text
    aq::result<aq::incident> v = aq::incident_from_json(value); // from a boost::json::value
    boost::json::value back = aq::to_json(*r);                  // or boost::json::value_from(*r)
    // [/doc:incident_read]
    BOOST_TEST(back == value);
    BOOST_TEST((v->title == r->title));
}

BOOST_AUTO_TEST_CASE(incident_views) {
    aq::incident incident = aq::parse_incident(sample_incident_text()).value();
    incident.events.front().severity = aq::severity::critical;
    auto answer_for = [](const aq::incident& incident) {
        std::optional<aq::patch> answer;
        // [doc:incident_views]
        if (incident.current_severity() == aq::severity::critical &&
            incident.allows(aq::intent::investigated))
            answer = aq::patch().acknowledge("paged the storage team");
        // [/doc:incident_views]
        return answer;
    };
    BOOST_TEST(!answer_for(incident).has_value()); // the sample does not allow Investigated
    incident.allowed_intents.emplace_back(aq::intent::investigated);
    BOOST_TEST(answer_for(incident).has_value());
}

BOOST_AUTO_TEST_CASE(request_descriptions) {
    const std::string rendered_text = R"({"method": "POST", "url": "https://example.com/hook",
        "body": {"formData": {"a": "1", "b": "x y"}}})";
    // [doc:request_description_build]
    aq::result<aq::request_description> d = aq::parse_request_description(rendered_text);
    aq::result<aq::http_request> http = aq::build_http_request(*d);
    // [/doc:request_description_build]
    BOOST_TEST(http->body == "a=1&b=x+y");
    BOOST_TEST(http->header("Content-Type").value() == "application/x-www-form-urlencoded");
}

BOOST_AUTO_TEST_CASE(signing) {
    const std::string secret = "dev-secret", body = R"({"id":"1"})";
    const std::string timestamp_text = "2023-12-17T11:51:08.844Z";
    // [doc:signatures_sign]
    aq::signature_headers h =
        aq::sign(aq::signing_method::allquiet, secret, "2023-12-17T11:51:08.844Z", body);
    // h.signature = {"x-aq-signature", "<base64>"}, h.timestamp = {"x-aq-timestamp", "2023-...Z"}
    aq::signature_headers now = aq::sign_now(aq::signing_method::aws, secret, body); // UTC, milliseconds
    std::string alone = aq::compute_signature(secret, timestamp_text, body);         // the base64 text
    // [/doc:signatures_sign]
    BOOST_TEST(h.signature.name == "x-aq-signature");
    BOOST_TEST(h.signature.value == alone);
    BOOST_TEST(now.timestamp.name == "x-amzn-event-timestamp");
}

BOOST_AUTO_TEST_CASE(verifying) {
    const std::string current_secret = "new-secret", previous_secret = "old-secret", raw_body = "{}";
    const auto signed_headers = aq::sign_now(aq::signing_method::aws, previous_secret, raw_body);
    const std::vector<aq::header_field> headers{signed_headers.signature, signed_headers.timestamp};
    std::ostringstream log;
    // [doc:signatures_verify]
    aq::verifier_options options;
    options.secrets = {current_secret, previous_secret}; // tried in order: rotate without downtime
    options.methods = aq::accepted_methods::any;         // or allquiet, or aws
    options.tolerance = aq::timestamp_tolerance::symmetric(std::chrono::minutes(5)); // the default
    const aq::verifier verifier(std::move(options)); // keyed once; share it between threads

    aq::verification v = verifier.check(headers, raw_body); // any header container, the raw body
    if (!v)
        log << v.error.message(); // exactly why
    else
        log << aq::to_string(*v.method) << " " << v.secret_index; // which method, which secret
    verifier.verify(headers, raw_body); // throws boost::system::system_error instead
    // [/doc:signatures_verify]
    BOOST_TEST(log.str() == "aws 1");
}

BOOST_AUTO_TEST_CASE(rendering) {
    const std::string template_text = R"({"method": "POST", "url": "https://example.com/{{id}}",
        "body": {"text": "{{title}}"}})";
    const aq::incident incident = aq::parse_incident(sample_incident_text()).value();
    const boost::json::value some_json_value = boost::json::parse(R"({"title": "x"})");
    // [doc:templates_render]
    auto t = aq::handlebars_template::compile(template_text); // result<handlebars_template>
    aq::result<aq::request_description> request = aq::render_request(*t, incident);
    aq::result<std::string> text = t->render(some_json_value); // any Boost.JSON context
    // [/doc:templates_render]
    BOOST_TEST(request->body.text == *incident.title);
    BOOST_TEST(text->find(R"("text": "x")") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(helpers) {
    const auto t =
        aq::handlebars_template::compile(R"({{upper title}} {{#link href="/i/1"}}{{id}}{{/link}})").value();
    const boost::json::value context = boost::json::parse(R"({"title": "<disk>", "id": "1"})");
    // [doc:templates_helpers]
    aq::render_options options;
    options.helpers["upper"] = [](const aq::helper_call& call) -> aq::helper_value {
        std::string s(call.params.at(0).as_string());
        for (auto& c : s)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return boost::json::value(s); // escaped in {{ }}, like any value
    };
    options.helpers["link"] = [](const aq::helper_call& call) -> aq::helper_value {
        return aq::safe_string{"<a href=\"" + std::string(call.hash.at("href").as_string()) + "\">" +
                               call.fn(call.context) + "</a>"}; // inserted as is
    };
    aq::result<std::string> out = t.render(context, options);
    // [/doc:templates_helpers]
    BOOST_TEST(*out == R"(&lt;DISK&gt; <a href="/i/1">1</a>)");
}

BOOST_AUTO_TEST_CASE(timestamps) {
    // [doc:timestamps_use]
    auto t = aq::timestamp::parse("2023-12-17T12:51:08.8440000+01:00").value();
    aq::time_point instant = t.instant(); // 2023-12-17 11:51:08.844 UTC
    std::string text = t.text();          // kept exactly as read, for byte-exact round trips
    std::string stamped =
        aq::timestamp(std::chrono::system_clock::now()).text(); // "2026-11-27T10:00:00.123Z"
    aq::timestamp now = aq::timestamp::now();
    // [/doc:timestamps_use]
    BOOST_TEST(text == "2023-12-17T12:51:08.8440000+01:00");
    BOOST_TEST(aq::timestamp(instant).text() == "2023-12-17T11:51:08.844Z");
    BOOST_TEST(stamped.back() == 'Z');
    BOOST_TEST((now.instant() >= instant));
}

BOOST_AUTO_TEST_CASE(escaped_values) {
    // The body a template such as {"title": "{{title}}"} sends for the title `Disk "data" <90%`:
    const std::string raw_body = R"({"title": "Disk &quot;data&quot; &lt;90%"})";
    // [doc:receiving_unescape]
    const boost::json::value body = boost::json::parse(raw_body);
    const std::string title = aq::unescape_html(body.at("title").as_string()); // Disk "data" <90%
    // [/doc:receiving_unescape]
    BOOST_TEST(title == R"(Disk "data" <90%)");
}

BOOST_AUTO_TEST_SUITE_END()
