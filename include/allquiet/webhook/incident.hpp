// The incident: the resource All Quiet renders templates against and patches apply to.
//
// Reading is tolerant, as it must be for data a service sends: any string or array may be null
// or missing, users may be null or objects of nulls, enum values the SDK does not know are
// kept verbatim, and members the SDK does not know are kept in `unknown_members` and written
// back. Each object is written back in the order its members were read, because templates show
// that order (`{{#each}}`, `{{@key}}`): `member_order` holds it where it differs from the
// API's order with unknown members after; it is empty otherwise. Wrong JSON types are errors
// that name the member.
#pragma once

#include <allquiet/webhook/detail/json_io.hpp>
#include <allquiet/webhook/enums.hpp>
#include <allquiet/webhook/error.hpp>
#include <allquiet/webhook/timestamp.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace allquiet::webhook {

/// A team, service or integration: `{id, displayName}`.
struct entity {
    std::optional<std::string> id;
    std::optional<std::string> display_name;
    boost::json::object unknown_members;
    std::vector<std::string> member_order{};
};

/// A person in All Quiet.
struct user {
    std::optional<std::string> id;
    std::optional<std::string> display_name;
    std::optional<std::string> avatar_url;
    std::optional<std::string> email;
    boost::json::object unknown_members;
    std::vector<std::string> member_order{};
};

/// A person of another system (a chat tool, ...) who acted on the incident.
struct external_user {
    std::optional<std::string> id;
    std::optional<std::string> display_name;
    std::optional<std::string> avatar_url;
    std::optional<std::string> provider;
    boost::json::object unknown_members;
    std::vector<std::string> member_order{};
};

/// A name/value pair on an incident.
struct attribute {
    std::optional<std::string> name;
    std::optional<std::string> value;
    bool is_image = false;
    bool is_grouping_key = false;
    bool hide_in_previews = false;
    boost::json::object unknown_members;
    std::vector<std::string> member_order{};
};

/// One attribute's change, as an event records it.
struct attribute_change {
    std::optional<std::string> name;
    std::optional<std::string> old_value;
    std::optional<std::string> new_value;
    boost::json::object unknown_members;
    std::vector<std::string> member_order{};
};

/// Who did what when, for one event.
struct modification {
    std::optional<webhook::timestamp> timestamp;
    std::optional<open_enum<webhook::intent>> intent;
    std::optional<webhook::user> user;
    std::optional<webhook::external_user> external_user;
    boost::json::object unknown_members;
    std::vector<std::string> member_order{};
};

/// One entry of an incident's history.
struct event {
    std::optional<open_enum<webhook::severity>> severity;
    std::optional<open_enum<webhook::status>> status;
    webhook::modification modification;
    std::vector<user> user_assignments;
    std::vector<user> on_call_users;
    std::optional<std::string> message;
    std::optional<bool> message_is_public;
    bool unattended = false;
    std::vector<entity> teams;
    std::vector<attribute_change> attribute_changes;
    boost::json::object unknown_members;
    std::vector<std::string> member_order{};
};

/// One entry of a sub-incident's history.
struct sub_event {
    std::optional<open_enum<webhook::severity>> severity;
    std::optional<open_enum<webhook::status>> status;
    webhook::modification modification;
    std::vector<attribute_change> attribute_changes;
    boost::json::object unknown_members;
    std::vector<std::string> member_order{};
};

/// An incident grouped under another one.
struct sub_incident {
    std::optional<std::string> id;
    std::optional<std::string> title;
    std::vector<sub_event> events;
    std::vector<attribute> attributes;
    std::optional<timestamp> last_updated_at;
    std::optional<timestamp> created_at;
    boost::json::object unknown_members;
    std::vector<std::string> member_order{};
};

/// Whether and until when an incident is snoozed.
struct snooze_state {
    std::optional<timestamp> snoozed_until;
    boost::json::object unknown_members;
    std::vector<std::string> member_order{};
};

/// An All Quiet incident (the public API's incident resource). There is no top-level status or
/// severity: they are those of the newest event, which `current_status()` and
/// `current_severity()` find.
struct incident {
    std::optional<std::string> id;
    std::optional<std::string> title;
    entity integration;
    std::optional<timestamp> created_at;
    std::optional<timestamp> last_updated_at;
    std::vector<attribute> attributes;
    std::vector<event> events;
    std::int64_t events_total_count = 0;
    std::vector<entity> services;
    std::vector<entity> teams;
    std::vector<user> on_call_users;
    std::optional<user> source_user;
    bool unattended = false;
    bool is_archived = false;
    snooze_state snoozed;
    std::vector<sub_incident> sub_incidents;
    std::vector<open_enum<intent>> allowed_intents;
    std::optional<bool> can_delete;
    bool exclude_from_uptime_calculation = false;
    std::optional<timestamp> status_page_start_override;
    std::optional<timestamp> status_page_end_override;
    boost::json::object unknown_members;
    std::vector<std::string> member_order{};

    /// The newest event: largest `modification.timestamp`, the first in `events` among equals;
    /// events without a timestamp count as oldest. Null when there are no events.
    const event* newest_event() const noexcept;

    /// The event the delivery is about: each delivery is sent for the incident's newest event.
    const event* triggering_event() const noexcept { return newest_event(); }

    /// The status of the newest event that has one, or nothing.
    std::optional<open_enum<webhook::status>> current_status() const;

    /// The severity of the newest event that has one, or nothing.
    std::optional<open_enum<webhook::severity>> current_severity() const;

    /// The first attribute with this name, or null.
    const attribute* find_attribute(std::string_view name) const noexcept;

    /// Whether `allowedIntents` lists the intent.
    bool allows(intent value) const noexcept;
};

namespace detail {

template <>
struct json_fields<entity> {
    static constexpr auto fields =
        describe(optional_field("id", &entity::id), optional_field("displayName", &entity::display_name));
};

template <>
struct json_fields<user> {
    static constexpr auto fields =
        describe(optional_field("id", &user::id), optional_field("displayName", &user::display_name),
                 optional_field("avatarUrl", &user::avatar_url), optional_field("email", &user::email));
};

template <>
struct json_fields<external_user> {
    static constexpr auto fields = describe(optional_field("id", &external_user::id),
                                            optional_field("displayName", &external_user::display_name),
                                            optional_field("avatarUrl", &external_user::avatar_url),
                                            optional_field("provider", &external_user::provider));
};

template <>
struct json_fields<attribute> {
    static constexpr auto fields =
        describe(optional_field("name", &attribute::name), optional_field("value", &attribute::value),
                 optional_field("isImage", &attribute::is_image),
                 optional_field("isGroupingKey", &attribute::is_grouping_key),
                 optional_field("hideInPreviews", &attribute::hide_in_previews));
};

template <>
struct json_fields<attribute_change> {
    static constexpr auto fields = describe(optional_field("name", &attribute_change::name),
                                            optional_field("oldValue", &attribute_change::old_value),
                                            optional_field("newValue", &attribute_change::new_value));
};

template <>
struct json_fields<modification> {
    static constexpr auto fields =
        describe(optional_field("timestamp", &modification::timestamp),
                 optional_field("intent", &modification::intent), optional_field("user", &modification::user),
                 optional_field("externalUser", &modification::external_user));
};

template <>
struct json_fields<event> {
    static constexpr auto fields = describe(
        optional_field("severity", &event::severity), optional_field("status", &event::status),
        optional_field("modification", &event::modification),
        optional_field("userAssignments", &event::user_assignments),
        optional_field("onCallUsers", &event::on_call_users), optional_field("message", &event::message),
        optional_field("messageIsPublic", &event::message_is_public),
        optional_field("unattended", &event::unattended), optional_field("teams", &event::teams),
        optional_field("attributeChanges", &event::attribute_changes));
};

template <>
struct json_fields<sub_event> {
    static constexpr auto fields = describe(
        optional_field("severity", &sub_event::severity), optional_field("status", &sub_event::status),
        optional_field("modification", &sub_event::modification),
        optional_field("attributeChanges", &sub_event::attribute_changes));
};

template <>
struct json_fields<sub_incident> {
    static constexpr auto fields =
        describe(optional_field("id", &sub_incident::id), optional_field("title", &sub_incident::title),
                 optional_field("events", &sub_incident::events),
                 optional_field("attributes", &sub_incident::attributes),
                 optional_field("lastUpdatedAt", &sub_incident::last_updated_at),
                 optional_field("createdAt", &sub_incident::created_at));
};

template <>
struct json_fields<snooze_state> {
    static constexpr auto fields = describe(optional_field("snoozedUntil", &snooze_state::snoozed_until));
};

template <>
struct json_fields<incident> {
    static constexpr auto fields = describe(
        optional_field("id", &incident::id), optional_field("title", &incident::title),
        optional_field("integration", &incident::integration),
        optional_field("createdAt", &incident::created_at),
        optional_field("lastUpdatedAt", &incident::last_updated_at),
        optional_field("attributes", &incident::attributes), optional_field("events", &incident::events),
        optional_field("eventsTotalCount", &incident::events_total_count),
        optional_field("services", &incident::services), optional_field("sourceUser", &incident::source_user),
        optional_field("unattended", &incident::unattended),
        optional_field("isArchived", &incident::is_archived),
        optional_field("onCallUsers", &incident::on_call_users), optional_field("teams", &incident::teams),
        optional_field("snoozed", &incident::snoozed),
        optional_field("subIncidents", &incident::sub_incidents),
        optional_field("allowedIntents", &incident::allowed_intents),
        optional_field("canDelete", &incident::can_delete),
        optional_field("excludeFromUptimeCalculation", &incident::exclude_from_uptime_calculation),
        optional_field("statusPageStartOverride", &incident::status_page_start_override),
        optional_field("statusPageEndOverride", &incident::status_page_end_override));
};

/// The newest event for which `has` holds, by `modification.timestamp` (ties: first in order).
template <class Has>
const event* newest_event_where(const std::vector<event>& events, Has has) {
    const event* newest = nullptr;
    for (const auto& e : events) {
        if (!has(e)) continue;
        if (!newest) {
            newest = &e;
            continue;
        }
        const auto& candidate = e.modification.timestamp;
        const auto& best = newest->modification.timestamp;
        if (candidate && (!best || *candidate > *best)) newest = &e;
    }
    return newest;
}

} // namespace detail

inline const event* incident::newest_event() const noexcept {
    return detail::newest_event_where(events, [](const event&) { return true; });
}

inline std::optional<open_enum<status>> incident::current_status() const {
    const event* e = detail::newest_event_where(events, [](const event& e) { return e.status.has_value(); });
    return e ? e->status : std::nullopt;
}

inline std::optional<open_enum<severity>> incident::current_severity() const {
    const event* e =
        detail::newest_event_where(events, [](const event& e) { return e.severity.has_value(); });
    return e ? e->severity : std::nullopt;
}

inline const attribute* incident::find_attribute(std::string_view name) const noexcept {
    for (const auto& a : attributes)
        if (a.name && *a.name == name) return &a;
    return nullptr;
}

inline bool incident::allows(intent value) const noexcept {
    return std::any_of(allowed_intents.begin(), allowed_intents.end(),
                       [&](const open_enum<intent>& allowed) { return allowed == value; });
}

// The entry points below are templates, called as plain functions: a file compiles the JSON reader
// and writer of every incident type only when it calls one, where an inline function's body is
// compiled in every file that includes it, called or not (docs/performance.md has the figures).

/// Parses JSON text as the SDK parses every document it reads: nested at most `max_json_depth`
/// deep (`error::too_deep`), and a syntax error gives its line and column. For a caller that needs the
/// document as well as the incident, such as a template's context:
/// `incident_from_json(parse_json(text).value())`.
inline result<boost::json::value> parse_json(std::string_view json_text) {
    return detail::parse_json_text(json_text);
}

/// Reads an incident from JSON text. Errors name the member (`/events/0/severity: ...`);
/// `.value()` throws `input_exception` for callers who prefer exceptions.
template <class = void>
result<incident> parse_incident(std::string_view json_text) {
    return detail::read_document_text<incident>(json_text);
}

/// Reads an incident from an already parsed JSON value.
template <class = void>
result<incident> incident_from_json(const boost::json::value& json) {
    return detail::read_document<incident>(json);
}

/// The incident as JSON. On every level, members come in `member_order`, then the other known
/// members in the API's order, then the other unknown ones: the order they were read in,
/// with members the text lacked after them. Null and missing arrays come back as `[]`, missing strings as
/// `null`.
template <class = void>
boost::json::value to_json(const incident& value) {
    return detail::write_json(value);
}

/// `boost::json::value_from(incident)`.
template <class = void>
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& out, const incident& value) {
    out = to_json(value);
}

} // namespace allquiet::webhook
