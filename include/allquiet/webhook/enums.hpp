// The fixed vocabularies of the wire formats: status, severity and intent.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace allquiet::webhook {

/// An incident's status.
enum class status { open, resolved };

/// An incident's severity.
enum class severity { critical, warning, minor };

/// What an event did to an incident (the `intent` of a modification or of a patch).
enum class intent {
    resolved,
    investigated, ///< "acknowledge" in the user interface
    escalated,
    commented,
    unresolved,
    assigned,
    affects,
    forwarded,
    archived,
    unarchived,
    created,
    deleted,
    updated,
    snoozed,
    unsnoozed,
};

/// The wire spelling of each enumerator, in enumerator order.
template <class Enum>
struct enum_names;

template <>
struct enum_names<status> {
    static constexpr std::array<std::string_view, 2> names{"Open", "Resolved"};
};

template <>
struct enum_names<severity> {
    static constexpr std::array<std::string_view, 3> names{"Critical", "Warning", "Minor"};
};

template <>
struct enum_names<intent> {
    static constexpr std::array<std::string_view, 15> names{
        "Resolved", "Investigated", "Escalated", "Commented", "Unresolved",
        "Assigned", "Affects",      "Forwarded", "Archived",  "Unarchived",
        "Created",  "Deleted",      "Updated",   "Snoozed",   "Unsnoozed"};
};

/// The wire spelling (`severity::critical` → `"Critical"`).
template <class Enum>
constexpr std::string_view to_string(Enum value) noexcept requires requires {
    enum_names<Enum>::names;
}
{ return enum_names<Enum>::names[static_cast<std::size_t>(value)]; }

/// The enumerator for a wire spelling (exact, case-sensitive), or nothing.
template <class Enum>
constexpr std::optional<Enum> enum_from_string(std::string_view text) noexcept {
    const auto& names = enum_names<Enum>::names;
    for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == text) return static_cast<Enum>(i);
    return std::nullopt;
}

/// A value of an enumeration read from the service, which may add values at any time: it
/// keeps the text it was given and says whether the SDK knows it. Unknown values are kept
/// verbatim, never mapped to another enumerator.
template <class Enum>
class open_enum {
  public:
    /// A known value.
    constexpr open_enum(Enum value) : text_(to_string(value)), known_(value) {}

    /// Any text; `known()` tells whether it names an enumerator.
    explicit open_enum(std::string text) : text_(std::move(text)), known_(enum_from_string<Enum>(text_)) {}

    /// The enumerator, or nothing for a value the SDK does not know.
    constexpr std::optional<Enum> known() const noexcept { return known_; }

    /// The text as on the wire.
    const std::string& text() const noexcept { return text_; }

    friend bool operator==(const open_enum& a, const open_enum& b) { return a.text_ == b.text_; }
    friend bool operator==(const open_enum& a, Enum b) { return a.known_ == b; }

  private:
    std::string text_;
    std::optional<Enum> known_;
};

} // namespace allquiet::webhook
