// All Quiet's outbound IP addresses (`GET /api/public/v1/metadata/ips`): parsing the list and
// checking a peer against it.
#pragma once

#include <allquiet/webhook/detail/ip_address.hpp>
#include <allquiet/webhook/detail/json_io.hpp>
#include <allquiet/webhook/error.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace allquiet::webhook {

/// One address or CIDR range, IPv4 or IPv6. IPv4 is kept as IPv4-mapped IPv6
/// (`::ffff:a.b.c.d`), so a peer seen through a dual-stack socket matches IPv4 entries.
class address_range {
  public:
    /// Parses `203.0.113.7`, `203.0.113.0/24`, `2001:db8::1` or `2001:db8::/32`. A prefix
    /// with host bits set (`10.0.0.1/8`) is accepted and means its network.
    static std::optional<address_range> parse(std::string_view text) {
        const auto slash = text.find('/');
        const std::string_view address = text.substr(0, slash);
        address_range out;
        bool v4 = false;
        if (const auto a4 = detail::parse_ipv4(address)) {
            out.bytes_[10] = out.bytes_[11] = 0xff;
            std::copy(a4->begin(), a4->end(), out.bytes_.begin() + 12);
            v4 = true;
        } else if (const auto a6 = detail::parse_ipv6(address)) {
            out.bytes_ = *a6;
        } else {
            return std::nullopt;
        }
        out.prefix_ = 128;
        if (slash != std::string_view::npos) {
            const auto digits = text.substr(slash + 1);
            unsigned prefix = 0;
            const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
            if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
                prefix > (v4 ? 32u : 128u))
                return std::nullopt;
            out.prefix_ = v4 ? prefix + 96 : prefix;
        }
        return out;
    }

    /// Whether the address (text, either family) lies in the range.
    bool contains(std::string_view address) const {
        const auto other = parse(address);
        return other && other->prefix_ == 128 && contains_bytes(other->bytes_);
    }

    friend bool operator==(const address_range&, const address_range&) = default;

  private:
    bool contains_bytes(const std::array<unsigned char, 16>& address) const {
        const unsigned full = prefix_ / 8, rest = prefix_ % 8;
        if (!std::equal(bytes_.begin(), bytes_.begin() + full, address.begin())) return false;
        if (rest == 0) return true;
        const unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
        return (bytes_[full] & mask) == (address[full] & mask);
    }

    std::array<unsigned char, 16> bytes_{};
    unsigned prefix_ = 128;
};

/// The addresses deliveries may come from.
struct address_list {
    std::vector<address_range> ranges;

    /// Whether any entry holds the address. An address that does not parse is never held.
    bool contains(std::string_view address) const {
        return std::any_of(ranges.begin(), ranges.end(),
                           [&](const address_range& r) { return r.contains(address); });
    }
};

/// Reads the service's response, `{"ips": ["203.0.113.7", "2001:db8::/32", ...]}` (`null` for
/// none). Entries may be single addresses or CIDR ranges of either family; the error names the
/// entry that is neither (`/ips/3`).
/// A template, called as a plain function, as incident.hpp's entry points are: only a file that
/// calls it compiles the JSON reading.
template <class = void>
result<address_list> parse_address_list(std::string_view json_text) {
    auto value = detail::parse_json_text(json_text);
    if (!value) return value.error();
    return detail::read_reporting_failure<address_list>([&](detail::json_reader& reader, address_list& out) {
        const auto* object = value->if_object();
        if (!object) detail::fail_type(reader, *value, "an object with an ips member");
        const auto* ips = object->if_contains("ips");
        if (!ips) reader.fail_at("ips", error::missing_member, {});
        detail::json_scope in_ips(reader, "ips");
        std::vector<std::string> entries;
        detail::read_json(reader, *ips, entries);
        for (std::size_t i = 0; i < entries.size(); ++i) {
            auto range = address_range::parse(entries[i]);
            if (!range) {
                detail::json_scope at(reader, i);
                reader.fail(error::malformed_address,
                            "'" + entries[i] + "' is not an IP address or CIDR range");
            }
            out.ranges.push_back(*range);
        }
    });
}

} // namespace allquiet::webhook
