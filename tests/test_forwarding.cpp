#include <allquiet/webhook/forwarding.hpp>

#include "test_support.hpp"

BOOST_AUTO_TEST_SUITE(test_forwarding)

namespace aq = allquiet::webhook;

namespace {

// Created, commented, forwarded, resolved; listed newest first as live data is.
const aq::incident history = aq::parse_incident(R"({"id": "h", "events": [
  {"status": "Resolved", "modification": {"timestamp": "2026-01-01T10:30:00Z", "intent": "Resolved"}},
  {"status": "Open", "modification": {"timestamp": "2026-01-01T10:20:00Z", "intent": "Forwarded"}},
  {"status": "Open", "modification": {"timestamp": "2026-01-01T10:10:00Z", "intent": "Commented"}},
  {"status": "Open", "modification": {"timestamp": "2026-01-01T10:00:00Z", "intent": "Created"}}],
  "eventsTotalCount": 4, "lastUpdatedAt": "2026-01-01T10:30:00Z"})")
                                 .value();

std::vector<std::string> intents(const std::vector<std::size_t>& events) {
    std::vector<std::string> out;
    for (auto i : events)
        out.push_back(history.events[i].modification.intent->text());
    return out;
}

} // namespace

BOOST_AUTO_TEST_CASE(each_mode_delivers_its_events_in_order) {
    BOOST_TEST(intents(aq::delivered_events(aq::forwarding_mode::always, history)) ==
               (std::vector<std::string>{"Created", "Commented", "Forwarded", "Resolved"}));
    BOOST_TEST(intents(aq::delivered_events(aq::forwarding_mode::always_after_forwarding, history)) ==
               (std::vector<std::string>{"Forwarded", "Resolved"}));
    BOOST_TEST(intents(aq::delivered_events(aq::forwarding_mode::only_on_forwarding, history)) ==
               (std::vector<std::string>{"Forwarded"}));
}

BOOST_AUTO_TEST_CASE(without_forwarding_only_always_delivers) {
    aq::incident never = history;
    never.events.erase(never.events.begin() + 1);
    BOOST_TEST(aq::delivered_events(aq::forwarding_mode::always, never).size() == 3u);
    BOOST_TEST(aq::delivered_events(aq::forwarding_mode::always_after_forwarding, never).empty());
    BOOST_TEST(aq::delivered_events(aq::forwarding_mode::only_on_forwarding, never).empty());
}

BOOST_AUTO_TEST_CASE(order_follows_timestamps_not_the_list) {
    aq::incident shuffled = history;
    std::swap(shuffled.events[0], shuffled.events[3]);
    std::vector<std::string> got;
    for (auto i : aq::delivered_events(aq::forwarding_mode::always, shuffled))
        got.push_back(shuffled.events[i].modification.intent->text());
    BOOST_TEST(got == (std::vector<std::string>{"Created", "Commented", "Forwarded", "Resolved"}));
}

BOOST_AUTO_TEST_CASE(the_incident_as_it_stood_at_an_event) {
    const auto at_forward = aq::incident_as_of(history, 1);
    BOOST_TEST(at_forward.events.size() == 3u);
    BOOST_TEST(at_forward.events_total_count == 3);
    BOOST_TEST((*at_forward.current_status() == aq::status::open));
    BOOST_TEST(at_forward.newest_event()->modification.intent->text() == "Forwarded");
    BOOST_TEST(at_forward.last_updated_at->text() == "2026-01-01T10:20:00Z");
    const auto at_creation = aq::incident_as_of(history, 3);
    BOOST_TEST(at_creation.events.size() == 1u);
    BOOST_TEST(aq::incident_as_of(history, 0).events.size() == 4u);
}

BOOST_AUTO_TEST_CASE(names_and_the_api_flags) {
    for (auto mode : {aq::forwarding_mode::always, aq::forwarding_mode::always_after_forwarding,
                      aq::forwarding_mode::only_on_forwarding}) {
        BOOST_TEST((aq::forwarding_mode_from_string(aq::to_string(mode)) == mode));
        BOOST_TEST((aq::from_flags(aq::to_flags(mode)) == mode));
    }
    BOOST_TEST(!aq::forwarding_mode_from_string("sometimes").has_value());
    BOOST_TEST(aq::to_flags(aq::forwarding_mode::always_after_forwarding).triggers_only_on_forwarded);
    BOOST_TEST(!aq::to_flags(aq::forwarding_mode::always_after_forwarding).skip_updating_after_forwarding);
}

BOOST_AUTO_TEST_SUITE_END()
