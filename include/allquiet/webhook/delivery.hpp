// Sending a delivery as All Quiet does: sign the request, send it over http or https with a
// timeout, and read the answer (as an incident patch when the template asks for updates). The
// exchange itself is asynchronous and runs on any executor (`async_send_request`, for a program
// that sends many at once); `deliver` and `send_request` wait for it.
#pragma once

#include <allquiet/webhook/error.hpp>
#include <allquiet/webhook/incident.hpp>
#include <allquiet/webhook/patch.hpp>
#include <allquiet/webhook/request_template.hpp>
#include <allquiet/webhook/signature.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace allquiet::webhook {

/// Turns a host name and port into addresses to try in order; throws `boost::system::system_error`
/// when the name has none.
using name_resolver =
    std::function<std::vector<boost::asio::ip::tcp::endpoint>(const std::string& host, std::uint16_t port)>;

/// The system's resolver (getaddrinfo), blocking.
inline std::vector<boost::asio::ip::tcp::endpoint> system_resolve(const std::string& host,
                                                                  std::uint16_t port) {
    boost::asio::io_context io;
    boost::asio::ip::tcp::resolver resolver(io);
    std::vector<boost::asio::ip::tcp::endpoint> out;
    for (const auto& entry : resolver.resolve(host, std::to_string(port)))
        out.push_back(entry.endpoint());
    return out;
}

/// How a delivery is sent.
struct delivery_options {
    /// Sign with this method and `secret`; unsigned when empty.
    std::optional<webhook::signing_method> signing_method;
    std::string secret;
    /// The time stamped on the signature.
    std::function<time_point()> clock = [] { return time_point(std::chrono::system_clock::now()); };
    /// For the whole exchange: resolving, connecting, TLS, sending and reading the answer (and
    /// every interim answer before it), whatever the server does.
    std::chrono::milliseconds timeout = std::chrono::seconds(30);
    /// Check the server's certificate and host name (https); on by default.
    bool verify_certificates = true;
    /// A PEM file of certificate authorities to trust besides the system's (a test CA, say).
    std::optional<std::string> ca_file;
    /// Longest answer body read; a longer one is a transport error.
    std::size_t max_response_body = 1 << 20;
    /// Longest answer head (status line and headers, the interim answers before it included),
    /// and longest chunk line or trailer section; longer is a transport error.
    std::size_t max_response_head = 64 << 10;
    /// How the URL's host becomes addresses: the system's resolver, or one that pins names to
    /// addresses. It runs on a thread of its own, so `timeout` holds however long it takes; it
    /// may outlive the call when it overruns, so it must own what it uses.
    name_resolver resolve = system_resolve;
};

/// The receiver's answer.
struct received_response {
    unsigned status = 0;
    std::vector<header_field> headers;
    std::string body;
};

/// One delivery: what was sent, and what came back or why nothing did.
struct delivery {
    /// The request as sent, signature headers included.
    http_request request;
    /// The answer; empty on a transport error.
    std::optional<received_response> response;
    /// The transport error (timeout, refused, reset, TLS), with `error_detail` saying more.
    boost::system::error_code error;
    std::string error_detail;
    std::chrono::microseconds duration{0};
    /// The template asked for incident updates (`enableIncidentUpdates`).
    bool incident_updates = false;
    /// With incident updates and a 2xx answer that has a body: the body read as a patch, or why
    /// it is not one. An answer without a body (204, or 200 with none) is no patch: nothing
    /// changes. `{}` is a body, and not a patch: the public API refuses a patch without operations.
    std::optional<result<webhook::patch>> patch;

    /// An answer with a 2xx status arrived.
    bool succeeded() const { return !error && response && response->status >= 200 && response->status < 300; }
};

namespace detail {

using response_parser = boost::beast::http::response_parser<boost::beast::http::string_body>;

/// Where a name resolved on a thread of its own is handed back: to the exchange that waits for it,
/// unless that exchange has stopped waiting (its deadline passed, it was cancelled or destroyed). A
/// resolver can take longer than any timeout (getaddrinfo waits out an unreachable DNS server, and
/// Asio's resolver joins its thread when destroyed): its thread is then left to finish alone,
/// holding only its own copies and this.
class resolution_handoff {
  public:
    using receiver =
        std::function<void(std::vector<boost::asio::ip::tcp::endpoint>, boost::system::error_code)>;

    explicit resolution_handoff(receiver waiting) : waiting_(std::move(waiting)) {}

    /// Hands the outcome to the exchange, if it still waits.
    void hand_over(std::vector<boost::asio::ip::tcp::endpoint> found, boost::system::error_code error) {
        const std::lock_guard hold(lock_);
        if (waiting_) waiting_(std::move(found), error);
    }

    /// The exchange waits no longer: once this returns, nothing is handed over.
    void abandon() {
        const std::lock_guard hold(lock_);
        waiting_ = nullptr;
    }

  private:
    std::mutex lock_;
    receiver waiting_;
};

/// Resolves `host` on a thread of its own and hands the addresses, or the error, to `handoff`.
inline void resolve_off_thread(const name_resolver& resolve, const std::string& host, std::uint16_t port,
                               std::shared_ptr<resolution_handoff> handoff) {
    std::thread([handoff = std::move(handoff), resolve, host, port] {
        std::vector<boost::asio::ip::tcp::endpoint> found;
        boost::system::error_code error;
        try {
            found = resolve(host, port);
        } catch (const boost::system::system_error& e) {
            error = e.code();
        } catch (...) {
            error = boost::asio::error::host_not_found;
        }
        if (!error && found.empty()) error = boost::asio::error::host_not_found;
        handoff->hand_over(std::move(found), error);
    }).detach();
}

inline std::string describe_transport_error(const boost::system::error_code& ec,
                                            const delivery_options& options) {
    if (ec == boost::beast::error::timeout)
        return "no answer within " + std::to_string(options.timeout.count()) + " ms";
    if (ec == boost::asio::error::connection_refused) return "connection refused";
    if (ec == boost::asio::error::host_not_found || ec == boost::asio::error::host_not_found_try_again)
        return "the host name has no address (" + ec.message() + ")";
    if (ec == boost::asio::error::connection_reset || ec == boost::beast::http::error::end_of_stream ||
        ec == boost::asio::error::eof)
        return "connection closed without an answer";
    if (ec == boost::beast::http::error::header_limit)
        return "answer head larger than " + std::to_string(options.max_response_head) +
               " bytes (interim answers included)";
    if (ec == boost::beast::http::error::buffer_overflow)
        return "answer chunk line or trailers larger than " + std::to_string(options.max_response_head) +
               " bytes";
    if (ec == boost::beast::http::error::body_limit)
        return "answer body larger than " + std::to_string(options.max_response_body) + " bytes";
    if (ec == boost::asio::error::operation_aborted) return "cancelled";
    return ec.message();
}

/// One exchange on an executor: resolve (off the executor's threads), connect, TLS for https,
/// write the request, read the final answer. Every step runs on the executor; no thread of it
/// ever waits. One timer keeps the deadline of the whole exchange and closes the socket when it
/// passes, whatever is under way: a timeout checked read by read is lost when each read completes
/// at once (a server streaming interim answers).
class exchange : public std::enable_shared_from_this<exchange> {
  public:
    using completion = std::function<void(delivery)>;

    exchange(const boost::asio::any_io_executor& executor, http_request request, delivery_options options,
             completion done)
        : executor_(executor), options_(std::move(options)), done_(std::move(done)), socket_(executor),
          deadline_(executor), buffer_(options_.max_response_head), head_left_(options_.max_response_head) {
        out_.request = std::move(request);
    }

    exchange(const exchange&) = delete;
    exchange& operator=(const exchange&) = delete;

    ~exchange() {
        if (handoff_) handoff_->abandon();
    }

    /// Starts the deadline and the name's resolution; `slot`, when connected, cancels the exchange.
    void start(boost::asio::cancellation_slot slot) {
        started_ = std::chrono::steady_clock::now();
        if (slot.is_connected())
            slot.assign([weak = weak_from_this()](boost::asio::cancellation_type) {
                if (const auto self = weak.lock()) self->end_early(self->cancelled_);
            });
        deadline_.expires_after(options_.timeout);
        deadline_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
            if (!ec) self->end_early(self->expired_);
        });
        resolve();
    }

  private:
    using endpoint = boost::asio::ip::tcp::endpoint;

    /// The deadline passed, or the exchange was cancelled (`why` says which): what is under way
    /// ends now, with `timeout` or `operation_aborted`.
    void end_early(bool& why) {
        if (finished_) return;
        why = true;
        if (resolving_) return finish(boost::asio::error::operation_aborted);
        boost::system::error_code ignored;
        socket_.close(ignored);
    }

    void resolve() {
        resolving_ = true;
        handoff_ = std::make_shared<resolution_handoff>(
            [weak = weak_from_this(), executor = executor_](std::vector<endpoint> found,
                                                            boost::system::error_code ec) {
                boost::asio::post(executor, [weak, found = std::move(found), ec]() mutable {
                    if (const auto self = weak.lock()) self->resolved(std::move(found), ec);
                });
            });
        try {
            resolve_off_thread(options_.resolve, out_.request.url.host, out_.request.url.port, handoff_);
        } catch (const std::system_error& e) { // no thread to be had
            finish(e.code());
        }
    }

    void resolved(std::vector<endpoint> found, boost::system::error_code ec) {
        if (finished_) return;
        resolving_ = false;
        handoff_.reset();
        if (ec) return finish(ec);
        endpoints_ = std::move(found);
        boost::asio::async_connect(
            socket_, endpoints_, [self = shared_from_this()](boost::system::error_code ec, const endpoint&) {
                if (ec) return self->finish(ec);
                self->connected();
            });
    }

    /// The TLS handshake for https (certificate and host name checked unless turned off, SNI),
    /// then the request.
    void connected() {
        namespace ssl = boost::asio::ssl;
        if (out_.request.url.scheme != "https") return write(socket_);
        boost::system::error_code ec;
        auto& context = tls_context_.emplace(ssl::context::tls_client);
        context.set_default_verify_paths(ec);
        if (!ec && options_.ca_file) context.load_verify_file(*options_.ca_file, ec);
        if (ec) return finish(ec);
        context.set_verify_mode(options_.verify_certificates ? ssl::verify_peer : ssl::verify_none);
        if (options_.verify_certificates)
            context.set_verify_callback(ssl::host_name_verification(out_.request.url.host));
        auto& tls = tls_.emplace(socket_, context);
        SSL_set_tlsext_host_name(tls.native_handle(), out_.request.url.host.c_str());
        tls.async_handshake(ssl::stream_base::client,
                            [self = shared_from_this()](boost::system::error_code ec) {
                                if (ec) return self->finish(ec);
                                self->write(*self->tls_);
                            });
    }

    template <class Stream>
    void write(Stream& stream) {
        // Written out by the SDK rather than by Beast's message serializer: its composed write,
        // instantiated for the TLS stream, was most of the compile time of every file that sends.
        message_ = http_request_text(out_.request, "\r\n");
        boost::asio::async_write(
            stream, boost::asio::buffer(message_),
            [self = shared_from_this(), &stream](boost::system::error_code ec, std::size_t) {
                if (ec) return self->finish(ec);
                self->read(stream);
            });
    }

    /// Reads an answer; past interim ones (100 Continue, 103 Early Hints: RFC 9110 §15.2), reads
    /// again, their heads counting against the final one's limit so that no server can send them
    /// without end. The read buffer's bound holds Beast's chunk lines and trailers, which it reads
    /// whole without a limit of its own. The answer to a HEAD request has no body, whatever its
    /// Content-Length says (RFC 9110 §9.3.2).
    template <class Stream>
    void read(Stream& stream) {
        auto& parser = parser_.emplace();
        parser.header_limit(static_cast<std::uint32_t>(
            std::min<std::size_t>(head_left_, std::numeric_limits<std::uint32_t>::max())));
        parser.body_limit(options_.max_response_body);
        parser.skip(out_.request.method == "HEAD");
        boost::beast::http::async_read(
            stream, buffer_, parser,
            [self = shared_from_this(), &stream](boost::system::error_code ec, std::size_t head_size) {
                if (ec) return self->finish(ec);
                const unsigned status = self->parser_->get().result_int();
                if (status < 100 || status >= 200 || status == 101) return self->finish({});
                self->head_left_ -= std::min(head_size, self->head_left_);
                self->read(stream);
            });
    }

    /// Ends the exchange (once): its outcome goes to the completion handler, through the executor.
    void finish(boost::system::error_code ec) {
        if (finished_) return;
        finished_ = true;
        if (handoff_) handoff_->abandon();
        deadline_.cancel();
        if (ec && cancelled_)
            ec = boost::asio::error::operation_aborted;
        else if (ec && expired_)
            ec = boost::beast::error::timeout;
        out_.error = ec;
        out_.duration = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - started_);
        if (ec)
            out_.error_detail = describe_transport_error(ec, options_);
        else
            out_.response = answer();
        boost::system::error_code ignored;
        socket_.close(ignored);
        boost::asio::post(
            executor_, [done = std::move(done_), out = std::move(out_)]() mutable { done(std::move(out)); });
    }

    received_response answer() {
        received_response response;
        response.status = parser_->get().result_int();
        for (const auto& field : parser_->get())
            response.headers.push_back({std::string(field.name_string()), std::string(field.value())});
        response.body = std::move(parser_->get().body());
        return response;
    }

    boost::asio::any_io_executor executor_;
    delivery_options options_;
    completion done_;
    delivery out_;
    std::chrono::steady_clock::time_point started_;
    std::shared_ptr<resolution_handoff> handoff_;
    std::vector<endpoint> endpoints_;
    boost::asio::ip::tcp::socket socket_;
    boost::asio::steady_timer deadline_;
    std::optional<boost::asio::ssl::context> tls_context_;
    std::optional<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
    std::string message_;
    boost::beast::flat_buffer buffer_;
    std::size_t head_left_;
    std::optional<response_parser> parser_;
    bool resolving_ = false;
    bool expired_ = false;
    bool cancelled_ = false;
    bool finished_ = false;
};

} // namespace detail

/// Sends `request` exactly as it is (its headers and body as given: nothing is added or signed,
/// `options.signing_method` is not used) and reads the final answer, within `options`' bounds and
/// the one deadline of `options.timeout`. Every step runs on `executor`, none of whose threads
/// ever waits: the name resolves on a thread of its own (`options.resolve`), whose result is
/// posted back. Completes once, on `executor`, with the `delivery` (the request, the answer or the
/// transport error, the duration); never throws for network trouble. `token` is an Asio
/// completion token (a handler `void(aq::delivery)`, `use_future`, ...); a cancellation slot
/// bound to it (`bind_cancellation_slot`) cancels the exchange when its signal is emitted on
/// `executor`: it then ends at once with `boost::asio::error::operation_aborted`.
template <class CompletionToken>
auto async_send_request(const boost::asio::any_io_executor& executor, http_request request,
                        delivery_options options, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(delivery)>(
        [](auto handler, const boost::asio::any_io_executor& on, http_request sent, delivery_options how) {
            const boost::asio::cancellation_slot slot =
                boost::asio::get_associated_cancellation_slot(handler);
            auto held = std::make_shared<decltype(handler)>(std::move(handler));
            std::make_shared<detail::exchange>(on, std::move(sent), std::move(how), [held](delivery done) {
                auto complete = std::move(*held);
                std::move(complete)(std::move(done));
            })->start(slot);
        },
        token, executor, std::move(request), std::move(options));
}

/// `async_send_request` on an I/O context of its own, waited for: sends `request` as it is and
/// returns what happened. Never throws for network trouble.
inline delivery send_request(http_request request, const delivery_options& options = {}) {
    boost::asio::io_context io;
    delivery out;
    async_send_request(io.get_executor(), std::move(request), options,
                       [&out](delivery sent) { out = std::move(sent); });
    io.run();
    return out;
}

/// Builds the request a description gives, signs it (when asked), sends it (`send_request`) and
/// reads the answer, as a patch when the description asks for incident updates. Never throws for
/// network trouble: the result says what happened.
inline delivery deliver(const request_description& description, const delivery_options& options = {}) {
    auto built = build_http_request(description);
    if (!built) {
        delivery out;
        out.incident_updates = description.enable_incident_updates;
        out.error = built.error().code;
        out.error_detail = built.error().message();
        return out;
    }
    if (options.signing_method) {
        const auto signed_headers =
            sign(*options.signing_method, options.secret, timestamp(options.clock()).text(), built->body);
        built->headers.push_back(signed_headers.signature);
        built->headers.push_back(signed_headers.timestamp);
    }
    delivery out = send_request(std::move(*built), options);
    out.incident_updates = description.enable_incident_updates;
    if (out.incident_updates && out.succeeded() && !out.response->body.empty())
        out.patch = parse_patch(out.response->body);
    return out;
}

/// The incident after the delivery's patch, on a copy: unchanged for a 2xx answer without a
/// body; an error when the template did not ask for updates, no 2xx answer came, or the body is
/// not a valid patch.
inline result<incident> apply_delivery(const incident& target, const delivery& sent,
                                       const apply_options& options = {}) {
    if (!sent.incident_updates)
        return input_error{error::updates_not_enabled, {}, "the template does not set enableIncidentUpdates"};
    if (!sent.succeeded())
        return input_error{error::no_success_answer, {}, "nothing to read a patch from"};
    if (!sent.patch) return target; // an answer without a body changes nothing
    if (!*sent.patch) return sent.patch->error();
    return apply_patch(target, sent.patch->value(), options);
}

} // namespace allquiet::webhook
