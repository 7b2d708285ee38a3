#include "relay.hpp"
#include "text_encoding.hpp"

#include <allquiet/webhook/delivery.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <functional>
#include <optional>
#include <utility>

namespace aqhook {

namespace json = boost::json;
namespace net = boost::asio;

namespace {

/// The names that `Connection` lists (RFC 9110 §7.6.1), lower case.
std::vector<std::string> connection_options(const std::vector<aq::header_field>& fields) {
    std::vector<std::string> named;
    for (const auto& field : fields) {
        if (!aq::detail::iequals(field.name, "Connection")) continue;
        std::string_view list = field.value;
        while (!list.empty()) {
            const auto comma = list.find(',');
            std::string option(without_blanks(list.substr(0, comma)));
            std::transform(option.begin(), option.end(), option.begin(), aq::detail::ascii_lower);
            if (!option.empty()) named.push_back(std::move(option));
            list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
        }
    }
    return named;
}

bool is_hop_by_hop(std::string_view name, const std::vector<std::string>& named) {
    using aq::detail::iequals;
    constexpr std::string_view proxy = "proxy-";
    for (const std::string_view hop :
         {"Connection", "Keep-Alive", "TE", "Trailer", "Transfer-Encoding", "Upgrade"})
        if (iequals(name, hop)) return true;
    return (name.size() > proxy.size() && iequals(name.substr(0, proxy.size()), proxy)) ||
           std::any_of(named.begin(), named.end(),
                       [&](const std::string& option) { return iequals(name, option); });
}

bool is_signature_header(std::string_view name) {
    for (const auto method : {aq::signing_method::allquiet, aq::signing_method::aws})
        if (aq::detail::iequals(name, aq::signature_header_name(method)) ||
            aq::detail::iequals(name, aq::timestamp_header_name(method)))
            return true;
    return false;
}

/// A delivery forwarded and relayed (relay.hpp). Every step runs on the connection's executor:
/// `start`, `cancel`, the delay's timer and the exchange's completion.
class relay final : public pending_response, public std::enable_shared_from_this<relay> {
  public:
    relay(receiver_state& state, relayed_delivery delivery) : state_(state), delivery_(std::move(delivery)) {}

    void start(const pending_context& where, std::function<void(response_ptr)> ready) override {
        ready_ = std::move(ready);
        executor_ = where.connection;
        report("--> " + std::string(text_of(head().method_string())) + " " +
               valid_utf8(text_of(head().target())) + " [" +
               std::string(to_string(delivery_.verification.status())) + "]");
        if (delivery_.delay.count() == 0) return send();
        delay_.emplace(executor_, delivery_.delay);
        delay_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (!ec) self->send();
        });
    }

    /// Before the request is sent, ends the wait at once; once it is, ends the exchange, whose
    /// completion then answers.
    void cancel() override {
        if (!ready_) return; // answered already
        if (sending_) return cancelled_.emit(net::cancellation_type::terminal);
        delay_->cancel();
        aq::journal_forward leg;
        leg.error = "cancelled before it was sent";
        fail(503, std::move(leg));
    }

  private:
    const http_request& head() const { return delivery_.request; }

    void send() {
        if (!ready_) return; // cancelled during the delay
        sending_ = true;
        const auto& settings = state_.settings().forward;
        aq::delivery_options options;
        options.timeout = delivery_.target.timeout.value_or(settings.timeout);
        options.max_response_body = settings.max_answer_body;
        aq::async_send_request(
            executor_, outgoing_request(), options,
            net::bind_cancellation_slot(cancelled_.slot(), [self = shared_from_this()](aq::delivery sent) {
                self->answered(std::move(sent));
            }));
    }

    /// The delivery as the target gets it: same method and body, at the target's path, with the
    /// end-to-end headers but Host (the target's), Content-Length (recomputed) and the
    /// X-Forwarded ones (this receiver's), and with a forward secret, signed again now.
    aq::http_request outgoing_request() {
        const auto& secret = state_.settings().forward.secret;
        aq::http_request out{std::string(text_of(head().method_string())),
                             delivery_.target.url,
                             {},
                             std::move(delivery_.request.body())}; // sent once: the body is not needed after
        out.headers.push_back({"Host", out.url.host_header()});
        for (auto& field : end_to_end(header_fields(head()))) {
            const bool replaced = aq::detail::iequals(field.name, "Host") ||
                                  aq::detail::iequals(field.name, "Content-Length") ||
                                  aq::detail::iequals(field.name, "X-Forwarded-For") ||
                                  aq::detail::iequals(field.name, "X-Forwarded-Proto") ||
                                  (secret && is_signature_header(field.name));
            if (!replaced) out.headers.push_back(std::move(field));
        }
        const bool declares_body =
            head().count(http::field::content_length) > 0 || head().count(http::field::transfer_encoding) > 0;
        if (declares_body || !out.body.empty())
            out.headers.push_back({"Content-Length", std::to_string(out.body.size())});
        out.headers.push_back({"X-Forwarded-For", delivery_.source});
        out.headers.push_back({"X-Forwarded-Proto", "http"});
        if (secret) {
            // The method the delivery came signed with (the one its verification found), All Quiet's for
            // none.
            const auto method = delivery_.verification.method.value_or(aq::signing_method::allquiet);
            const auto signed_headers = aq::sign_now(method, *secret, out.body);
            out.headers.push_back(signed_headers.signature);
            out.headers.push_back(signed_headers.timestamp);
        }
        return out;
    }

    void answered(aq::delivery sent) {
        aq::journal_forward leg;
        leg.request_headers = std::move(sent.request.headers);
        leg.duration = sent.duration;
        if (!sent.response) {
            const bool cancelled = sent.error == net::error::operation_aborted;
            leg.error = cancelled ? "cancelled before the target answered" : sent.error_detail;
            return fail(cancelled                                    ? 503
                        : sent.error == boost::beast::error::timeout ? 504
                                                                     : 502,
                        std::move(leg));
        }
        leg.status = sent.response->status;
        leg.headers = sent.response->headers;
        leg.body = sent.response->body;
        if (sent.response->status < 200) { // 101: the connection would become another protocol's
            leg.error =
                "the target answered " + std::to_string(sent.response->status) + ", which cannot be relayed";
            return fail(502, std::move(leg));
        }
        const auto took = " (" + std::to_string(sent.duration.count() / 1000) + " ms)";
        finish(std::move(leg), relayed(std::move(*sent.response)), took);
    }

    /// The target's answer as the delivery's: its status, end-to-end headers and body, framed for
    /// the delivery's connection. The answer to HEAD keeps the target's Content-Length.
    response_ptr relayed(aq::received_response answer) const {
        const bool to_head = head().method() == http::verb::head;
        http_response out{static_cast<http::status>(answer.status), head().version()};
        for (const auto& field : end_to_end(std::move(answer.headers)))
            if (to_head || !aq::detail::iequals(field.name, "Content-Length"))
                out.insert(field.name, field.value);
        out.body() = std::move(answer.body);
        out.keep_alive(head().keep_alive());
        if (!to_head) out.prepare_payload();
        return std::make_shared<const http_response>(std::move(out));
    }

    /// No answer to relay: `status` with the reason, which `leg.error` gives.
    void fail(unsigned status, aq::journal_forward leg) {
        const std::string reason = *leg.error;
        const auto answer = json_response(status,
                                          json::object{{"error", "forward failed"},
                                                       {"reason", reason},
                                                       {"url", delivery_.target.shown_url}},
                                          head());
        finish(std::move(leg), answer, " (" + reason + ")");
    }

    /// Journals both legs, reports the answer and hands it to the connection.
    void finish(aq::journal_forward leg, response_ptr answer, const std::string& note) {
        leg.url = delivery_.target.shown_url;
        state_.journal().amend(delivery_.journal_id, [&](aq::journal_entry& entry) {
            entry.forward = std::move(leg);
            entry.response.status = answer->result_int();
            entry.response.headers = header_fields(*answer);
            entry.response.body = answer->body();
        });
        report("<-- " + std::to_string(answer->result_int()) + " " +
               std::string(text_of(head().method_string())) + " " + delivery_.target.shown_url + note);
        std::exchange(ready_, nullptr)(std::move(answer));
    }

    void report(std::string line) const {
        if (const auto& sink = state_.settings().forward.report) sink(std::move(line));
    }

    receiver_state& state_;
    relayed_delivery delivery_;
    net::any_io_executor executor_;
    std::function<void(response_ptr)> ready_; // empty once answered
    std::optional<net::steady_timer> delay_;
    net::cancellation_signal cancelled_;
    bool sending_ = false;
};

} // namespace

std::vector<aq::header_field> end_to_end(std::vector<aq::header_field> fields) {
    const auto named = connection_options(fields);
    std::erase_if(fields, [&](const aq::header_field& field) { return is_hop_by_hop(field.name, named); });
    return fields;
}

std::shared_ptr<pending_response> relay_delivery(receiver_state& state, relayed_delivery delivery) {
    return std::make_shared<relay>(state, std::move(delivery));
}

} // namespace aqhook
