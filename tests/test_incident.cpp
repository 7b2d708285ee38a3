#include <allquiet/webhook/incident.hpp>

#include "test_support.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <map>
#include <random>

BOOST_AUTO_TEST_SUITE(test_incident)

namespace aq = allquiet::webhook;
namespace json = boost::json;
using aq::error;

namespace {

const std::string sample_text = test_support::read_data_file("sample-incident.json");

json::object sample_object() { return json::parse(sample_text).as_object(); }

aq::result<aq::incident> parse_modified(void (*modify)(json::object&)) {
    auto o = sample_object();
    modify(o);
    return aq::parse_incident(json::serialize(o));
}

/// The incident's members and their kinds, written out apart from the SDK's own description:
/// "s" string, "b" boolean, "t" date-time, "i" integer, "[X]" array of X, else an object type.
using member_kinds = std::vector<std::pair<std::string, std::string>>;
const std::map<std::string, member_kinds> incident_schema = {
    {"entity", {{"id", "s"}, {"displayName", "s"}}},
    {"user", {{"id", "s"}, {"displayName", "s"}, {"avatarUrl", "s"}, {"email", "s"}}},
    {"externalUser", {{"id", "s"}, {"displayName", "s"}, {"avatarUrl", "s"}, {"provider", "s"}}},
    {"attribute",
     {{"name", "s"}, {"value", "s"}, {"isImage", "b"}, {"isGroupingKey", "b"}, {"hideInPreviews", "b"}}},
    {"attributeChange", {{"name", "s"}, {"oldValue", "s"}, {"newValue", "s"}}},
    {"modification",
     {{"timestamp", "t"}, {"intent", "s"}, {"user", "user"}, {"externalUser", "externalUser"}}},
    {"event",
     {{"severity", "s"},
      {"status", "s"},
      {"modification", "modification"},
      {"userAssignments", "[user]"},
      {"onCallUsers", "[user]"},
      {"message", "s"},
      {"messageIsPublic", "b"},
      {"unattended", "b"},
      {"teams", "[entity]"},
      {"attributeChanges", "[attributeChange]"}}},
    {"subEvent",
     {{"severity", "s"},
      {"status", "s"},
      {"modification", "modification"},
      {"attributeChanges", "[attributeChange]"}}},
    {"subIncident",
     {{"id", "s"},
      {"title", "s"},
      {"events", "[subEvent]"},
      {"attributes", "[attribute]"},
      {"lastUpdatedAt", "t"},
      {"createdAt", "t"}}},
    {"snoozed", {{"snoozedUntil", "t"}}},
    {"incident",
     {{"id", "s"},
      {"title", "s"},
      {"integration", "entity"},
      {"createdAt", "t"},
      {"lastUpdatedAt", "t"},
      {"attributes", "[attribute]"},
      {"events", "[event]"},
      {"eventsTotalCount", "i"},
      {"services", "[entity]"},
      {"sourceUser", "user"},
      {"unattended", "b"},
      {"isArchived", "b"},
      {"onCallUsers", "[user]"},
      {"teams", "[entity]"},
      {"snoozed", "snoozed"},
      {"subIncidents", "[subIncident]"},
      {"allowedIntents", "[s]"},
      {"canDelete", "b"},
      {"excludeFromUptimeCalculation", "b"},
      {"statusPageStartOverride", "t"},
      {"statusPageEndOverride", "t"}}},
};

/// Random incident documents: every object's members in a random order, some left out, and
/// members the schema does not have mixed in at random places.
class incident_generator {
  public:
    incident_generator(std::uint32_t seed, double keep) : random_(seed), keep_(keep) {}

    json::object incident() { return object_of("incident"); }

  private:
    std::size_t below(std::size_t n) { return random_() % n; }

    json::object object_of(const std::string& type) {
        auto members = incident_schema.at(type);
        std::shuffle(members.begin(), members.end(), random_);
        for (std::size_t extra = below(3); extra > 0; --extra)
            members.insert(members.begin() + static_cast<std::ptrdiff_t>(below(members.size() + 1)),
                           {"x-" + std::to_string(random_()), "unknown"});
        json::object out;
        for (const auto& [name, kind] : members)
            if (std::uniform_real_distribution<>(0, 1)(random_) < keep_) out[name] = value_of(kind);
        return out;
    }

    json::value value_of(const std::string& kind) {
        if (kind == "s") return json::string("s" + std::to_string(below(1000)));
        if (kind == "b") return below(2) == 0;
        if (kind == "i") return static_cast<std::int64_t>(below(1000));
        if (kind == "t") return json::string("2026-0" + std::to_string(1 + below(9)) + "-01T00:00:00Z");
        if (kind == "unknown") return unknown_value(2);
        if (kind.front() == '[') {
            json::array items;
            for (std::size_t n = below(3); n > 0; --n)
                items.push_back(value_of(kind.substr(1, kind.size() - 2)));
            return items;
        }
        return object_of(kind);
    }

    /// Any JSON, nested objects with their keys in random order included.
    json::value unknown_value(int depth) {
        switch (depth > 0 ? below(4) : below(2)) {
        case 0: return json::string("u" + std::to_string(below(100)));
        case 1: return below(2) ? json::value(nullptr) : json::value(1.5);
        case 2: return json::array{unknown_value(depth - 1), unknown_value(depth - 1)};
        default: {
            json::object o;
            for (std::size_t n = 1 + below(3); n > 0; --n)
                o["k" + std::to_string(random_() % 10000)] = unknown_value(depth - 1);
            return o;
        }
        }
    }

    std::mt19937 random_;
    double keep_;
};

/// `written` without the members `given` does not have, level by level: what `to_json` adds
/// for a missing member goes, what was given stays in its place.
json::value given_members_of(const json::value& written, const json::value& given) {
    if (given.is_object() && written.is_object()) {
        json::object out;
        for (const auto& member : written.get_object())
            if (const auto* g = given.get_object().if_contains(member.key()))
                out[member.key()] = given_members_of(member.value(), *g);
        return out;
    }
    if (given.is_array() && written.is_array() && given.get_array().size() == written.get_array().size()) {
        json::array out;
        for (std::size_t i = 0; i < given.get_array().size(); ++i)
            out.push_back(given_members_of(written.get_array()[i], given.get_array()[i]));
        return out;
    }
    return written;
}

} // namespace

BOOST_AUTO_TEST_CASE(round_trips_keep_member_order_on_every_level) {
    // Complete documents come back byte for byte, whatever their members' order.
    incident_generator complete(20261202, 1.0);
    for (int i = 0; i < 100; ++i) {
        const auto x = json::serialize(complete.incident());
        BOOST_TEST_REQUIRE(json::serialize(aq::to_json(aq::parse_incident(x).value())) == x);
    }
    // With members left out, the given ones still come back in their order, the filled-in ones
    // after them.
    incident_generator partial(7, 0.6);
    for (int i = 0; i < 300; ++i) {
        const json::value x = partial.incident();
        const auto back = aq::to_json(aq::parse_incident(json::serialize(x)).value());
        BOOST_TEST_REQUIRE(json::serialize(given_members_of(back, x)) == json::serialize(x));
        std::size_t position = 0;
        for (const auto& member : x.get_object()) // the given members come first
            BOOST_TEST_REQUIRE((back.get_object().begin() + position++)->key() == member.key());
    }
}

BOOST_AUTO_TEST_CASE(members_set_in_code_come_after_the_ones_read) {
    auto inc = aq::parse_incident(R"({"zeta": 1, "title": "t", "id": "i"})").value();
    inc.unknown_members["alpha"] = 2;
    inc.member_order.clear(); // forgets the order: the API's, then unknown members as kept
    BOOST_TEST(json::serialize(aq::to_json(inc)).find(R"({"id":"i","title":"t",)") == 0u);
    auto again = aq::parse_incident(R"({"zeta": 1, "title": "t"})").value();
    again.unknown_members.erase("zeta");
    again.unknown_members["alpha"] = 2;
    const auto text = json::serialize(aq::to_json(again));
    BOOST_TEST(text.find(R"({"title":"t","id":null,)") == 0u, text);
    BOOST_TEST(text.find("zeta") == std::string::npos);
    BOOST_TEST(text.rfind(R"("alpha":2})") == text.size() - 10);
}

BOOST_AUTO_TEST_CASE(reads_every_member_of_the_sample) {
    const auto inc = aq::parse_incident(sample_text).value();
    BOOST_TEST(*inc.id == "81cd20be-5837-4dd8-a951-2207a025a231");
    BOOST_TEST(*inc.title == "RAM above 60%");
    BOOST_TEST(*inc.integration.display_name == "Prometheus");
    BOOST_TEST(inc.created_at->text() == "2026-08-16T23:42:17.274Z");
    BOOST_TEST_REQUIRE(inc.attributes.size() == 2u);
    BOOST_TEST(*inc.attributes[1].value == "RAM > 60%");
    BOOST_TEST(inc.attributes[1].is_grouping_key);
    BOOST_TEST_REQUIRE(inc.events.size() == 2u);
    const auto& newest = inc.events[0];
    BOOST_TEST((*newest.modification.intent == aq::intent::investigated));
    BOOST_TEST(*newest.modification.user->email == "ada@example.com");
    BOOST_TEST(!newest.modification.external_user.has_value());
    BOOST_TEST(*newest.message_is_public == false);
    BOOST_TEST(!inc.events[1].modification.user.has_value());
    BOOST_TEST(!inc.events[1].message_is_public.has_value());
    BOOST_TEST(*inc.events[1].attribute_changes[0].new_value == "prod");
    BOOST_TEST(!inc.events[1].attribute_changes[0].old_value.has_value());
    BOOST_TEST(inc.events_total_count == 2);
    BOOST_TEST(inc.services.empty());
    BOOST_TEST(!inc.source_user.has_value());
    BOOST_TEST(*inc.teams[0].display_name == "Platform");
    BOOST_TEST(!inc.snoozed.snoozed_until.has_value());
    BOOST_TEST(inc.allowed_intents.size() == 6u);
    BOOST_TEST(*inc.can_delete == false);
    BOOST_TEST(!inc.status_page_start_override.has_value());
}

BOOST_AUTO_TEST_CASE(sample_round_trips_byte_for_byte) {
    const auto inc = aq::parse_incident(sample_text).value();
    BOOST_TEST(inc.member_order.empty()); // the API's own order needs no list
    BOOST_TEST(json::serialize(aq::to_json(inc)) == json::serialize(json::parse(sample_text)));
    BOOST_TEST((json::value_from(inc) == json::parse(sample_text)));
}

BOOST_AUTO_TEST_CASE(unknown_members_anywhere_survive_a_round_trip) {
    auto o = sample_object();
    o["attributesByName"] =
        json::object{{"Environment", json::object{{"name", "Environment"}, {"value", "prod"}}}};
    o["integration"].as_object()["type"] = "Prometheus";
    o["attributes"].as_array()[0].as_object()["extra"] = json::array{1, 2, 3};
    auto& newest = o["events"].as_array()[0].as_object();
    newest["id"] = "evt-1";
    newest["modification"].as_object()["source"] = json::object{{"deep", json::object{{"deeper", true}}}};
    newest["modification"].as_object()["user"].as_object()["role"] = "Admin";
    newest["teams"].as_array()[0].as_object()["slug"] = "platform";
    o["snoozed"].as_object()["reason"] = nullptr;

    const auto inc = aq::parse_incident(json::serialize(o)).value();
    BOOST_TEST(inc.unknown_members.contains("attributesByName"));
    BOOST_TEST(inc.events[0].unknown_members.at("id") == "evt-1");
    BOOST_TEST((aq::to_json(inc) == json::value(o)));
}

BOOST_AUTO_TEST_CASE(unknown_enum_values_are_kept_not_mapped) {
    const auto inc = parse_modified([](json::object& o) {
                         auto& e = o["events"].as_array()[0].as_object();
                         e["severity"] = "Catastrophic";
                         e["status"] = "Muted";
                         e["modification"].as_object()["intent"] = "Teleported";
                         o["allowedIntents"].as_array().push_back("Teleported");
                     }).value();
    BOOST_TEST(inc.events[0].severity->text() == "Catastrophic");
    BOOST_TEST(!inc.events[0].severity->known().has_value());
    BOOST_TEST(inc.current_status()->text() == "Muted");
    BOOST_TEST(inc.events[0].modification.intent->text() == "Teleported");
    BOOST_TEST(inc.allowed_intents.back().text() == "Teleported");
    const auto back = aq::to_json(inc);
    BOOST_TEST(back.at("events").at(0).at("severity") == "Catastrophic");
}

BOOST_AUTO_TEST_CASE(nulls_and_missing_members_are_tolerated) {
    const auto inc = aq::parse_incident(R"({"id": "x", "title": null, "attributes": null, "events": [
        {"severity": null, "modification": {"timestamp": "2026-01-01T00:00:00Z", "user":
         {"id": null, "displayName": null, "avatarUrl": null, "email": null}, "externalUser": null},
         "teams": null, "userAssignments": null}],
        "integration": null, "snoozed": null, "sourceUser": {}})")
                         .value();
    BOOST_TEST(!inc.title.has_value());
    BOOST_TEST(inc.attributes.empty());
    BOOST_TEST(!inc.events[0].severity.has_value());
    BOOST_TEST(!inc.events[0].modification.user->id.has_value());
    BOOST_TEST(inc.events[0].teams.empty());
    BOOST_TEST(!inc.integration.id.has_value());
    BOOST_TEST(inc.source_user.has_value());
    BOOST_TEST(!inc.current_severity().has_value());
    BOOST_TEST(!inc.current_status().has_value());

    // Documented normalisation: null arrays come back as [], missing strings as null.
    const auto back = aq::to_json(inc);
    BOOST_TEST(back.at("attributes") == json::array());
    BOOST_TEST(back.at("createdAt").is_null());

    BOOST_TEST(aq::parse_incident("{}").has_value());
}

BOOST_AUTO_TEST_CASE(wrong_types_are_errors_naming_the_member) {
    CHECK_FAILS_WITH(parse_modified([](json::object& o) { o["title"] = 42; }), error::wrong_type, "/title");
    CHECK_FAILS_WITH(
        parse_modified([](json::object& o) { o["events"].as_array()[1].as_object()["severity"] = true; }),
        error::wrong_type, "/events/1/severity");
    CHECK_FAILS_WITH(parse_modified([](json::object& o) { o["attributes"] = "none"; }), error::wrong_type,
                     "/attributes");
    CHECK_FAILS_WITH(
        parse_modified([](json::object& o) { o["attributes"].as_array()[0].as_object()["isImage"] = "no"; }),
        error::wrong_type, "/attributes/0/isImage");
    CHECK_FAILS_WITH(parse_modified([](json::object& o) { o["eventsTotalCount"] = 2.5; }), error::wrong_type,
                     "/eventsTotalCount");
    CHECK_FAILS_WITH(parse_modified([](json::object& o) { o["eventsTotalCount"] = 18446744073709551615ull; }),
                     error::out_of_range, "/eventsTotalCount");
    CHECK_FAILS_WITH(parse_modified([](json::object& o) { o["teams"].as_array()[0] = 7; }), error::wrong_type,
                     "/teams/0");
    CHECK_FAILS_WITH(parse_modified([](json::object& o) { o["allowedIntents"].as_array()[2] = nullptr; }),
                     error::wrong_type, "/allowedIntents/2");
    CHECK_FAILS_WITH(parse_modified([](json::object& o) {
                         o["events"].as_array()[0].as_object()["modification"].as_object()["user"] = "ada";
                     }),
                     error::wrong_type, "/events/0/modification/user");
    CHECK_FAILS_WITH(aq::parse_incident("[]"), error::wrong_type, "");
    CHECK_FAILS_WITH(aq::parse_incident(R"({"a/b~c": 1, "title": []})"), error::wrong_type, "/title");
}

BOOST_AUTO_TEST_CASE(malformed_dates_are_errors_naming_the_member) {
    CHECK_FAILS_WITH(parse_modified([](json::object& o) { o["createdAt"] = "yesterday"; }),
                     error::malformed_timestamp, "/createdAt");
    CHECK_FAILS_WITH(parse_modified([](json::object& o) {
                         o["events"].as_array()[0].as_object()["modification"].as_object()["timestamp"] =
                             1700000000;
                     }),
                     error::wrong_type, "/events/0/modification/timestamp");
}

BOOST_AUTO_TEST_CASE(text_that_is_not_json_reports_line_and_column) {
    auto r = aq::parse_incident("{\n  \"id\": \"x\",\n  \"title\": oops\n}");
    BOOST_TEST_REQUIRE(r.has_error());
    BOOST_TEST(r.error().code == error::syntax);
    BOOST_TEST(r.error().detail.find("line 3, column 12") == 0u, r.error().detail);
    CHECK_FAILS_WITH(aq::parse_incident(""), error::syntax, "");
    CHECK_FAILS_WITH(aq::parse_incident("{} {}"), error::syntax, "");
    CHECK_FAILS_WITH(aq::parse_incident("{\"id\": \"\xff\"}"), error::syntax, "");
}

BOOST_AUTO_TEST_CASE(nesting_deeper_than_the_limit_is_refused) {
    std::string deep =
        "{\"x\":" + std::string(aq::max_json_depth + 1, '[') + std::string(aq::max_json_depth + 1, ']') + "}";
    CHECK_FAILS_WITH(aq::parse_incident(deep), error::too_deep, "");
    std::string ok =
        "{\"x\":" + std::string(aq::max_json_depth - 2, '[') + std::string(aq::max_json_depth - 2, ']') + "}";
    BOOST_TEST(aq::parse_incident(ok).has_value());
}

BOOST_AUTO_TEST_CASE(parse_json_keeps_the_document_with_the_limits_of_incidents) {
    const auto document = aq::parse_json(R"({"id": "x", "title": "Disk full"})").value();
    BOOST_TEST(aq::incident_from_json(document).value().title.value() == "Disk full");
    BOOST_TEST(document.at("id").as_string() == "x");
    auto bad = aq::parse_json("{\n  \"id\": oops\n}");
    BOOST_TEST_REQUIRE(bad.has_error());
    BOOST_TEST(bad.error().code == error::syntax);
    BOOST_TEST(bad.error().line == 2u);
    BOOST_TEST(bad.error().column == 9u);
    CHECK_FAILS_WITH(aq::parse_json(std::string(aq::max_json_depth + 1, '[') + std::string(aq::max_json_depth + 1, ']')),
                     error::too_deep, "");
    BOOST_TEST(aq::parse_json(std::string(aq::max_json_depth, '[') + std::string(aq::max_json_depth, ']')).has_value());
}

BOOST_AUTO_TEST_CASE(throwing_form_carries_the_message) {
    BOOST_CHECK_EXCEPTION((void)aq::parse_incident(R"({"title": 1})").value(), aq::input_exception,
                          [](const aq::input_exception& e) {
                              return std::string(e.what()) ==
                                     "/title: wrong JSON type (expected a string, got number)";
                          });
}

BOOST_AUTO_TEST_CASE(current_status_and_severity_come_from_the_newest_event_in_any_order) {
    const auto text = R"({"events": [
        {"severity": "Warning", "status": "Open", "modification": {"timestamp": "2026-01-01T10:00:00Z", "intent": "Created"}},
        {"severity": "Critical", "status": "Resolved", "modification": {"timestamp": "2026-01-01T12:00:00Z", "intent": "Resolved"}},
        {"severity": null, "status": "Open", "modification": {"timestamp": "2026-01-01T11:00:00+02:00", "intent": "Commented"}},
        {"severity": "Minor", "status": "Open", "modification": {"timestamp": null, "intent": "Updated"}}]})";
    const auto inc = aq::parse_incident(text).value();
    BOOST_TEST((*inc.current_status() == aq::status::resolved));
    BOOST_TEST((*inc.current_severity() == aq::severity::critical));
    BOOST_TEST((*inc.triggering_event()->modification.intent == aq::intent::resolved));
    BOOST_TEST(inc.newest_event() == &inc.events[1]);

    const auto sample = aq::parse_incident(sample_text).value();
    BOOST_TEST(sample.newest_event() == &sample.events[0]);
    BOOST_TEST((*sample.current_status() == aq::status::open));
    BOOST_TEST((*sample.current_severity() == aq::severity::warning));

    BOOST_TEST(aq::incident{}.newest_event() == nullptr);
    BOOST_TEST(!aq::incident{}.current_status().has_value());
}

BOOST_AUTO_TEST_CASE(newest_event_falls_back_for_missing_values) {
    const auto inc = aq::parse_incident(R"({"events": [
        {"severity": null, "status": null, "modification": {"timestamp": "2026-01-02T00:00:00Z"}},
        {"severity": "Minor", "status": "Open", "modification": {"timestamp": "2026-01-01T00:00:00Z"}}]})")
                         .value();
    BOOST_TEST((*inc.current_severity() == aq::severity::minor));
    BOOST_TEST((*inc.current_status() == aq::status::open));
    BOOST_TEST(inc.newest_event() == &inc.events[0]);
}

BOOST_AUTO_TEST_CASE(attribute_lookup_and_allowed_intents) {
    const auto inc = aq::parse_incident(sample_text).value();
    BOOST_TEST_REQUIRE(inc.find_attribute("Alert") != nullptr);
    BOOST_TEST(*inc.find_attribute("Alert")->value == "RAM > 60%");
    BOOST_TEST(inc.find_attribute("alert") == nullptr);
    BOOST_TEST(inc.allows(aq::intent::resolved));
    BOOST_TEST(!inc.allows(aq::intent::investigated));
}

BOOST_AUTO_TEST_SUITE_END()
