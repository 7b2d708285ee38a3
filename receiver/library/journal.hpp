// The journal of deliveries: bounded in entries and in bytes, safe to use from many threads, and
// able to tell a waiter when it holds enough entries. With a journal file (journal_file.hpp) the
// journal in memory stays what every reader reads; the file is written through, and read into
// memory at start.
#pragma once

#include <allquiet/webhook/mock_receiver.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace aqhook {

namespace aq = allquiet::webhook;

/// An entry as the journal holds it: never changed once recorded, so a listing holds references
/// and reads them outside the lock.
using journal_entry_ptr = std::shared_ptr<const aq::journal_entry>;

/// Whichever limit is reached first drops the oldest entries. The newest entry is always kept.
struct journal_limits {
    std::size_t max_entries = aq::mock_receiver_options{}.journal_size;
    std::size_t max_bytes = aq::mock_receiver_options{}.journal_max_bytes;
};

/// Which entries a listing wants: at most `limit`, the newest first (or the oldest first), of
/// those whose id is above `after` and below `before`.
struct journal_page {
    std::size_t limit = SIZE_MAX;
    std::uint64_t after = 0;
    std::uint64_t before = UINT64_MAX;
    bool oldest_first = false;
};

/// About the memory an entry holds: its strings and their headers.
std::size_t footprint(const aq::journal_entry& entry);

/// The entry that `aq::to_json` wrote, read back: the journal file and NDJSON exports hold that
/// JSON. What `to_json` does not keep stays as it wrote it: header names in lower case, repeated
/// headers as one, text that was not UTF-8 in headers and answers with U+FFFD in its place, and
/// of a verification its status, method and error.
aq::result<aq::journal_entry> entry_from_json(const boost::json::value& json);

class journal_file;

class journal {
  public:
    /// A journal in memory alone, or kept in `file` too: its entries are read from it first
    /// (those past the limits dropped from it), and ids go on after the file's.
    explicit journal(journal_limits limits, std::unique_ptr<journal_file> file = nullptr);
    ~journal();

    const journal_limits& limits() const { return limits_; }

    /// Whether a journal file keeps the entries (`--journal-file`).
    bool durable() const { return file_ != nullptr; }

    /// Calls `written` once every change made to the journal so far is in the journal file, from
    /// the file's writer thread or at once; at once without a file.
    void when_written(std::function<void()> written);

    /// Stores an entry under the next id and returns the id.
    std::uint64_t append(aq::journal_entry entry);

    /// Changes entry `id` (nothing when it is gone): a copy is changed and replaces it, since
    /// entries are never changed in place (a listing holding the old one keeps it). An entry that
    /// grows counts against the limits as an appended one does: the oldest entries are dropped.
    void amend(std::uint64_t id, const std::function<void(aq::journal_entry&)>& change);

    /// Records that the answer to entry `id` never reached its client, and why (nothing when the
    /// entry is gone).
    void mark_not_sent(std::uint64_t id, std::string reason);

    std::vector<journal_entry_ptr> list(const journal_page& page = {}) const;
    journal_entry_ptr find(std::uint64_t id) const;
    /// The id of the oldest entry held (the next id when there is none), and the id the next
    /// entry will get: ids grow for as long as the journal lives, clearing included, and with a
    /// journal file across restarts.
    std::pair<std::uint64_t, std::uint64_t> ids() const;
    std::size_t size() const;
    std::size_t bytes() const;
    void clear();

    /// Calls `callback` once, from the appending thread, as soon as the journal holds `count`
    /// entries (at once if it does already). Returns an id for `cancel`; the journal drops the
    /// callback when it is called or cancelled.
    std::uint64_t notify_at(std::size_t count, std::function<void()> callback);
    void cancel(std::uint64_t waiter);

    /// Blocks until the journal holds `count` entries; false when `timeout` passes first.
    bool wait_for(std::size_t count, std::chrono::milliseconds timeout) const;

    /// Blocks until an entry with id `id` or above is appended (pass `ids().second`, read before a
    /// listing, to wait for any entry that listing lacks); false when `deadline` passes first.
    bool wait_for_id(std::uint64_t id, std::chrono::steady_clock::time_point deadline) const;

  private:
    struct stored {
        journal_entry_ptr entry;
        std::size_t bytes;
    };

    /// The position of the first entry whose id is at least `id`.
    std::size_t lower_bound(std::uint64_t id) const;
    /// Drops the oldest entries while a limit is passed, keeping the newest, from the journal file
    /// too; the caller holds the lock and frees `dropped` after it.
    void drop_oldest_past_limits(std::vector<stored>& dropped);

    /// Adds an entry whose id is set; drops the oldest past the limits into `dropped`.
    void keep(journal_entry_ptr entry, std::vector<stored>& dropped);

    const journal_limits limits_;
    mutable std::mutex mutex_;
    mutable std::condition_variable grown_;
    std::deque<stored> entries_; // oldest first, so ids grow along it
    std::size_t bytes_ = 0;
    std::uint64_t next_id_ = 1;
    std::uint64_t next_waiter_ = 1;
    std::map<std::uint64_t, std::pair<std::size_t, std::function<void()>>> waiters_; // id -> count, callback
    std::unique_ptr<journal_file> file_; // written under mutex_, so in the journal's order
};

} // namespace aqhook
