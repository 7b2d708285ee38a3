#include "journal.hpp"
#include "text_encoding.hpp"

#include <boost/json/object.hpp>

#include <algorithm>
#include <utility>

namespace allquiet::webhook {

boost::json::value to_json(const journal_entry& entry) {
    namespace json = boost::json;
    using aqhook::valid_utf8;
    // Header names are written in lower case; repeated headers are joined with ", ".
    auto headers_object = [](const std::vector<header_field>& headers) {
        json::object out;
        for (const auto& h : headers) {
            std::string name = valid_utf8(h.name);
            for (auto& c : name)
                c = detail::ascii_lower(c);
            if (auto* existing = out.if_contains(name))
                *existing = std::string(existing->as_string()) + ", " + valid_utf8(h.value);
            else
                out.emplace(name, valid_utf8(h.value));
        }
        return out;
    };
    auto optional_string = [](const std::optional<std::string>& s) {
        return s ? json::value(valid_utf8(*s)) : json::value();
    };
    // A receiver without secrets checks nothing: that is no reason to show.
    const auto& verified = entry.verification;
    const bool reason = verified.error && verified.error != error::no_secret;
    json::object verification{
        {"status", to_string(verified.status())},
        {"method", verified.method ? json::value(to_string(*verified.method)) : json::value()},
        {"error", reason ? json::value(verified.error.message()) : json::value()}};
    json::object response{{"status", entry.response.status.value_or(0)},
                          {"headers", headers_object(entry.response.headers)},
                          {"body", valid_utf8(entry.response.body)},
                          {"fault", entry.response.fault ? json::value(to_string(*entry.response.fault))
                                                         : json::value()},
                          {"delayMs", entry.response.delay.count()},
                          {"notSent", optional_string(entry.response.not_sent)}};
    json::value forward;
    if (const auto& leg = entry.forward)
        forward = json::object{{"url", valid_utf8(leg->url)},
                               {"requestHeaders", headers_object(leg->request_headers)},
                               {"status", leg->status ? json::value(*leg->status) : json::value()},
                               {"headers", headers_object(leg->headers)},
                               {"body", valid_utf8(leg->body)},
                               {"durationUs", leg->duration.count()},
                               {"error", optional_string(leg->error)}};
    // A body that is not UTF-8 text is given in base64, so that its exact bytes can be recovered.
    const bool text_body = aqhook::is_valid_utf8(entry.body);
    return json::object{{"id", std::to_string(entry.id)},
                        {"receivedAt", entry.received_at.text()},
                        {"remoteAddress", valid_utf8(entry.remote_address)},
                        {"method", valid_utf8(entry.method)},
                        {"target", valid_utf8(entry.target)},
                        {"headers", headers_object(entry.headers)},
                        {"body", text_body ? entry.body : aqhook::base64(entry.body)},
                        {"bodyEncoding", text_body ? "utf-8" : "base64"},
                        {"verification", std::move(verification)},
                        {"rule", optional_string(entry.rule)},
                        {"response", std::move(response)},
                        {"forward", std::move(forward)}};
}

} // namespace allquiet::webhook

namespace aqhook {

namespace {

std::size_t footprint(const std::vector<aq::header_field>& headers) {
    std::size_t bytes = 0;
    for (const auto& h : headers)
        bytes += sizeof h + h.name.size() + h.value.size();
    return bytes;
}

std::size_t footprint(const std::optional<std::string>& text) { return text ? text->size() : 0; }

} // namespace

std::size_t footprint(const aq::journal_entry& entry) {
    std::size_t bytes = sizeof entry + entry.remote_address.size() + entry.method.size() +
                        entry.target.size() + entry.body.size() + footprint(entry.headers) +
                        entry.response.body.size() + footprint(entry.response.headers) +
                        footprint(entry.response.not_sent);
    if (const auto& leg = entry.forward)
        bytes += sizeof *leg + leg->url.size() + footprint(leg->request_headers) + footprint(leg->headers) +
                 leg->body.size() + footprint(leg->error);
    return bytes;
}

std::uint64_t journal::append(aq::journal_entry entry) {
    const std::size_t entry_bytes = footprint(entry);
    std::vector<std::function<void()>> ready;
    std::vector<stored> dropped; // freed outside the lock
    std::uint64_t id;
    {
        std::lock_guard lock(mutex_);
        id = entry.id = next_id_++;
        entries_.push_back({std::make_shared<const aq::journal_entry>(std::move(entry)), entry_bytes});
        bytes_ += entry_bytes;
        drop_oldest_past_limits(dropped);
        for (auto it = waiters_.begin(); it != waiters_.end();) {
            if (entries_.size() < it->second.first) {
                ++it;
                continue;
            }
            ready.push_back(std::move(it->second.second));
            it = waiters_.erase(it);
        }
    }
    grown_.notify_all();
    for (auto& callback : ready)
        callback(); // outside the lock: callbacks may read the journal
    return id;
}

std::size_t journal::lower_bound(std::uint64_t id) const {
    const auto at = std::partition_point(entries_.begin(), entries_.end(),
                                         [&](const stored& s) { return s.entry->id < id; });
    return static_cast<std::size_t>(at - entries_.begin());
}

std::vector<journal_entry_ptr> journal::list(const journal_page& page) const {
    std::vector<journal_entry_ptr> newest_first;
    std::lock_guard lock(mutex_);
    const std::size_t first = page.after == UINT64_MAX ? entries_.size() : lower_bound(page.after + 1);
    for (std::size_t end = lower_bound(page.before); end > first && newest_first.size() < page.limit; --end)
        newest_first.push_back(entries_[end - 1].entry);
    return newest_first;
}

journal_entry_ptr journal::find(std::uint64_t id) const {
    std::lock_guard lock(mutex_);
    const std::size_t at = lower_bound(id);
    if (at == entries_.size() || entries_[at].entry->id != id) return nullptr;
    return entries_[at].entry;
}

void journal::drop_oldest_past_limits(std::vector<stored>& dropped) {
    while (entries_.size() > 1 && (entries_.size() > limits_.max_entries || bytes_ > limits_.max_bytes)) {
        bytes_ -= entries_.front().bytes;
        dropped.push_back(std::move(entries_.front()));
        entries_.pop_front();
    }
}

void journal::amend(std::uint64_t id, const std::function<void(aq::journal_entry&)>& change) {
    journal_entry_ptr replaced;  // freed outside the lock
    std::vector<stored> dropped; // likewise
    std::lock_guard lock(mutex_);
    const std::size_t at = lower_bound(id);
    if (at == entries_.size() || entries_[at].entry->id != id) return; // dropped meanwhile
    auto amended = std::make_shared<aq::journal_entry>(*entries_[at].entry);
    change(*amended);
    const std::size_t amended_bytes = footprint(*amended);
    bytes_ += amended_bytes - entries_[at].bytes;
    entries_[at].bytes = amended_bytes;
    replaced = std::exchange(entries_[at].entry, std::move(amended));
    drop_oldest_past_limits(dropped);
}

void journal::mark_not_sent(std::uint64_t id, std::string reason) {
    amend(id, [&](aq::journal_entry& entry) { entry.response.not_sent = std::move(reason); });
}

std::pair<std::uint64_t, std::uint64_t> journal::ids() const {
    std::lock_guard lock(mutex_);
    return {entries_.empty() ? next_id_ : entries_.front().entry->id, next_id_};
}

std::size_t journal::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

std::size_t journal::bytes() const {
    std::lock_guard lock(mutex_);
    return bytes_;
}

void journal::clear() {
    std::deque<stored> dropped;
    std::lock_guard lock(mutex_);
    dropped.swap(entries_);
    bytes_ = 0;
}

std::uint64_t journal::notify_at(std::size_t count, std::function<void()> callback) {
    {
        std::lock_guard lock(mutex_);
        if (entries_.size() < count) {
            const auto id = next_waiter_++;
            waiters_.emplace(id, std::make_pair(count, std::move(callback)));
            return id;
        }
    }
    callback();
    return 0;
}

void journal::cancel(std::uint64_t waiter) {
    std::function<void()> dropped; // destroyed outside the lock
    std::lock_guard lock(mutex_);
    if (const auto it = waiters_.find(waiter); it != waiters_.end()) {
        dropped = std::move(it->second.second);
        waiters_.erase(it);
    }
}

bool journal::wait_for(std::size_t count, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return grown_.wait_for(lock, timeout, [&] { return entries_.size() >= count; });
}

bool journal::wait_for_id(std::uint64_t id, std::chrono::steady_clock::time_point deadline) const {
    std::unique_lock lock(mutex_);
    return grown_.wait_until(lock, deadline, [&] { return next_id_ > id; });
}

} // namespace aqhook
