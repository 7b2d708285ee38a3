#include <allquiet/webhook/patch.hpp>

#include "test_support.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

BOOST_AUTO_TEST_SUITE(test_patch)

namespace aq = allquiet::webhook;
namespace json = boost::json;
using aq::error;
using namespace std::chrono;

namespace {

const aq::incident sample = aq::parse_incident(test_support::read_data_file("sample-incident.json")).value();
const aq::time_point fixed_now = sys_days{2026y / November / 27} + 10h;

aq::apply_options at_fixed_time() {
    aq::apply_options options;
    options.clock = [] { return fixed_now; };
    return options;
}

const char* valid_uuid = "0b9e4a2c-1111-4c3e-9a51-3d6f0c2b7a10";

} // namespace

BOOST_AUTO_TEST_CASE(seed_example_resolve_on_receipt) {
    const auto p = aq::parse_patch(R"({
    "operations": {
        "appendIntent": {
            "intent": "Resolved"
            }
        }
    })")
                       .value();
    BOOST_TEST((p.operations.append_intent->intent == aq::intent::resolved));

    const auto after = aq::apply_patch(sample, p, at_fixed_time()).value();
    BOOST_TEST((*after.current_status() == aq::status::resolved));
    BOOST_TEST((*after.current_severity() == aq::severity::warning));
    BOOST_TEST(after.events.size() == 3u);
    BOOST_TEST(after.events_total_count == 3);
    BOOST_TEST(after.newest_event() == &after.events[0]);
    BOOST_TEST((*after.events[0].modification.intent == aq::intent::resolved));
    BOOST_TEST(after.events[0].modification.timestamp->text() == "2026-11-27T10:00:00.000Z");
    BOOST_TEST(after.last_updated_at->text() == "2026-11-27T10:00:00.000Z");
    BOOST_TEST(!after.events[0].modification.user.has_value());
    BOOST_TEST(*after.events[0].teams[0].display_name == "Platform");
    BOOST_TEST(after.events[0].attribute_changes.empty());
}

BOOST_AUTO_TEST_CASE(seed_example_add_an_attribute) {
    const auto p = aq::parse_patch(R"({
    "operations": {
        "addAttributes": {
          "attributes": [
            {
              "name": "ExampleToolURL",
              "value": "https://exampleurl.com/ID",
              "isImage": false,
              "hideInPreviews": false
            }
          ]
        }
      }
    })")
                       .value();
    const auto after = aq::apply_patch(sample, p, at_fixed_time()).value();
    BOOST_TEST_REQUIRE(after.find_attribute("ExampleToolURL") != nullptr);
    BOOST_TEST(*after.find_attribute("ExampleToolURL")->value == "https://exampleurl.com/ID");
    BOOST_TEST(after.attributes.size() == 3u);
    BOOST_TEST((*after.events[0].modification.intent == aq::intent::updated));
    BOOST_TEST((*after.current_status() == aq::status::open));
    BOOST_TEST_REQUIRE(after.events[0].attribute_changes.size() == 1u);
    BOOST_TEST(*after.events[0].attribute_changes[0].name == "ExampleToolURL");
    BOOST_TEST(!after.events[0].attribute_changes[0].old_value.has_value());
    BOOST_TEST(*after.events[0].attribute_changes[0].new_value == "https://exampleurl.com/ID");
}

BOOST_AUTO_TEST_CASE(builder_serializes_only_what_is_set) {
    const auto p = aq::patch().resolve("fixed by the runbook").upsert_attribute("Ticket", "OPS-1");
    BOOST_TEST(json::serialize(aq::to_json(p)) ==
               R"({"operations":{"appendIntent":{"intent":"Resolved","message":"fixed by the runbook"},)"
               R"("upsertAttributes":{"attributes":[{"name":"Ticket","value":"OPS-1"}]}}})");
    BOOST_TEST(json::serialize(aq::to_json(aq::patch().resolve())) ==
               R"({"operations":{"appendIntent":{"intent":"Resolved"}}})");
    BOOST_TEST(!aq::check_patch(p).has_value());
}

BOOST_AUTO_TEST_CASE(every_operation_and_option_round_trips) {
    const auto text = std::string(R"({"operations":{
        "changeSeverity":{"severity":"Critical"},
        "appendIntent":{"intent":"Affects","message":"db down","messageIsPublic":true,
          "intentOptions":{"affectingOptions":{"services":[{"id":")") +
                      valid_uuid + R"("}],
            "excludeFromUptimeCalculation":true,
            "overrides":{"start":"2026-11-27T09:00:00.000Z","end":"2026-11-27T09:30:00.000Z"}}}},
        "overrideAttributes":{"attributes":[{"name":"A","value":"1","isImage":true,"hideInPreviews":true}]},
        "addAttributes":{"attributes":[{"name":"B","value":"2"}]},
        "upsertAttributes":{"attributes":[{"name":"A","value":"3"}]}}})";
    const auto p = aq::parse_patch(text).value();
    BOOST_TEST((aq::to_json(p) == json::parse(text)));
    BOOST_TEST((json::value_from(p) == json::parse(text)));

    for (
        const auto* options :
        {R"({"snoozingOptions":{"snoozedUntil":"2026-11-28T00:00:00.000Z"}})",
         R"({"forwardingOptions":{"outboundIntegration":{"id":"0b9e4a2c-1111-4c3e-9a51-3d6f0c2b7a10"}}})",
         R"({"assigningOptions":{"teams":[{"id":"0b9e4a2c-1111-4c3e-9a51-3d6f0c2b7a10"}],"repeatAlerts":false}})",
         R"({"userAssigningOptions":{"userAssignments":[{"userId":"0b9e4a2c-1111-4c3e-9a51-3d6f0c2b7a10"}]}})"}) {
        const auto intent = std::string(options).find("snoozing") != std::string::npos     ? "Snoozed"
                            : std::string(options).find("forwarding") != std::string::npos ? "Forwarded"
                                                                                           : "Assigned";
        const auto one = std::string(R"({"operations":{"appendIntent":{"intent":")") + intent +
                         R"(","intentOptions":)" + options + "}}}";
        BOOST_TEST_CONTEXT(one) {
            BOOST_TEST((aq::to_json(aq::parse_patch(one).value()) == json::parse(one)));
        }
    }
}

BOOST_AUTO_TEST_CASE(each_limit_and_unknown_is_an_error_naming_the_member) {
    const std::string name256(256, 'n');
    const std::string message5001(5001, 'm');
    struct case_t {
        std::string body;
        error code;
        const char* pointer;
    };
    const case_t cases[] = {
        {R"({})", error::missing_member, "/operations"},
        {R"({"operations":{}})", error::empty_patch, "/operations"},
        {R"({"operations":{"resolve":{}}})", error::unknown_member, "/operations/resolve"},
        {R"({"operations":{"appendIntent":{"intent":"Resolved","reason":"x"}}})", error::unknown_member,
         "/operations/appendIntent/reason"},
        {R"({"operations":{"appendIntent":{}}})", error::missing_member, "/operations/appendIntent/intent"},
        {R"({"operations":{"appendIntent":{"intent":"Closed"}}})", error::unknown_value,
         "/operations/appendIntent/intent"},
        {R"({"operations":{"appendIntent":{"intent":"resolved"}}})", error::unknown_value,
         "/operations/appendIntent/intent"},
        {R"({"operations":{"appendIntent":{"intent":""}}})", error::unknown_value,
         "/operations/appendIntent/intent"},
        {R"({"operations":{"appendIntent":{"intent":7}}})", error::wrong_type,
         "/operations/appendIntent/intent"},
        {R"({"operations":{"appendIntent":{"intent":"Commented","message":")" + message5001 + R"("}}})",
         error::out_of_range, "/operations/appendIntent/message"},
        {R"({"operations":{"appendIntent":{"intent":"Resolved","intentOptions":{"snoozingOptions":{}}}}})",
         error::intent_option_mismatch, "/operations/appendIntent/intentOptions"},
        {R"({"operations":{"appendIntent":{"intent":"Snoozed","intentOptions":{"snoozingOptions":{"snoozedUntil":"soon"}}}}})",
         error::malformed_timestamp, "/operations/appendIntent/intentOptions/snoozingOptions/snoozedUntil"},
        {R"({"operations":{"appendIntent":{"intent":"Forwarded","intentOptions":{"forwardingOptions":{"outboundIntegration":{"id":"42"}}}}}})",
         error::malformed_uuid,
         "/operations/appendIntent/intentOptions/forwardingOptions/outboundIntegration/id"},
        {R"({"operations":{"appendIntent":{"intent":"Assigned","intentOptions":{"userAssigningOptions":{"userAssignments":[{"userId":"0b9e4a2c-1111-4c3e-9a51-3d6f0c2b7a1g"}]}}}}})",
         error::malformed_uuid,
         "/operations/appendIntent/intentOptions/userAssigningOptions/userAssignments/0/userId"},
        {R"({"operations":{"changeSeverity":{"severity":"Urgent"}}})", error::unknown_value,
         "/operations/changeSeverity/severity"},
        {R"({"operations":{"changeSeverity":{}}})", error::missing_member,
         "/operations/changeSeverity/severity"},
        {R"({"operations":{"addAttributes":{"attributes":[{"name":"","value":"v"}]}}})", error::out_of_range,
         "/operations/addAttributes/attributes/0/name"},
        {R"({"operations":{"addAttributes":{"attributes":[{"name":")" + name256 + R"(","value":"v"}]}}})",
         error::out_of_range, "/operations/addAttributes/attributes/0/name"},
        {R"({"operations":{"upsertAttributes":{"attributes":[{"name":"n","value":""}]}}})",
         error::out_of_range, "/operations/upsertAttributes/attributes/0/value"},
        {R"({"operations":{"upsertAttributes":{"attributes":[{"name":"n"}]}}})", error::missing_member,
         "/operations/upsertAttributes/attributes/0/value"},
        {R"({"operations":{"overrideAttributes":{"attributes":[{"name":"n","value":"v","isGroupingKey":true}]}}})",
         error::unknown_member, "/operations/overrideAttributes/attributes/0/isGroupingKey"},
        {R"({"operations":{"overrideAttributes":{"attributes":{"name":"n"}}}})", error::wrong_type,
         "/operations/overrideAttributes/attributes"},
        {R"({"operations":{"addAttributes":{"attributes":[{"name":"n","value":1}]}}})", error::wrong_type,
         "/operations/addAttributes/attributes/0/value"},
        {R"([])", error::wrong_type, ""},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.body.substr(0, 200)) {
            CHECK_FAILS_WITH(aq::parse_patch(c.body), c.code, c.pointer);
        }
    }
    CHECK_FAILS_WITH(aq::parse_patch("{\"operations\":"), error::syntax, "");
}

BOOST_AUTO_TEST_CASE(limits_count_characters_as_the_api_does) {
    std::string name255;
    for (int i = 0; i < 255; ++i)
        name255 += "\xc3\xa9"; // é: two bytes, one character
    const auto ok = aq::patch().add_attribute(name255, "v");
    BOOST_TEST(!aq::check_patch(ok).has_value());
    std::string emoji128;
    for (int i = 0; i < 128; ++i)
        emoji128 += "\xf0\x9f\x94\xa5"; // beyond U+FFFF: two UTF-16 units
    const auto too_long = aq::check_patch(aq::patch().add_attribute(emoji128, "v"));
    BOOST_TEST_REQUIRE(too_long.has_value());
    BOOST_TEST(too_long->code == error::out_of_range);
    BOOST_TEST(!aq::check_patch(aq::patch().comment(std::string(5000, 'm'))).has_value());
}

BOOST_AUTO_TEST_CASE(builder_patches_are_checked_before_applying) {
    const auto empty_name = aq::patch().upsert_attribute("", "v");
    CHECK_FAILS_WITH(aq::apply_patch(sample, empty_name), error::out_of_range,
                     "/operations/upsertAttributes/attributes/0/name");
    CHECK_FAILS_WITH(aq::apply_patch(sample, aq::patch()), error::empty_patch, "/operations");
    CHECK_FAILS_WITH(aq::apply_patch(sample, aq::patch().forward("not-a-uuid")), error::malformed_uuid,
                     "/operations/appendIntent/intentOptions/forwardingOptions/outboundIntegration/id");
}

BOOST_AUTO_TEST_CASE(a_failing_patch_leaves_the_incident_untouched) {
    const aq::incident before = sample;
    const auto not_allowed = aq::patch().acknowledge().upsert_attribute("Ticket", "OPS-1");
    CHECK_FAILS_WITH(aq::apply_patch(before, not_allowed), error::intent_not_allowed,
                     "/operations/appendIntent/intent");
    BOOST_TEST((aq::to_json(before) == aq::to_json(sample)));

    aq::apply_options lenient = at_fixed_time();
    lenient.enforce_allowed_intents = false;
    const auto after = aq::apply_patch(before, not_allowed, lenient).value();
    BOOST_TEST((*after.events[0].modification.intent == aq::intent::investigated));
    BOOST_TEST((aq::to_json(before) == aq::to_json(sample)));

    aq::incident no_list = sample;
    no_list.allowed_intents.clear();
    BOOST_TEST(aq::apply_patch(no_list, aq::patch().acknowledge()).has_value());
}

BOOST_AUTO_TEST_CASE(unresolve_reopens_and_severity_changes_are_recorded) {
    aq::apply_options options = at_fixed_time();
    options.enforce_allowed_intents = false;
    const auto resolved = aq::apply_patch(sample, aq::patch().resolve(), options).value();
    const auto reopened =
        aq::apply_patch(resolved, aq::patch().unresolve("again").change_severity(aq::severity::critical),
                        options)
            .value();
    BOOST_TEST((*reopened.current_status() == aq::status::open));
    BOOST_TEST((*reopened.current_severity() == aq::severity::critical));
    BOOST_TEST(*reopened.events[0].message == "again");
    BOOST_TEST(reopened.events.size() == 4u);

    const auto severity_only =
        aq::apply_patch(sample, aq::patch().change_severity(aq::severity::minor), options).value();
    BOOST_TEST((*severity_only.events[0].modification.intent == aq::intent::updated));
    BOOST_TEST((*severity_only.current_severity() == aq::severity::minor));
    BOOST_TEST((*severity_only.current_status() == aq::status::open));
}

BOOST_AUTO_TEST_CASE(attribute_operations_follow_the_documented_reading) {
    aq::apply_options options = at_fixed_time();
    // upsert replaces by name and keeps the grouping key; a new name is appended.
    auto after =
        aq::apply_patch(
            sample, aq::patch().upsert_attribute("Alert", "RAM > 90%").upsert_attribute("New", "1"), options)
            .value();
    BOOST_TEST(after.attributes.size() == 3u);
    BOOST_TEST(*after.attributes[1].value == "RAM > 90%");
    BOOST_TEST(after.attributes[1].is_grouping_key);
    BOOST_TEST(*after.attributes[2].name == "New");
    BOOST_TEST(after.events[0].attribute_changes.size() == 2u);
    BOOST_TEST(*after.events[0].attribute_changes[0].old_value == "RAM > 60%");

    // add appends even when the name exists.
    after =
        aq::apply_patch(sample, aq::patch().add_attribute("Environment", "staging", {true, true}), options)
            .value();
    BOOST_TEST(after.attributes.size() == 3u);
    BOOST_TEST(after.attributes[2].is_image);
    BOOST_TEST(after.attributes[2].hide_in_previews);
    BOOST_TEST(after.events[0].attribute_changes.empty()); // the first "Environment" is unchanged

    // override replaces the whole set, then add and upsert run on the result.
    auto p = aq::patch()
                 .override_attributes({{"Only", "1", std::nullopt, std::nullopt}})
                 .upsert_attribute("Only", "2");
    after = aq::apply_patch(sample, p, options).value();
    BOOST_TEST_REQUIRE(after.attributes.size() == 1u);
    BOOST_TEST(*after.attributes[0].value == "2");
    BOOST_TEST(after.events[0].attribute_changes.size() == 3u); // Environment and Alert removed, Only added
}

BOOST_AUTO_TEST_CASE(intent_options_take_effect) {
    aq::apply_options options = at_fixed_time();
    options.enforce_allowed_intents = false;
    const auto snoozed = aq::apply_patch(sample, aq::patch().snooze(fixed_now + 2h), options).value();
    BOOST_TEST(snoozed.snoozed.snoozed_until->text() == "2026-11-27T12:00:00.000Z");
    const auto unsnoozed =
        aq::apply_patch(snoozed, aq::patch().append_intent(aq::intent::unsnoozed), options).value();
    BOOST_TEST(!unsnoozed.snoozed.snoozed_until.has_value());

    const auto archived =
        aq::apply_patch(sample, aq::patch().append_intent(aq::intent::archived), options).value();
    BOOST_TEST(archived.is_archived);

    auto assign = aq::parse_patch(R"({"operations":{"appendIntent":{"intent":"Assigned","intentOptions":{
        "assigningOptions":{"teams":[{"id":"7da9d74c-0000-4000-8000-000000000003"},{"id":"11111111-2222-3333-4444-555555555555"}]},
        "userAssigningOptions":{"userAssignments":[{"userId":"b7c8d9e0-0000-4000-8000-000000000002"}]}}}}})")
                      .value();
    const auto assigned = aq::apply_patch(sample, assign, options).value();
    BOOST_TEST(assigned.teams.size() == 2u);
    BOOST_TEST(*assigned.teams[0].display_name == "Platform"); // known team keeps its name
    BOOST_TEST(!assigned.teams[1].display_name.has_value());
    BOOST_TEST(*assigned.events[0].user_assignments[0].display_name == "Ada Lovelace");

    auto affects = aq::parse_patch(R"({"operations":{"appendIntent":{"intent":"Affects","intentOptions":{
        "affectingOptions":{"services":[{"id":"11111111-2222-3333-4444-555555555555"}],"excludeFromUptimeCalculation":true,
        "overrides":{"start":"2026-11-27T09:00:00Z"}}}}}})")
                       .value();
    const auto affected = aq::apply_patch(sample, affects, options).value();
    BOOST_TEST(affected.services.size() == 1u);
    BOOST_TEST(affected.exclude_from_uptime_calculation);
    BOOST_TEST(affected.status_page_start_override->text() == "2026-11-27T09:00:00Z");
    BOOST_TEST(!affected.status_page_end_override.has_value());
}

BOOST_AUTO_TEST_CASE(author_is_recorded_when_given) {
    aq::apply_options options = at_fixed_time();
    options.author =
        aq::user{"b7c8d9e0-0000-4000-8000-000000000002", "Ada Lovelace", std::nullopt, std::nullopt, {}};
    const auto after = aq::apply_patch(sample, aq::patch().comment("on it", true), options).value();
    BOOST_TEST(*after.events[0].modification.user->display_name == "Ada Lovelace");
    BOOST_TEST(*after.events[0].message_is_public);
}

BOOST_AUTO_TEST_SUITE_END()
