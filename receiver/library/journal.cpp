#include "journal.hpp"
#include "journal_file.hpp"
#include "text_encoding.hpp"

#include <allquiet/webhook/detail/json_io.hpp>

#include <boost/json/object.hpp>

#include <algorithm>
#include <charconv>
#include <utility>

namespace allquiet::webhook {

boost::json::value to_json(const journal_entry& entry, boost::json::storage_ptr storage) {
    namespace json = boost::json;
    using aqhook::valid_utf8;
    // Header names are written in lower case; repeated headers are joined with ", ".
    auto headers_object = [&](const std::vector<header_field>& headers) {
        json::object out(storage);
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
    json::object verification(
        {{"status", to_string(verified.status())},
         {"method", verified.method ? json::value(to_string(*verified.method)) : json::value()},
         {"error", reason ? json::value(verified.error.message()) : json::value()}},
        storage);
    json::object response({{"status", entry.response.status.value_or(0)},
                           {"headers", headers_object(entry.response.headers)},
                           {"body", valid_utf8(entry.response.body)},
                           {"fault", entry.response.fault ? json::value(to_string(*entry.response.fault))
                                                          : json::value()},
                           {"delayMs", entry.response.delay.count()},
                           {"notSent", optional_string(entry.response.not_sent)}},
                          storage);
    json::value forward(storage);
    if (const auto& leg = entry.forward)
        forward = json::object({{"url", valid_utf8(leg->url)},
                                {"requestHeaders", headers_object(leg->request_headers)},
                                {"status", leg->status ? json::value(*leg->status) : json::value()},
                                {"headers", headers_object(leg->headers)},
                                {"body", valid_utf8(leg->body)},
                                {"durationUs", leg->duration.count()},
                                {"error", optional_string(leg->error)}},
                               storage);
    // A body that is not UTF-8 text is given in base64, so that its exact bytes can be recovered.
    const bool text_body = aqhook::is_valid_utf8(entry.body);
    return json::object({{"id", std::to_string(entry.id)},
                         {"receivedAt", entry.received_at.text()},
                         {"remoteAddress", valid_utf8(entry.remote_address)},
                         {"method", valid_utf8(entry.method)},
                         {"target", valid_utf8(entry.target)},
                         {"headers", headers_object(entry.headers)},
                         {"body", text_body ? json::value(json::string_view(entry.body), storage)
                                            : json::value(aqhook::base64(entry.body), storage)},
                         {"bodyEncoding", text_body ? "utf-8" : "base64"},
                         {"verification", std::move(verification)},
                         {"rule", optional_string(entry.rule)},
                         {"response", std::move(response)},
                         {"forward", std::move(forward)}},
                        storage);
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

using aq::detail::json_reader;
using aq::detail::json_scope;

const boost::json::value& member(json_reader& r, const boost::json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    if (!value) r.fail_at(key, aq::error::missing_member, "a journal entry has it");
    return *value;
}

const boost::json::object& object_at(json_reader& r, const boost::json::value& value) {
    if (!value.is_object()) r.fail(aq::error::wrong_type, "expected an object");
    return value.as_object();
}

template <class T>
T read_member(json_reader& r, const boost::json::object& object, std::string_view key) {
    T out{};
    const auto& value = member(r, object, key);
    json_scope at(r, key);
    aq::detail::read_json(r, value, out);
    return out;
}

std::uint64_t unsigned_member(json_reader& r, const boost::json::object& object, std::string_view key) {
    const auto value = read_member<std::int64_t>(r, object, key);
    if (value < 0) r.fail_at(key, aq::error::out_of_range, "not negative");
    return static_cast<std::uint64_t>(value);
}

std::vector<aq::header_field> headers_from_json(json_reader& r, const boost::json::object& object,
                                                std::string_view key) {
    const auto& headers = member(r, object, key);
    json_scope at(r, key);
    std::vector<aq::header_field> out;
    for (const auto& [name, value] : object_at(r, headers)) {
        json_scope field(r, name);
        if (!value.is_string()) r.fail(aq::error::wrong_type, "a header's value is a string");
        out.push_back({std::string(name), std::string(value.as_string())});
    }
    return out;
}

/// The error whose message `text` is (`to_json` writes the message); a signature mismatch for a
/// message no error of this version has.
boost::system::error_code verification_error(std::string_view text) {
    for (int code = 1; code <= static_cast<int>(aq::error::no_success_answer); ++code)
        if (aq::webhook_category().message(code) == text)
            return make_error_code(static_cast<aq::error>(code));
    return make_error_code(aq::error::signature_mismatch);
}

aq::verification verification_from_json(json_reader& r, const boost::json::object& object) {
    const auto& value = member(r, object, "verification");
    json_scope at(r, "verification");
    const auto& verified = object_at(r, value);
    const auto status = aq::verification_status_from_string(read_member<std::string>(r, verified, "status"));
    if (!status) r.fail_at("status", aq::error::unknown_value, "valid, invalid or unsigned");
    aq::verification out;
    if (const auto method = read_member<std::optional<std::string>>(r, verified, "method")) {
        out.method = aq::signing_method_from_string(*method);
        if (!out.method) r.fail_at("method", aq::error::unknown_value, "allquiet or aws");
    }
    const auto error = read_member<std::optional<std::string>>(r, verified, "error");
    if (*status == aq::verification_status::unsigned_)
        out.error = error ? verification_error(*error) : make_error_code(aq::error::no_secret);
    else if (*status == aq::verification_status::invalid)
        out.error = verification_error(error.value_or(""));
    return out;
}

aq::journal_response response_from_json(json_reader& r, const boost::json::object& object) {
    const auto& value = member(r, object, "response");
    json_scope at(r, "response");
    const auto& answer = object_at(r, value);
    aq::journal_response out;
    if (const auto status = unsigned_member(r, answer, "status")) out.status = static_cast<unsigned>(status);
    out.headers = headers_from_json(r, answer, "headers");
    out.body = read_member<std::string>(r, answer, "body");
    if (const auto fault = read_member<std::optional<std::string>>(r, answer, "fault")) {
        out.fault = aq::fault_from_string(*fault);
        if (!out.fault) r.fail_at("fault", aq::error::unknown_value, "reset or timeout");
    }
    out.delay = std::chrono::milliseconds(unsigned_member(r, answer, "delayMs"));
    out.not_sent = read_member<std::optional<std::string>>(r, answer, "notSent");
    return out;
}

std::optional<aq::journal_forward> forward_from_json(json_reader& r, const boost::json::object& object) {
    const auto* value = object.if_contains("forward");
    if (!value || value->is_null()) return std::nullopt;
    json_scope at(r, "forward");
    const auto& leg = object_at(r, *value);
    aq::journal_forward out;
    out.url = read_member<std::string>(r, leg, "url");
    out.request_headers = headers_from_json(r, leg, "requestHeaders");
    if (const auto status = read_member<std::optional<std::int64_t>>(r, leg, "status"))
        out.status = static_cast<unsigned>(*status);
    out.headers = headers_from_json(r, leg, "headers");
    out.body = read_member<std::string>(r, leg, "body");
    out.duration = std::chrono::microseconds(unsigned_member(r, leg, "durationUs"));
    out.error = read_member<std::optional<std::string>>(r, leg, "error");
    return out;
}

} // namespace

aq::result<aq::journal_entry> entry_from_json(const boost::json::value& json) {
    return aq::detail::read_reporting_failure<aq::journal_entry>([&](json_reader& r, aq::journal_entry& out) {
        const auto& entry = object_at(r, json);
        const auto id = read_member<std::string>(r, entry, "id");
        const auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), out.id);
        if (ec != std::errc() || end != id.data() + id.size() || out.id == 0)
            r.fail_at("id", aq::error::out_of_range, "a whole number from 1, in a string");
        {
            const auto& received_at = member(r, entry, "receivedAt");
            json_scope at(r, "receivedAt");
            out.received_at = aq::detail::read_value(r, received_at, std::type_identity<aq::timestamp>{});
        }
        out.remote_address = read_member<std::string>(r, entry, "remoteAddress");
        out.method = read_member<std::string>(r, entry, "method");
        out.target = read_member<std::string>(r, entry, "target");
        out.headers = headers_from_json(r, entry, "headers");
        out.body = read_member<std::string>(r, entry, "body");
        const auto encoding = read_member<std::string>(r, entry, "bodyEncoding");
        if (encoding == "base64") {
            auto bytes = from_base64(out.body);
            if (!bytes) r.fail_at("body", aq::error::wrong_type, "not base64");
            out.body = std::move(*bytes);
        } else if (encoding != "utf-8") {
            r.fail_at("bodyEncoding", aq::error::unknown_value, "utf-8 or base64");
        }
        out.verification = verification_from_json(r, entry);
        out.rule = read_member<std::optional<std::string>>(r, entry, "rule");
        out.response = response_from_json(r, entry);
        out.forward = forward_from_json(r, entry);
    });
}

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

journal::journal(journal_limits limits, std::unique_ptr<journal_file> file)
    : limits_(limits), file_(std::move(file)) {
    if (!file_) return;
    std::vector<stored> dropped;
    next_id_ = file_->read([&](aq::journal_entry entry) {
        keep(std::make_shared<const aq::journal_entry>(std::move(entry)), dropped);
        dropped.clear();
    });
    file_->start(entries_.empty() ? next_id_ : entries_.front().entry->id);
}

journal::~journal() = default;

void journal::keep(journal_entry_ptr entry, std::vector<stored>& dropped) {
    const std::size_t entry_bytes = footprint(*entry);
    entries_.push_back({std::move(entry), entry_bytes});
    bytes_ += entry_bytes;
    drop_oldest_past_limits(dropped);
}

std::uint64_t journal::append(aq::journal_entry entry) {
    std::vector<std::function<void()>> ready;
    std::vector<stored> dropped; // freed outside the lock
    std::uint64_t id;
    {
        std::lock_guard lock(mutex_);
        id = entry.id = next_id_++;
        keep(std::make_shared<const aq::journal_entry>(std::move(entry)), dropped);
        if (file_) file_->insert(entries_.back().entry);
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

void journal::when_written(std::function<void()> written) {
    if (!file_) return written();
    file_->when_written(std::move(written));
}

std::size_t journal::lower_bound(std::uint64_t id) const {
    const auto at = std::partition_point(entries_.begin(), entries_.end(),
                                         [&](const stored& s) { return s.entry->id < id; });
    return static_cast<std::size_t>(at - entries_.begin());
}

std::vector<journal_entry_ptr> journal::list(const journal_page& page) const {
    std::vector<journal_entry_ptr> out;
    std::lock_guard lock(mutex_);
    const std::size_t first = page.after == UINT64_MAX ? entries_.size() : lower_bound(page.after + 1);
    const std::size_t end = std::max(first, lower_bound(page.before));
    const std::size_t count = std::min(page.limit, end - first);
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i)
        out.push_back(entries_[page.oldest_first ? first + i : end - 1 - i].entry);
    return out;
}

journal_entry_ptr journal::find(std::uint64_t id) const {
    std::lock_guard lock(mutex_);
    const std::size_t at = lower_bound(id);
    if (at == entries_.size() || entries_[at].entry->id != id) return nullptr;
    return entries_[at].entry;
}

void journal::drop_oldest_past_limits(std::vector<stored>& dropped) {
    const std::size_t before = dropped.size();
    while (entries_.size() > 1 && (entries_.size() > limits_.max_entries || bytes_ > limits_.max_bytes)) {
        bytes_ -= entries_.front().bytes;
        dropped.push_back(std::move(entries_.front()));
        entries_.pop_front();
    }
    if (file_ && dropped.size() > before) file_->drop_below(entries_.front().entry->id);
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
    if (file_) file_->replace(entries_[at].entry);
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
    if (file_) file_->clear();
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
