#include "journal.hpp"

#include <algorithm>

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

std::uint64_t journal::append(aq::journal_entry entry) {
    std::vector<std::function<void()>> ready;
    aq::journal_entry evicted; // freed after the lock is released: other threads wait for it
    std::uint64_t id;
    {
        std::lock_guard lock(mutex_);
        id = entry.id = next_id_++;
        if (capacity_ == 0) return id;
        if (entries_.size() == capacity_) {
            evicted = std::move(entries_.front());
            entries_.pop_front();
        }
        entries_.push_back(std::move(entry));
        for (auto it = waiters_.begin(); it != waiters_.end();) {
            if (entries_.size() >= it->second.count) {
                ready.push_back(std::move(it->second.callback));
                it = waiters_.erase(it);
            } else {
                ++it;
            }
        }
    }
    grown_.notify_all();
    for (auto& callback : ready)
        callback(); // outside the lock: callbacks may read the journal
    return id;
}

std::vector<aq::journal_entry> journal::snapshot() const {
    std::lock_guard lock(mutex_);
    return {entries_.rbegin(), entries_.rend()};
}

std::optional<aq::journal_entry> journal::find(std::uint64_t id) const {
    std::lock_guard lock(mutex_);
    // Ids grow with position, so the entry is found by binary search.
    auto it =
        std::lower_bound(entries_.begin(), entries_.end(), id,
                         [](const aq::journal_entry& e, std::uint64_t wanted) { return e.id < wanted; });
    if (it == entries_.end() || it->id != id) return std::nullopt;
    return *it;
}

std::size_t journal::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

void journal::clear() {
    std::lock_guard lock(mutex_);
    entries_.clear();
}

std::uint64_t journal::notify_at(std::size_t count, std::function<void()> callback) {
    {
        std::lock_guard lock(mutex_);
        if (entries_.size() < count) {
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
    return grown_.wait_for(lock, timeout, [&] { return entries_.size() >= count; });
}

} // namespace aqhook
