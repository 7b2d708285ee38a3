// Date-times as All Quiet writes them: RFC 3339 text, kept verbatim beside the instant it names.
#pragma once

#include <allquiet/webhook/error.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace allquiet::webhook {

/// The instants the SDK works with: nanoseconds since the Unix epoch, UTC.
using time_point = std::chrono::sys_time<std::chrono::nanoseconds>;

/// A date-time read from or written to the wire. The text is kept as given so that a
/// parse/serialize round trip changes no byte; comparisons use the instant.
class timestamp {
  public:
    /// Parses RFC 3339 (`2023-12-17T11:51:08.844Z`, `...T11:51:08.8440000+00:00`): a date, `T`,
    /// a time with optional fraction (up to 9 digits are kept), and `Z` or a `±hh:mm` offset.
    /// Years from 1678 to 2261, the range of a nanosecond `time_point`.
    static result<timestamp> parse(std::string_view text);

    /// The instant written as All Quiet writes it: UTC, milliseconds, `Z`
    /// (`2023-12-17T11:51:08.844Z`). Sub-millisecond digits are dropped from the text only.
    explicit timestamp(time_point instant);

    /// The current time, as `timestamp(now)` with the system clock.
    static timestamp now() { return timestamp(std::chrono::system_clock::now()); }

    /// The text as read, or as formatted by the constructor.
    const std::string& text() const noexcept { return text_; }

    /// The instant the text names.
    time_point instant() const noexcept { return instant_; }

    friend bool operator==(const timestamp& a, const timestamp& b) noexcept {
        return a.instant_ == b.instant_;
    }
    friend auto operator<=>(const timestamp& a, const timestamp& b) noexcept {
        return a.instant_ <=> b.instant_;
    }

  private:
    timestamp(std::string text, time_point instant) : text_(std::move(text)), instant_(instant) {}

    std::string text_;
    time_point instant_;
};

namespace detail {

/// The years a `time_point` can hold whole.
inline constexpr int min_year = 1678;
inline constexpr int max_year = 2261;

inline bool read_digits(std::string_view s, std::size_t pos, std::size_t count, int& out) {
    if (pos + count > s.size()) return false;
    out = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

// Fixed positions of "YYYY-MM-DDTHH:MM:SS".
inline std::optional<time_point> parse_rfc3339(std::string_view s) {
    using namespace std::chrono;
    int y, mo, d, h, mi, sec;
    if (s.size() < 20 || !read_digits(s, 0, 4, y) || s[4] != '-' || !read_digits(s, 5, 2, mo) ||
        s[7] != '-' || !read_digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't') ||
        !read_digits(s, 11, 2, h) || s[13] != ':' || !read_digits(s, 14, 2, mi) || s[16] != ':' ||
        !read_digits(s, 17, 2, sec))
        return std::nullopt;
    const year_month_day date{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!date.ok() || h > 23 || mi > 59 || sec > 59) return std::nullopt;
    // time_point counts nanoseconds in 64 bits: 1677-09-21 to 2262-04-11. Whole years inside.
    if (y < min_year || y > max_year) return std::nullopt;

    std::size_t pos = 19;
    std::int64_t fraction_ns = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        const std::size_t first = pos;
        std::int64_t scale = 100'000'000;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            fraction_ns += (s[pos] - '0') * scale;
            scale /= 10;
            ++pos;
        }
        if (pos == first) return std::nullopt;
    }
    if (pos >= s.size()) return std::nullopt;

    minutes offset{0};
    if ((s[pos] == 'Z' || s[pos] == 'z') && pos + 1 == s.size()) {
        // UTC
    } else if ((s[pos] == '+' || s[pos] == '-') && pos + 6 == s.size()) {
        int oh, om;
        if (!read_digits(s, pos + 1, 2, oh) || s[pos + 3] != ':' || !read_digits(s, pos + 4, 2, om) ||
            oh > 23 || om > 59)
            return std::nullopt;
        offset = hours{oh} + minutes{om};
        if (s[pos] == '-') offset = -offset;
    } else {
        return std::nullopt;
    }
    return time_point{sys_days{date}} + hours{h} + minutes{mi} + seconds{sec} + nanoseconds{fraction_ns} -
           offset;
}

/// Writes `value` as `width` digits, zero-padded, ending just before `end`.
inline void write_digits(char* end, unsigned value, int width) {
    for (int i = 0; i < width; ++i, value /= 10)
        *--end = static_cast<char>('0' + value % 10);
}

// Fixed-width fields written in place: this runs for every delivery the receiver journals.
inline std::string format_rfc3339_millis(time_point t) {
    using namespace std::chrono;
    const auto day_start = floor<days>(t);
    const year_month_day date{day_start};
    const hh_mm_ss<milliseconds> time{floor<milliseconds>(t - day_start)};
    std::string text = "0000-00-00T00:00:00.000Z";
    char* p = text.data();
    write_digits(p + 4, static_cast<unsigned>(static_cast<int>(date.year())), 4);
    write_digits(p + 7, static_cast<unsigned>(date.month()), 2);
    write_digits(p + 10, static_cast<unsigned>(date.day()), 2);
    write_digits(p + 13, static_cast<unsigned>(time.hours().count()), 2);
    write_digits(p + 16, static_cast<unsigned>(time.minutes().count()), 2);
    write_digits(p + 19, static_cast<unsigned>(time.seconds().count()), 2);
    write_digits(p + 23, static_cast<unsigned>(time.subseconds().count()), 3);
    return text;
}

} // namespace detail

inline result<timestamp> timestamp::parse(std::string_view text) {
    if (auto instant = detail::parse_rfc3339(text)) return timestamp(std::string(text), *instant);
    return input_error{error::malformed_timestamp, {}, "expected RFC 3339 such as 2023-12-17T11:51:08.844Z"};
}

inline timestamp::timestamp(time_point instant)
    : text_(detail::format_rfc3339_millis(instant)), instant_(instant) {}

} // namespace allquiet::webhook
