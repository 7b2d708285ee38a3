// The bounded, thread-safe journal of deliveries, with waiting for a number of entries.
#pragma once

#include <allquiet/webhook/mock_receiver.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace aqhook {

namespace aq = allquiet::webhook;

class journal {
  public:
    explicit journal(std::size_t capacity) : capacity_(capacity) {}

    std::size_t capacity() const { return capacity_; }

    /// Stores an entry under the next id and returns the id. Beyond the capacity the oldest is
    /// dropped: `entry` is left holding it (or else a new empty entry), so that its storage can be
    /// reused. Under the lock only pointers move, so the two I/O threads seldom wait for it.
    std::uint64_t append(std::unique_ptr<aq::journal_entry>& entry);

    /// Newest first.
    std::vector<aq::journal_entry> snapshot() const;
    std::optional<aq::journal_entry> find(std::uint64_t id) const;
    std::size_t size() const;
    void clear();

    /// Calls `callback` once, from the appending thread, as soon as the journal holds `count`
    /// entries (at once if it does already). Returns an id for `cancel`.
    std::uint64_t notify_at(std::size_t count, std::function<void()> callback);
    void cancel(std::uint64_t waiter);

    /// Blocks until the journal holds `count` entries; false when `timeout` passes first.
    bool wait_for(std::size_t count, std::chrono::milliseconds timeout) const;

  private:
    struct waiter {
        std::size_t count;
        std::function<void()> callback;
    };

    const std::size_t capacity_;
    mutable std::mutex mutex_;
    mutable std::condition_variable grown_;
    /// The entry `age` places after the oldest.
    const aq::journal_entry& at(std::size_t age) const { return *ring_[(oldest_ + age) % ring_.size()]; }

    // A ring: once full, each entry takes the oldest one's place, so appending allocates nothing.
    std::vector<std::unique_ptr<aq::journal_entry>> ring_;
    std::size_t oldest_ = 0; // where the oldest entry is, once the ring is full
    std::uint64_t next_id_ = 1;
    std::uint64_t next_waiter_ = 1;
    std::map<std::uint64_t, waiter> waiters_;
};

} // namespace aqhook
