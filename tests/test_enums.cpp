#include <allquiet/webhook/enums.hpp>

#include <boost/test/unit_test.hpp>

BOOST_AUTO_TEST_SUITE(test_enums)

namespace aq = allquiet::webhook;

BOOST_AUTO_TEST_CASE(every_enumerator_round_trips_through_its_wire_name) {
    for (std::size_t i = 0; i < aq::enum_names<aq::intent>::names.size(); ++i) {
        const auto value = static_cast<aq::intent>(i);
        BOOST_TEST((aq::enum_from_string<aq::intent>(aq::to_string(value)) == value));
    }
    BOOST_TEST(aq::to_string(aq::intent::investigated) == "Investigated");
    BOOST_TEST(aq::to_string(aq::severity::minor) == "Minor");
    BOOST_TEST(aq::to_string(aq::status::resolved) == "Resolved");
}

BOOST_AUTO_TEST_CASE(wire_names_are_case_sensitive) {
    BOOST_TEST(!aq::enum_from_string<aq::severity>("critical").has_value());
    BOOST_TEST(!aq::enum_from_string<aq::status>("").has_value());
}

BOOST_AUTO_TEST_CASE(open_enum_keeps_unknown_values_verbatim) {
    aq::open_enum<aq::severity> unknown(std::string("Catastrophic"));
    BOOST_TEST(!unknown.known().has_value());
    BOOST_TEST(unknown.text() == "Catastrophic");
    BOOST_TEST(!(unknown == aq::severity::critical));

    aq::open_enum<aq::severity> known(std::string("Critical"));
    BOOST_TEST((known.known() == aq::severity::critical));
    BOOST_TEST((known == aq::severity::critical));
    BOOST_TEST((known == aq::open_enum<aq::severity>(aq::severity::critical)));
}

BOOST_AUTO_TEST_SUITE_END()
