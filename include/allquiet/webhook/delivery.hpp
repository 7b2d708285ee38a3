// Sending a delivery as All Quiet does: sign the request, send it over http or https with a
// timeout, and read the answer (as an incident patch when the template asks for updates).
#pragma once

#include <allquiet/webhook/error.hpp>
#include <allquiet/webhook/incident.hpp>
#include <allquiet/webhook/patch.hpp>
#include <allquiet/webhook/request_template.hpp>
#include <allquiet/webhook/signature.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
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
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
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

/// The socket of one delivery under the one deadline of its whole exchange. A timer of its own
/// closes the socket when the deadline passes, whatever is under way. A timeout checked read by
/// read is lost when each read completes at once (a server streaming interim answers).
class deadline_socket {
  public:
    explicit deadline_socket(std::chrono::steady_clock::time_point deadline) {
        timer_.expires_at(deadline);
        timer_.async_wait([this](boost::system::error_code ec) {
            if (ec) return;
            expired_ = true;
            boost::system::error_code ignored;
            socket_.close(ignored);
        });
    }

    boost::asio::ip::tcp::socket& socket() { return socket_; }

    /// Starts an operation (`start` is given its completion handler) and runs the I/O until it
    /// ends: its error, or `timeout` when the deadline ended it.
    template <class Start>
    boost::system::error_code run(Start&& start) {
        std::optional<boost::system::error_code> result;
        start([&result](boost::system::error_code ec, auto&&...) { result = ec; });
        while (!result && io_.run_one() != 0) {
        }
        const auto ec = result.value_or(boost::asio::error::operation_aborted);
        return ec && expired_ ? boost::beast::error::timeout : ec;
    }

  private:
    boost::asio::io_context io_;
    boost::asio::ip::tcp::socket socket_{io_};
    boost::asio::steady_timer timer_{io_};
    bool expired_ = false;
};

using response_parser = boost::beast::http::response_parser<boost::beast::http::string_body>;

/// Reads the final answer into `parser`, past interim ones (100 Continue, 103 Early Hints: RFC
/// 9110 §15.2), whose heads count against the final one's limit so that no server can send them
/// without end. The read buffer's bound holds Beast's chunk lines and trailers, which it reads
/// whole without a limit of its own. The answer to a HEAD request has no body, whatever its
/// Content-Length says (RFC 9110 §9.3.2).
template <class Stream>
boost::system::error_code read_final_answer(deadline_socket& connection, Stream& stream,
                                            const delivery_options& options, bool to_head,
                                            std::optional<response_parser>& parser) {
    boost::beast::flat_buffer buffer(options.max_response_head);
    std::size_t head_left = options.max_response_head;
    for (;;) {
        parser.emplace();
        parser->header_limit(static_cast<std::uint32_t>(
            std::min<std::size_t>(head_left, std::numeric_limits<std::uint32_t>::max())));
        parser->body_limit(options.max_response_body);
        parser->skip(to_head);
        std::size_t head_size = 0;
        const auto ec = connection.run([&](auto done) {
            boost::beast::http::async_read(
                stream, buffer, *parser,
                [&head_size, done](boost::system::error_code read_ec, std::size_t n) {
                    head_size = n;
                    done(read_ec);
                });
        });
        if (ec) return ec;
        const unsigned status = parser->get().result_int();
        if (status < 100 || status >= 200 || status == 101) return {};
        head_left -= std::min(head_size, head_left);
    }
}

template <class Stream>
void exchange_http(deadline_socket& connection, Stream& stream, const http_request& request,
                   const delivery_options& options, delivery& out) {
    // Written out by the SDK rather than by Beast's message serializer: its composed write,
    // instantiated for the TLS stream, was most of the compile time of every file that sends.
    const std::string message = http_request_text(request, "\r\n");
    out.error = connection.run(
        [&](auto done) { boost::asio::async_write(stream, boost::asio::buffer(message), done); });
    std::optional<response_parser> parser;
    if (!out.error)
        out.error = read_final_answer(connection, stream, options, request.method == "HEAD", parser);
    if (out.error) return;
    received_response response;
    response.status = parser->get().result_int();
    for (const auto& field : parser->get())
        response.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    response.body = std::move(parser->get().body());
    out.response = std::move(response);
}

/// Resolves on a thread of its own and waits until the deadline at most. A resolver can take
/// longer than any timeout (getaddrinfo waits out an unreachable DNS server, and Asio's
/// resolver joins its thread when destroyed); past the deadline the thread is left to finish
/// alone, holding only its own copies.
inline std::vector<boost::asio::ip::tcp::endpoint>
resolve_before(const name_resolver& resolve, const std::string& host, std::uint16_t port,
               std::chrono::steady_clock::time_point deadline, boost::system::error_code& ec) {
    struct outcome {
        std::mutex lock;
        std::condition_variable finished;
        bool done = false;
        std::vector<boost::asio::ip::tcp::endpoint> endpoints;
        boost::system::error_code error;
    };
    auto shared = std::make_shared<outcome>();
    std::thread([shared, resolve, host, port] {
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
        const std::lock_guard hold(shared->lock);
        shared->endpoints = std::move(found);
        shared->error = error;
        shared->done = true;
        shared->finished.notify_one();
    }).detach();
    std::unique_lock hold(shared->lock);
    if (!shared->finished.wait_until(hold, deadline, [&] { return shared->done; })) {
        ec = boost::beast::error::timeout;
        return {};
    }
    ec = shared->error;
    return std::move(shared->endpoints);
}

/// The TLS handshake (certificate and host name checked unless turned off, SNI), then the
/// exchange over it.
inline void exchange_https(deadline_socket& connection, const http_request& request,
                           const delivery_options& options, delivery& out) {
    namespace ssl = boost::asio::ssl;
    ssl::context context(ssl::context::tls_client);
    context.set_default_verify_paths();
    if (options.ca_file) context.load_verify_file(*options.ca_file, out.error);
    if (out.error) return;
    context.set_verify_mode(options.verify_certificates ? ssl::verify_peer : ssl::verify_none);
    if (options.verify_certificates)
        context.set_verify_callback(ssl::host_name_verification(request.url.host));
    ssl::stream<boost::asio::ip::tcp::socket&> tls(connection.socket(), context);
    SSL_set_tlsext_host_name(tls.native_handle(), request.url.host.c_str());
    out.error = connection.run([&](auto done) { tls.async_handshake(ssl::stream_base::client, done); });
    if (!out.error) exchange_http(connection, tls, request, options, out);
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
    return ec.message();
}

} // namespace detail

/// Signs (when asked), sends and reads one request. Never throws for network trouble: the
/// result says what happened.
inline delivery deliver(const request_description& description, const delivery_options& options = {}) {
    namespace net = boost::asio;

    delivery out;
    out.incident_updates = description.enable_incident_updates;
    auto built = build_http_request(description);
    if (!built) {
        out.error = built.error().code;
        out.error_detail = built.error().message();
        return out;
    }
    out.request = std::move(*built);
    if (options.signing_method) {
        const auto signed_headers = sign(*options.signing_method, options.secret,
                                         timestamp(options.clock()).text(), out.request.body);
        out.request.headers.push_back(signed_headers.signature);
        out.request.headers.push_back(signed_headers.timestamp);
    }

    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + options.timeout;
    const auto& url = out.request.url;
    const auto endpoints = detail::resolve_before(options.resolve, url.host, url.port, deadline, out.error);
    detail::deadline_socket connection(deadline);
    if (!out.error)
        out.error =
            connection.run([&](auto done) { net::async_connect(connection.socket(), endpoints, done); });
    if (!out.error) {
        if (url.scheme == "https")
            detail::exchange_https(connection, out.request, options, out);
        else
            detail::exchange_http(connection, connection.socket(), out.request, options, out);
    }
    out.duration =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
    if (out.error) {
        out.error_detail = detail::describe_transport_error(out.error, options);
        return out;
    }
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
