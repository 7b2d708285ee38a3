#include "journal.hpp"

#include <utility>

#include <boost/json/object.hpp>

namespace allquiet::webhook {

boost::json::value to_json(const journal_entry& entry) {
    namespace json = boost::json;
    // Header names are written in lower case; repeated headers are joined with ", ".
    auto headers_object = [](const std::vector<header_field>& headers) {
        json::object out;
        for (const auto& h : headers) {
            std::string name = h.name;
            for (auto& c : name)
                c = detail::ascii_lower(c);
            if (auto* existing = out.if_contains(name))
                *existing = std::string(existing->as_string()) + ", " + h.value;
            else
                out.emplace(name, h.value);
        }
        return out;
    };
    auto optional_string = [](const std::optional<std::string>& s) {
        return s ? json::value(*s) : json::value();
    };
    json::object verification{{"status", entry.verification.status},
                              {"method", entry.verification.method
                                             ? json::value(to_string(*entry.verification.method))
                                             : json::value()},
                              {"error", optional_string(entry.verification.error)}};
    json::object response{{"status", entry.response.status},
                          {"headers", headers_object(entry.response.headers)},
                          {"body", entry.response.body},
                          {"fault", optional_string(entry.response.fault)}};
    return json::object{{"id", std::to_string(entry.id)},
                        {"receivedAt", entry.received_at.text()},
                        {"remoteAddress", entry.remote_address},
                        {"method", entry.method},
                        {"target", entry.target},
                        {"headers", headers_object(entry.headers)},
                        {"body", entry.body},
                        {"verification", std::move(verification)},
                        {"rule", optional_string(entry.rule)},
                        {"response", std::move(response)}};
}

} // namespace allquiet::webhook

namespace aqhook {

std::uint64_t journal::append(std::unique_ptr<aq::journal_entry>& entry) {
    std::vector<std::function<void()>> ready;
    std::uint64_t id;
    {
        std::lock_guard lock(mutex_);
        id = entry->id = next_id_++;
        if (capacity_ == 0) return id;
        if (ring_.size() < capacity_) {
            ring_.push_back(std::move(entry));
        } else {
            std::swap(ring_[oldest_], entry); // the dropped entry is freed, or reused, outside the lock
            oldest_ = (oldest_ + 1) % capacity_;
        }
        for (auto it = waiters_.begin(); it != waiters_.end();) {
            if (ring_.size() >= it->second.count) {
                ready.push_back(std::move(it->second.callback));
                it = waiters_.erase(it);
            } else {
                ++it;
            }
        }
    }
    if (!entry) entry = std::make_unique<aq::journal_entry>();
    grown_.notify_all();
    for (auto& callback : ready)
        callback(); // outside the lock: callbacks may read the journal
    return id;
}

std::vector<aq::journal_entry> journal::snapshot() const {
    std::lock_guard lock(mutex_);
    std::vector<aq::journal_entry> newest_first;
    newest_first.reserve(ring_.size());
    for (std::size_t age = ring_.size(); age-- > 0;)
        newest_first.push_back(at(age));
    return newest_first;
}

std::optional<aq::journal_entry> journal::find(std::uint64_t id) const {
    std::lock_guard lock(mutex_);
    // Ids grow with age, so the entry is found by binary search.
    std::size_t low = 0, high = ring_.size();
    while (low < high) {
        const std::size_t middle = low + (high - low) / 2;
        if (at(middle).id < id)
            low = middle + 1;
        else
            high = middle;
    }
    if (low == ring_.size() || at(low).id != id) return std::nullopt;
    return at(low);
}

std::size_t journal::size() const {
    std::lock_guard lock(mutex_);
    return ring_.size();
}

void journal::clear() {
    std::lock_guard lock(mutex_);
    ring_.clear();
    oldest_ = 0;
}

std::uint64_t journal::notify_at(std::size_t count, std::function<void()> callback) {
    {
        std::lock_guard lock(mutex_);
        if (ring_.size() < count) {
            const auto id = next_waiter_++;
            waiters_.emplace(id, waiter{count, std::move(callback)});
            return id;
        }
    }
    callback();
    return 0;
}

void journal::cancel(std::uint64_t waiter) {
    std::lock_guard lock(mutex_);
    waiters_.erase(waiter);
}

bool journal::wait_for(std::size_t count, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return grown_.wait_for(lock, timeout, [&] { return ring_.size() >= count; });
}

} // namespace aqhook
