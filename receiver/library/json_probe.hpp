// The values at a few JSON pointers, read from a document in one streaming pass that builds only
// those values: a rule's `json` conditions need a handful of values out of every delivery, and
// building the whole tree cost a fifth of the receiver's throughput.
#pragma once

#include <allquiet/webhook/error.hpp>

#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aqhook {

namespace aq = allquiet::webhook;

/// An RFC 6901 JSON pointer, split into its unescaped reference tokens.
struct json_pointer {
    struct token {
        std::string key;                  ///< the token as an object member name
        std::optional<std::size_t> index; ///< the token as an array index, when it is one
    };
    std::vector<token> tokens; ///< empty: the whole document

    /// Reads `""` or `/a/b~1c`; fails on a missing leading `/`, an escape other than ~0 and ~1, or
    /// more reference tokens than `aq::max_json_depth`.
    static aq::result<json_pointer> parse(std::string_view text);
};

/// A fixed set of pointers, looked up together in each document read.
class json_probe {
  public:
    /// Adds a pointer (once: an equal pointer gets the same slot) and returns its slot. Costs
    /// about the pointer's depth in map look-ups, plus one for each pointer added before that it
    /// is a prefix of: a configuration of thousands of conditions loads in linear time.
    std::size_t add(const json_pointer& pointer);

    /// The value at a slot's pointer inside `document` (a tree already parsed), as `read` finds
    /// it; nullptr where there is none.
    const boost::json::value* find(const boost::json::value& document, std::size_t slot) const;

    const json_pointer& pointer(std::size_t slot) const { return pointers_.at(slot).pointer; }
    std::size_t size() const { return pointers_.size(); }
    bool empty() const { return pointers_.empty(); }

    /// The value at each slot's pointer (null where the document has none), allocated from
    /// `storage`; nullopt when `text` is not one JSON document within the SDK's depth limit.
    /// Agrees with parsing the whole text and following each pointer as RFC 6901 says (where
    /// Boost.JSON 1.81's `find_pointer` does not: it takes an empty token for array index 0).
    std::optional<std::vector<std::optional<boost::json::value>>>
    read(std::string_view text, const boost::json::storage_ptr& storage) const;

  private:
    friend class json_probe_handler;

    struct probed_pointer {
        json_pointer pointer;
        /// Another slot whose pointer is a prefix of this one: this value is looked up inside
        /// that one after the pass, so the values the pass builds never nest.
        std::optional<std::size_t> inside;
    };

    std::vector<probed_pointer> pointers_;
    /// Each pointer's member names, to its slot. Ordered, so the pointers that start with a given
    /// one form one range after it.
    std::map<std::vector<std::string>, std::size_t> slots_;
};

} // namespace aqhook
