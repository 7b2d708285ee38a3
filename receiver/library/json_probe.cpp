#include "json_probe.hpp"

#include <allquiet/webhook/detail/json_io.hpp>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>

#include <charconv>
#include <memory_resource>

namespace aqhook {

namespace json = boost::json;
using boost::system::error_code;

namespace {

// No document the SDK reads nests deeper, so a longer pointer names nothing; and a probe's
// look-ups cost the square of a pointer's length.
aq::input_error too_deep_pointer() {
    return {aq::error::malformed_json_pointer, {},
            "a JSON pointer has at most " + std::to_string(aq::max_json_depth) +
                " reference tokens, the JSON nesting limit"};
}

} // namespace

aq::result<json_pointer> json_pointer::parse(std::string_view text) {
    json_pointer out;
    if (text.empty()) return out;
    if (text.front() != '/')
        return aq::input_error{aq::error::malformed_json_pointer, {}, "a JSON pointer starts with /"};
    std::size_t start = 1;
    while (true) {
        const auto slash = text.find('/', start);
        const auto raw = text.substr(start, slash == std::string_view::npos ? text.npos : slash - start);
        token t;
        for (std::size_t i = 0; i < raw.size(); ++i) {
            if (raw[i] != '~') {
                t.key += raw[i];
            } else if (i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
                t.key += raw[++i] == '0' ? '~' : '/';
            } else {
                return aq::input_error{aq::error::malformed_json_pointer, {},
                                       "in a JSON pointer, ~ starts ~0 (for ~) or ~1 (for /)"};
            }
        }
        // An array index is digits without a leading zero (RFC 6901); "-" names no element.
        std::size_t index = 0;
        const char* end = t.key.data() + t.key.size();
        if (!t.key.empty() && (t.key.size() == 1 || t.key.front() != '0'))
            if (const auto [stop, ec] = std::from_chars(t.key.data(), end, index);
                ec == std::errc() && stop == end)
                t.index = index;
        out.tokens.push_back(std::move(t));
        if (slash == std::string_view::npos) break;
        if (out.tokens.size() == aq::max_json_depth) return too_deep_pointer();
        start = slash + 1;
    }
    return out;
}

namespace {

/// The value `tokens[from...]` names inside `at`, as `find_pointer` would find it.
const json::value* follow(const json::value& at, const std::vector<json_pointer::token>& tokens,
                          std::size_t from) {
    const json::value* here = &at;
    for (std::size_t i = from; i < tokens.size(); ++i) {
        if (const auto* object = here->if_object()) {
            here = object->if_contains(tokens[i].key);
            if (!here) return nullptr;
        } else if (const auto* array = here->if_array()) {
            if (!tokens[i].index || *tokens[i].index >= array->size()) return nullptr;
            here = &(*array)[*tokens[i].index];
        } else {
            return nullptr;
        }
    }
    return here;
}

} // namespace

/// The parser's handler: follows the path of each value and builds only the values that probed
/// pointers name. The pointers of the pass never nest, so at most one value is being built.
class json_probe_handler {
  public:
    static constexpr std::size_t max_object_size = json::object::max_size();
    static constexpr std::size_t max_array_size = json::array::max_size();
    static constexpr std::size_t max_key_size = json::string::max_size();
    static constexpr std::size_t max_string_size = json::string::max_size();

    json_probe_handler(const json_probe& probe, std::vector<std::optional<json::value>>& results,
                       const json::storage_ptr& storage, std::pmr::memory_resource* scratch)
        : probe_(probe), results_(results), storage_(storage), levels_(scratch), candidates_(scratch),
          key_(scratch), built_(storage, value_stack_start_, sizeof value_stack_start_) {}

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }

    bool on_object_begin(error_code&) { return begin_value(kind::object); }
    bool on_array_begin(error_code&) { return begin_value(kind::array); }
    bool on_object_end(std::size_t n, error_code&) {
        if (building_) built_.push_object(n);
        return end_container();
    }
    bool on_array_end(std::size_t n, error_code&) {
        if (building_) built_.push_array(n);
        return end_container();
    }

    bool on_key_part(json::string_view s, std::size_t, error_code&) { return key_piece(s, false); }
    bool on_key(json::string_view s, std::size_t, error_code&) { return key_piece(s, true); }

    bool on_string_part(json::string_view s, std::size_t, error_code&) {
        if (!in_string_) {
            in_string_ = true;
            begin_value(kind::scalar);
        }
        if (building_) built_.push_chars(s);
        return true;
    }
    bool on_string(json::string_view s, std::size_t, error_code&) {
        if (!in_string_) begin_value(kind::scalar);
        in_string_ = false;
        if (building_) built_.push_string(s);
        return end_scalar();
    }

    bool on_number_part(json::string_view, error_code&) { return true; }
    bool on_int64(std::int64_t i, json::string_view, error_code&) {
        begin_value(kind::scalar);
        if (building_) built_.push_int64(i);
        return end_scalar();
    }
    bool on_uint64(std::uint64_t u, json::string_view, error_code&) {
        begin_value(kind::scalar);
        if (building_) built_.push_uint64(u);
        return end_scalar();
    }
    bool on_double(double d, json::string_view, error_code&) {
        begin_value(kind::scalar);
        if (building_) built_.push_double(d);
        return end_scalar();
    }
    bool on_bool(bool b, error_code&) {
        begin_value(kind::scalar);
        if (building_) built_.push_bool(b);
        return end_scalar();
    }
    bool on_null(error_code&) {
        begin_value(kind::scalar);
        if (building_) built_.push_null();
        return end_scalar();
    }
    bool on_comment_part(json::string_view, error_code&) { return true; }
    bool on_comment(json::string_view, error_code&) { return true; }

  private:
    enum class kind { scalar, object, array };

    /// A container on the path, with the slots whose pointers matched up to it.
    struct level {
        bool is_array;
        std::size_t next_index;                     // of the next element, in an array
        std::size_t first_candidate, end_candidate; // a range of candidates_
    };

    /// A piece of a member name (the last one when `last`): built into the value being built, or
    /// kept where a pointer follows the container it names a member of.
    bool key_piece(json::string_view s, bool last) {
        if (building_ && last)
            built_.push_key(s);
        else if (building_)
            built_.push_chars(s);
        else if (following())
            key_.append(s.data(), s.size());
        return true;
    }

    const json_pointer& pointer_of(std::size_t slot) const { return probe_.pointers_[slot].pointer; }

    /// Whether the innermost open container has pointers to follow (and so its keys matter).
    bool following() const { return unfollowed_depth_ == 0 && !levels_.empty(); }

    /// A value starts at the current position: appends to candidates_ the slots whose pointers
    /// go on inside it, and returns the slot whose pointer ends here, if any.
    std::optional<std::size_t> match_position() {
        std::optional<std::size_t> ends_here;
        if (levels_.empty()) { // the document itself
            for (std::size_t slot = 0; slot < probe_.pointers_.size(); ++slot) {
                if (probe_.pointers_[slot].inside) continue; // found inside its outer pointer's value
                if (pointer_of(slot).tokens.empty())
                    ends_here = slot;
                else
                    candidates_.push_back(slot);
            }
            return ends_here;
        }
        auto& top = levels_.back();
        const std::size_t depth = levels_.size() - 1;
        const std::size_t index = top.next_index++;
        const std::string_view key(key_.data(), key_.size());
        for (std::size_t i = top.first_candidate; i < top.end_candidate; ++i) {
            const std::size_t slot = candidates_[i];
            const auto& tokens = pointer_of(slot).tokens;
            if (top.is_array ? tokens[depth].index != index : tokens[depth].key != key) continue;
            // A repeated member name replaces the earlier value, as in a parsed tree.
            results_[slot].reset();
            if (tokens.size() == depth + 1)
                ends_here = slot;
            else
                candidates_.push_back(slot);
        }
        key_.clear();
        return ends_here;
    }

    bool begin_value(kind k) {
        if (building_) {
            if (k != kind::scalar) ++building_depth_;
            return true;
        }
        if (unfollowed_depth_ > 0) {
            if (k != kind::scalar) ++unfollowed_depth_;
            return true;
        }
        const std::size_t first = candidates_.size();
        if (const auto target = match_position()) {
            building_ = target;
            building_depth_ = k == kind::scalar ? 0 : 1;
            built_.reset(storage_);
        } else if (k == kind::scalar) {
            candidates_.resize(first);
        } else if (candidates_.size() == first) {
            ++unfollowed_depth_;
        } else {
            levels_.push_back(level{k == kind::array, 0, first, candidates_.size()});
        }
        return true;
    }

    bool end_container() {
        if (building_) {
            if (--building_depth_ == 0) finish_building();
        } else if (unfollowed_depth_ > 0) {
            --unfollowed_depth_;
        } else {
            candidates_.resize(levels_.back().first_candidate);
            levels_.pop_back();
        }
        return true;
    }

    bool end_scalar() {
        if (building_ && building_depth_ == 0) finish_building();
        return true;
    }

    void finish_building() {
        results_[*building_] = built_.release();
        building_.reset();
    }

    const json_probe& probe_;
    std::vector<std::optional<json::value>>& results_;
    json::storage_ptr storage_;
    std::pmr::vector<level> levels_;
    std::pmr::vector<std::size_t> candidates_;
    std::pmr::string key_;             // the current member name, kept only where a pointer follows
    std::size_t unfollowed_depth_ = 0; // containers open inside one that no pointer enters
    bool in_string_ = false;
    std::optional<std::size_t> building_; // the slot whose value is being built
    std::size_t building_depth_ = 0;      // containers open inside that value
    unsigned char value_stack_start_[1024];
    json::value_stack built_;
};

std::size_t json_probe::add(const json_pointer& pointer) {
    std::vector<std::string> keys;
    for (const auto& t : pointer.tokens)
        keys.push_back(t.key);
    const auto [at, added] = slots_.emplace(keys, pointers_.size());
    if (!added) return at->second;
    const std::size_t slot = at->second;

    // Inside the outermost pointer already added that is a prefix of this one, if any...
    std::optional<std::size_t> inside;
    for (std::size_t length = 0; length < keys.size() && !inside; ++length) {
        const auto prefix = slots_.find(std::vector<std::string>(keys.begin(), keys.begin() + length));
        if (prefix != slots_.end()) inside = prefix->second;
    }
    pointers_.push_back({pointer, inside});
    // ...or else the outermost for every pointer that starts with it.
    if (!inside)
        for (auto longer = std::next(at); longer != slots_.end(); ++longer) {
            const auto& other = longer->first;
            if (other.size() < keys.size() || !std::equal(keys.begin(), keys.end(), other.begin())) break;
            pointers_[longer->second].inside = slot;
        }
    return slot;
}

const json::value* json_probe::find(const json::value& document, std::size_t slot) const {
    return follow(document, pointers_.at(slot).pointer.tokens, 0);
}

std::optional<std::vector<std::optional<json::value>>>
json_probe::read(std::string_view text, const json::storage_ptr& storage) const {
    std::vector<std::optional<json::value>> results(pointers_.size());
    unsigned char scratch_start[2048];
    std::pmr::monotonic_buffer_resource scratch(scratch_start, sizeof scratch_start);
    json::parse_options options;
    options.max_depth = aq::max_json_depth;
    json::basic_parser<json_probe_handler> parser(options, *this, results, storage, &scratch);
    error_code ec;
    const std::size_t consumed = parser.write_some(false, text.data(), text.size(), ec);
    if (ec || consumed < text.size()) return std::nullopt;

    for (std::size_t i = 0; i < pointers_.size(); ++i) {
        const auto& p = pointers_[i];
        if (!p.inside || !results[*p.inside]) continue;
        const auto& outer = pointers_[*p.inside].pointer;
        if (const auto* found = follow(*results[*p.inside], p.pointer.tokens, outer.tokens.size()))
            results[i].emplace(*found, storage);
    }
    return results;
}

} // namespace aqhook
