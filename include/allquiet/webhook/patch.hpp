// Incident patches: the body a receiver answers with when a template sets
// `enableIncidentUpdates`, the same as the public API's `PATCH /incident/{id}`.
//
// Reading is strict, as the API is: unknown members, unknown intents and severities, broken
// limits and malformed UUIDs are errors that name the member.
#pragma once

#include <allquiet/webhook/detail/http_syntax.hpp>
#include <allquiet/webhook/detail/json_io.hpp>
#include <allquiet/webhook/enums.hpp>
#include <allquiet/webhook/error.hpp>
#include <allquiet/webhook/incident.hpp>
#include <allquiet/webhook/timestamp.hpp>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace allquiet::webhook {

/// An attribute as a patch sets it.
struct patch_attribute {
    std::string name;  ///< 1 to 255 characters
    std::string value; ///< at least 1 character
    std::optional<bool> is_image;
    std::optional<bool> hide_in_previews;
};

/// `{"id": uuid}`: a reference to a service, team or integration.
struct id_reference {
    std::string id;
};

/// `{"userId": uuid}`.
struct user_reference {
    std::string user_id;
};

/// Options of the `Snoozed` intent.
struct snoozing_options {
    std::optional<timestamp> snoozed_until; ///< unset: snoozed until further notice
};

/// Options of the `Forwarded` intent.
struct forwarding_options {
    id_reference outbound_integration;
};

/// Status-page start and end overrides of the `Affects` intent.
struct uptime_overrides {
    std::optional<timestamp> start;
    std::optional<timestamp> end;
};

/// Options of the `Affects` intent.
struct affecting_options {
    std::optional<std::vector<id_reference>> services;
    std::optional<bool> exclude_from_uptime_calculation;
    std::optional<uptime_overrides> overrides;
};

/// Options of the `Assigned` intent: teams.
struct assigning_options {
    std::optional<std::vector<id_reference>> teams;
    std::optional<bool> repeat_alerts;
};

/// Options of the `Assigned` intent: users.
struct user_assigning_options {
    std::optional<std::vector<user_reference>> user_assignments;
    std::optional<bool> repeat_alerts;
};

/// The options an appended intent may carry; each belongs to one intent.
struct intent_options {
    std::optional<snoozing_options> snoozing;
    std::optional<forwarding_options> forwarding;
    std::optional<affecting_options> affecting;
    std::optional<assigning_options> assigning;
    std::optional<user_assigning_options> user_assigning;
};

/// `appendIntent`: add an event with this intent (resolve, comment, snooze, ...).
struct append_intent_operation {
    webhook::intent intent = webhook::intent::commented;
    std::optional<std::string> message; ///< at most 5000 characters
    std::optional<bool> message_is_public;
    std::optional<webhook::intent_options> intent_options;
};

/// `changeSeverity`.
struct change_severity_operation {
    webhook::severity severity = webhook::severity::warning;
};

/// `overrideAttributes`, `addAttributes` and `upsertAttributes`.
struct attributes_operation {
    std::vector<patch_attribute> attributes;
};

/// The operations of a patch; each is optional, at least one must be set.
struct patch_operations {
    std::optional<change_severity_operation> change_severity;
    std::optional<append_intent_operation> append_intent;
    std::optional<attributes_operation> override_attributes;
    std::optional<attributes_operation> add_attributes;
    std::optional<attributes_operation> upsert_attributes;
};

/// Flags of an attribute set by the builder.
struct attribute_flags {
    // Initialised so that designated initializers may name just one: `{.is_image = true}`.
    std::optional<bool> is_image = std::nullopt;
    std::optional<bool> hide_in_previews = std::nullopt;
};

/// An incident patch, with a fluent builder:
/// `patch().resolve("fixed by the runbook").upsert_attribute("Ticket", "OPS-1")`.
struct patch {
    patch_operations operations;

    /// Appends an intent (replacing one appended before).
    patch& append_intent(intent value, std::optional<std::string> message = std::nullopt) {
        operations.append_intent =
            append_intent_operation{value, std::move(message), std::nullopt, std::nullopt};
        return *this;
    }
    /// Resolves the incident.
    patch& resolve(std::optional<std::string> message = std::nullopt) {
        return append_intent(intent::resolved, std::move(message));
    }
    /// Reopens a resolved incident.
    patch& unresolve(std::optional<std::string> message = std::nullopt) {
        return append_intent(intent::unresolved, std::move(message));
    }
    /// Acknowledges the incident (`Investigated`).
    patch& acknowledge(std::optional<std::string> message = std::nullopt) {
        return append_intent(intent::investigated, std::move(message));
    }
    /// Adds a comment, internal unless `is_public`.
    patch& comment(std::string message, bool is_public = false) {
        append_intent(intent::commented, std::move(message));
        operations.append_intent->message_is_public = is_public;
        return *this;
    }
    /// Snoozes the incident until the given time, or until further notice.
    patch& snooze(std::optional<time_point> until = std::nullopt) {
        append_intent(intent::snoozed);
        snoozing_options options;
        if (until) options.snoozed_until = timestamp(*until);
        operations.append_intent->intent_options = intent_options{std::move(options), {}, {}, {}, {}};
        return *this;
    }
    /// Forwards the incident to another outbound integration.
    patch& forward(std::string outbound_integration_id) {
        append_intent(intent::forwarded);
        operations.append_intent->intent_options =
            intent_options{{}, forwarding_options{{std::move(outbound_integration_id)}}, {}, {}, {}};
        return *this;
    }
    /// Changes the severity.
    patch& change_severity(severity value) {
        operations.change_severity = change_severity_operation{value};
        return *this;
    }
    /// Appends an attribute, whatever attributes of that name exist.
    patch& add_attribute(std::string name, std::string value, attribute_flags flags = {}) {
        return push_attribute(operations.add_attributes, std::move(name), std::move(value), flags);
    }
    /// Sets the attribute of that name, or appends it.
    patch& upsert_attribute(std::string name, std::string value, attribute_flags flags = {}) {
        return push_attribute(operations.upsert_attributes, std::move(name), std::move(value), flags);
    }
    /// Replaces the incident's whole attribute set with these.
    patch& override_attributes(std::vector<patch_attribute> attributes) {
        operations.override_attributes = attributes_operation{std::move(attributes)};
        return *this;
    }

  private:
    patch& push_attribute(std::optional<attributes_operation>& operation, std::string name, std::string value,
                          attribute_flags flags) {
        if (!operation) operation.emplace();
        operation->attributes.push_back(
            {std::move(name), std::move(value), flags.is_image, flags.hide_in_previews});
        return *this;
    }
};

namespace detail {

/// Length as the API counts it: UTF-16 code units (a character beyond U+FFFF counts twice).
inline std::size_t utf16_length(std::string_view utf8) {
    std::size_t units = 0;
    for (unsigned char c : utf8) {
        if ((c & 0xC0) != 0x80) ++units; // a lead byte starts a code point
        if (c >= 0xF0) ++units;          // four-byte sequences are surrogate pairs
    }
    return units;
}

inline bool is_uuid(std::string_view s) {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !is_hex(s[i])) return false;
    }
    return true;
}

inline void check_length(json_reader& r, std::string_view member, std::string_view value, std::size_t min,
                         std::size_t max) {
    const auto length = utf16_length(value);
    if (length < min || length > max)
        r.fail_at(member, error::out_of_range,
                  max == SIZE_MAX ? "must not be empty"
                                  : "must be " + std::to_string(min) + " to " + std::to_string(max) +
                                        " characters, is " + std::to_string(length));
}

inline void check_uuid(json_reader& r, std::string_view member, std::string_view value) {
    if (!is_uuid(value)) r.fail_at(member, error::malformed_uuid, "'" + std::string(value) + "'");
}

template <>
struct json_fields<patch_attribute> {
    static constexpr bool omit_unset = true;
    static constexpr auto fields = describe(
        required_field("name", &patch_attribute::name), required_field("value", &patch_attribute::value),
        optional_field("isImage", &patch_attribute::is_image),
        optional_field("hideInPreviews", &patch_attribute::hide_in_previews));
    static void validate(json_reader& r, const patch_attribute& a) {
        check_length(r, "name", a.name, 1, 255);
        check_length(r, "value", a.value, 1, SIZE_MAX);
    }
};

template <>
struct json_fields<id_reference> {
    static constexpr auto fields = describe(required_field("id", &id_reference::id));
    static void validate(json_reader& r, const id_reference& ref) { check_uuid(r, "id", ref.id); }
};

template <>
struct json_fields<user_reference> {
    static constexpr auto fields = describe(required_field("userId", &user_reference::user_id));
    static void validate(json_reader& r, const user_reference& ref) { check_uuid(r, "userId", ref.user_id); }
};

template <>
struct json_fields<snoozing_options> {
    static constexpr bool omit_unset = true;
    static constexpr auto fields = describe(optional_field("snoozedUntil", &snoozing_options::snoozed_until));
};

template <>
struct json_fields<forwarding_options> {
    static constexpr auto fields =
        describe(required_field("outboundIntegration", &forwarding_options::outbound_integration));
};

template <>
struct json_fields<uptime_overrides> {
    static constexpr bool omit_unset = true;
    static constexpr auto fields = describe(optional_field("start", &uptime_overrides::start),
                                            optional_field("end", &uptime_overrides::end));
};

template <>
struct json_fields<affecting_options> {
    static constexpr bool omit_unset = true;
    static constexpr auto fields = describe(
        optional_field("services", &affecting_options::services),
        optional_field("excludeFromUptimeCalculation", &affecting_options::exclude_from_uptime_calculation),
        optional_field("overrides", &affecting_options::overrides));
};

template <>
struct json_fields<assigning_options> {
    static constexpr bool omit_unset = true;
    static constexpr auto fields =
        describe(optional_field("teams", &assigning_options::teams),
                 optional_field("repeatAlerts", &assigning_options::repeat_alerts));
};

template <>
struct json_fields<user_assigning_options> {
    static constexpr bool omit_unset = true;
    static constexpr auto fields =
        describe(optional_field("userAssignments", &user_assigning_options::user_assignments),
                 optional_field("repeatAlerts", &user_assigning_options::repeat_alerts));
};

template <>
struct json_fields<intent_options> {
    static constexpr bool omit_unset = true;
    static constexpr auto fields =
        describe(optional_field("snoozingOptions", &intent_options::snoozing),
                 optional_field("forwardingOptions", &intent_options::forwarding),
                 optional_field("affectingOptions", &intent_options::affecting),
                 optional_field("assigningOptions", &intent_options::assigning),
                 optional_field("userAssigningOptions", &intent_options::user_assigning));
};

template <>
struct json_fields<append_intent_operation> {
    static constexpr bool omit_unset = true;
    static constexpr auto fields =
        describe(required_field("intent", &append_intent_operation::intent),
                 optional_field("message", &append_intent_operation::message),
                 optional_field("messageIsPublic", &append_intent_operation::message_is_public),
                 optional_field("intentOptions", &append_intent_operation::intent_options));
    // The SDK's reading: each option group belongs to the intent its name says.
    static void validate(json_reader& r, const append_intent_operation& op) {
        if (op.message) check_length(r, "message", *op.message, 0, 5000);
        if (!op.intent_options) return;
        const auto& o = *op.intent_options;
        const std::pair<bool, intent> groups[] = {
            {o.snoozing.has_value(), intent::snoozed},        {o.forwarding.has_value(), intent::forwarded},
            {o.affecting.has_value(), intent::affects},       {o.assigning.has_value(), intent::assigned},
            {o.user_assigning.has_value(), intent::assigned},
        };
        for (const auto& [given, owner] : groups)
            if (given && owner != op.intent)
                r.fail_at("intentOptions", error::intent_option_mismatch,
                          "options for " + std::string(to_string(owner)) + " on intent " +
                              std::string(to_string(op.intent)));
    }
};

template <>
struct json_fields<change_severity_operation> {
    static constexpr auto fields = describe(required_field("severity", &change_severity_operation::severity));
};

template <>
struct json_fields<attributes_operation> {
    static constexpr auto fields = describe(required_field("attributes", &attributes_operation::attributes));
};

template <>
struct json_fields<patch_operations> {
    static constexpr bool omit_unset = true;
    static constexpr auto fields =
        describe(optional_field("changeSeverity", &patch_operations::change_severity),
                 optional_field("appendIntent", &patch_operations::append_intent),
                 optional_field("overrideAttributes", &patch_operations::override_attributes),
                 optional_field("addAttributes", &patch_operations::add_attributes),
                 optional_field("upsertAttributes", &patch_operations::upsert_attributes));
    static void validate(json_reader& r, const patch_operations& ops) {
        if (!ops.change_severity && !ops.append_intent && !ops.override_attributes && !ops.add_attributes &&
            !ops.upsert_attributes)
            r.fail(error::empty_patch, "give at least one of changeSeverity, appendIntent, "
                                       "overrideAttributes, addAttributes, upsertAttributes");
    }
};

template <>
struct json_fields<patch> {
    static constexpr auto fields = describe(required_field("operations", &patch::operations));
};

} // namespace detail

// The entry points below are templates, called as plain functions, for the reason incident.hpp gives:
// only a file that calls one compiles the patch's JSON reader and writer.

/// Reads a patch from JSON text (a receiver's response body).
template <class = void>
result<patch> parse_patch(std::string_view json_text) {
    return detail::read_document_text<patch>(json_text);
}

/// Reads a patch from a parsed JSON value.
template <class = void>
result<patch> patch_from_json(const boost::json::value& json) {
    return detail::read_document<patch>(json);
}

/// The patch as JSON; unset members are left out.
template <class = void>
boost::json::value to_json(const patch& value) {
    return detail::write_json(value);
}

/// `boost::json::value_from(patch)`.
template <class = void>
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& out, const patch& value) {
    out = to_json(value);
}

/// Checks a patch built in code exactly as `parse_patch` checks one read from text.
template <class = void>
std::optional<input_error> check_patch(const patch& value) {
    auto reread = parse_patch(boost::json::serialize(to_json(value)));
    if (reread) return std::nullopt;
    return reread.error();
}

/// How `apply_patch` behaves.
struct apply_options {
    /// The time stamped on the new event and on `lastUpdatedAt`.
    std::function<time_point()> clock = [] { return time_point(std::chrono::system_clock::now()); };
    /// Refuse an intent that the incident's non-empty `allowedIntents` does not list, as the
    /// service does. `allowedIntents` itself is not recomputed after a patch.
    bool enforce_allowed_intents = true;
    /// The user recorded as the event's author; none (null) by default, as for an integration.
    std::optional<user> author;
};

namespace detail {

// The steps of `apply_patch` are templates too: only a file that applies a patch compiles them.

/// One `{name, oldValue, newValue}` per name whose first value differs between two sets.
template <class = void>
std::vector<attribute_change> diff_attributes(const std::vector<attribute>& before,
                                              const std::vector<attribute>& after) {
    auto first_value = [](const std::vector<attribute>& set,
                          const std::string& name) -> std::optional<std::string> {
        for (const auto& a : set)
            if (a.name == name) return a.value;
        return std::nullopt;
    };
    std::vector<attribute_change> changes;
    std::vector<std::string> seen;
    for (const auto* set : {&before, &after}) {
        for (const auto& a : *set) {
            if (!a.name || std::find(seen.begin(), seen.end(), *a.name) != seen.end()) continue;
            seen.push_back(*a.name);
            auto old_value = first_value(before, *a.name);
            auto new_value = first_value(after, *a.name);
            if (old_value != new_value)
                changes.push_back({a.name, std::move(old_value), std::move(new_value), {}});
        }
    }
    return changes;
}

template <class = void>
attribute to_incident_attribute(const patch_attribute& a, bool is_grouping_key = false) {
    return {a.name, a.value, a.is_image.value_or(false), is_grouping_key, a.hide_in_previews.value_or(false),
            {}};
}

template <class = void>
void apply_attribute_operations(const patch_operations& ops, std::vector<attribute>& attributes) {
    if (ops.override_attributes) {
        attributes.clear();
        for (const auto& a : ops.override_attributes->attributes)
            attributes.push_back(to_incident_attribute(a));
    }
    if (ops.add_attributes)
        for (const auto& a : ops.add_attributes->attributes)
            attributes.push_back(to_incident_attribute(a));
    if (ops.upsert_attributes) {
        for (const auto& a : ops.upsert_attributes->attributes) {
            auto existing = std::find_if(attributes.begin(), attributes.end(),
                                         [&](const attribute& have) { return have.name == a.name; });
            if (existing == attributes.end())
                attributes.push_back(to_incident_attribute(a));
            else
                *existing = to_incident_attribute(a, existing->is_grouping_key);
        }
    }
}

/// The entity with this id as the incident already knows it (for its display name), or a bare one.
template <class = void>
entity known_entity(const incident& target, const std::string& id) {
    for (const auto* list : {&target.teams, &target.services})
        for (const auto& e : *list)
            if (e.id == id) return e;
    for (const auto& ev : target.events)
        for (const auto& e : ev.teams)
            if (e.id == id) return e;
    return {id, std::nullopt, {}};
}

template <class = void>
user known_user(const incident& target, const std::string& id) {
    for (const auto& u : target.on_call_users)
        if (u.id == id) return u;
    for (const auto& ev : target.events)
        for (const auto* list : {&ev.user_assignments, &ev.on_call_users})
            for (const auto& u : *list)
                if (u.id == id) return u;
    return {id, std::nullopt, std::nullopt, std::nullopt, {}};
}

/// The incident-level effects of an intent and its options.
template <class = void>
void apply_intent_effects(const append_intent_operation& op, incident& target, event& added) {
    const intent_options options = op.intent_options.value_or(intent_options{});
    switch (op.intent) {
    case intent::resolved: added.status = open_enum<status>(status::resolved); break;
    case intent::unresolved: added.status = open_enum<status>(status::open); break;
    case intent::archived: target.is_archived = true; break;
    case intent::unarchived: target.is_archived = false; break;
    case intent::unsnoozed: target.snoozed.snoozed_until.reset(); break;
    case intent::snoozed:
        target.snoozed.snoozed_until = options.snoozing ? options.snoozing->snoozed_until : std::nullopt;
        break;
    case intent::affects:
        if (const auto& a = options.affecting) {
            if (a->services) {
                std::vector<entity> services;
                for (const auto& ref : *a->services)
                    services.push_back(known_entity(target, ref.id));
                target.services = std::move(services);
            }
            if (a->exclude_from_uptime_calculation)
                target.exclude_from_uptime_calculation = *a->exclude_from_uptime_calculation;
            if (a->overrides) {
                target.status_page_start_override = a->overrides->start;
                target.status_page_end_override = a->overrides->end;
            }
        }
        break;
    case intent::assigned:
        if (options.assigning && options.assigning->teams) {
            std::vector<entity> teams;
            for (const auto& ref : *options.assigning->teams)
                teams.push_back(known_entity(target, ref.id));
            target.teams = teams;
            added.teams = std::move(teams);
        }
        if (options.user_assigning && options.user_assigning->user_assignments)
            for (const auto& ref : *options.user_assigning->user_assignments)
                added.user_assignments.push_back(known_user(target, ref.user_id));
        break;
    default: break;
    }
}

} // namespace detail

/// Applies a patch as the service would, on a copy: the input is never modified, and a patch
/// that fails validation (or appends an intent the incident does not allow) gives an error.
///
/// The SDK's reading of the undocumented semantics: one patch adds one event, newest first in
/// `events`, stamped by `options.clock`. Its intent is the appended one, or `Updated` when the
/// patch only changes severity or attributes. Status moves only through intents (`Resolved` →
/// Resolved, `Unresolved` → Open); severity, status, teams and on-call users otherwise carry
/// over from the newest event. Attribute operations run in the order override (replace the
/// set), add (append), upsert (replace the first of that name, else append), and the event
/// lists every attribute whose value changed.
template <class = void>
result<incident> apply_patch(const incident& target, const patch& change, const apply_options& options = {}) {
    if (auto problem = check_patch(change)) return std::move(*problem);
    const auto& ops = change.operations;
    if (ops.append_intent && options.enforce_allowed_intents && !target.allowed_intents.empty() &&
        !target.allows(ops.append_intent->intent))
        return input_error{error::intent_not_allowed, "/operations/appendIntent/intent",
                           std::string(to_string(ops.append_intent->intent))};

    incident out = target;
    const timestamp now(options.clock());

    event added;
    if (const event* newest = target.newest_event()) {
        added.teams = newest->teams;
        added.on_call_users = newest->on_call_users;
    }
    added.status = target.current_status();
    added.severity = ops.change_severity ? std::optional(open_enum<severity>(ops.change_severity->severity))
                                         : target.current_severity();
    added.modification.timestamp = now;
    added.modification.intent =
        open_enum<intent>(ops.append_intent ? ops.append_intent->intent : intent::updated);
    added.modification.user = options.author;
    if (ops.append_intent) {
        added.message = ops.append_intent->message;
        added.message_is_public = ops.append_intent->message_is_public;
        detail::apply_intent_effects(*ops.append_intent, out, added);
    }
    detail::apply_attribute_operations(ops, out.attributes);
    added.attribute_changes = detail::diff_attributes(target.attributes, out.attributes);

    out.events.insert(out.events.begin(), std::move(added));
    out.events_total_count =
        std::max<std::int64_t>(target.events_total_count, static_cast<std::int64_t>(target.events.size())) +
        1;
    out.last_updated_at = now;
    return out;
}

} // namespace allquiet::webhook
