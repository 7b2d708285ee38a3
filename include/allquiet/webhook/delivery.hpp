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
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace allquiet::webhook {

/// How a delivery is sent.
struct delivery_options {
    /// Sign with this method and `secret`; unsigned when empty.
    std::optional<webhook::signing_method> signing_method;
    std::string secret;
    /// The time stamped on the signature.
    std::function<time_point()> clock = [] { return time_point(std::chrono::system_clock::now()); };
    /// For the whole exchange: resolving, connecting, TLS, sending and reading the answer.
    std::chrono::milliseconds timeout = std::chrono::seconds(30);
    /// Check the server's certificate and host name (https); on by default.
    bool verify_certificates = true;
    /// A PEM file of certificate authorities to trust besides the system's (a test CA, say).
    std::optional<std::string> ca_file;
    /// Longest answer body read; a longer one is a transport error.
    std::size_t max_response_body = 1 << 20;
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
    /// With `enableIncidentUpdates` and a 2xx answer: the body read as a patch, or why it is not one.
    std::optional<result<webhook::patch>> patch;

    /// An answer with a 2xx status arrived.
    bool succeeded() const { return !error && response && response->status >= 200 && response->status < 300; }
};

namespace detail {

template <class Stream>
void exchange_http(Stream& stream, boost::beast::tcp_stream& transport, const http_request& request,
                   const delivery_options& options, std::chrono::steady_clock::time_point deadline,
                   delivery& out, boost::asio::io_context& io) {
    namespace http = boost::beast::http;
    http::request<http::string_body> message{http::string_to_verb(request.method), request.url.target, 11};
    if (message.method() == http::verb::unknown) message.method_string(request.method);
    for (const auto& h : request.headers)
        message.insert(h.name, h.value);
    message.body() = request.body;

    boost::beast::flat_buffer buffer;
    std::optional<http::response_parser<http::string_body>> parser;
    // Interim answers (100 Continue, 103 Early Hints) come before the final one and are skipped
    // (RFC 9110 §15.2); the deadline bounds how many a server may send.
    std::function<void()> read_answer = [&] {
        parser.emplace();
        parser->body_limit(options.max_response_body);
        http::async_read(stream, buffer, *parser, [&](boost::system::error_code read_ec, std::size_t) {
            out.error = read_ec;
            const unsigned status = parser->get().result_int();
            if (!read_ec && status >= 100 && status < 200 && status != 101) read_answer();
        });
    };
    transport.expires_at(deadline);
    http::async_write(stream, message, [&](boost::system::error_code ec, std::size_t) {
        if (ec) {
            out.error = ec;
            return;
        }
        transport.expires_at(deadline);
        read_answer();
    });
    io.run();
    io.restart();
    if (out.error) return;
    received_response response;
    response.status = parser->get().result_int();
    for (const auto& field : parser->get())
        response.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    response.body = parser->get().body();
    out.response = std::move(response);
}

inline std::string describe_transport_error(const boost::system::error_code& ec,
                                            const delivery_options& options) {
    if (ec == boost::beast::error::timeout)
        return "no answer within " + std::to_string(options.timeout.count()) + " ms";
    if (ec == boost::asio::error::connection_refused) return "connection refused";
    if (ec == boost::asio::error::connection_reset || ec == boost::beast::http::error::end_of_stream ||
        ec == boost::asio::error::eof)
        return "connection closed without an answer";
    if (ec == boost::beast::http::error::body_limit) return "answer body larger than the limit";
    return ec.message();
}

} // namespace detail

/// Signs (when asked), sends and reads one request. Never throws for network trouble: the
/// result says what happened.
inline delivery deliver(const request_description& description, const delivery_options& options = {}) {
    namespace net = boost::asio;
    namespace ssl = boost::asio::ssl;
    using tcp = net::ip::tcp;

    delivery out;
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
    net::io_context io;
    boost::beast::tcp_stream transport(io);
    const auto& url = out.request.url;

    // Resolve and connect under the same deadline.
    tcp::resolver resolver(io);
    resolver.async_resolve(url.host, std::to_string(url.port),
                           [&](boost::system::error_code ec, tcp::resolver::results_type found) {
                               if (ec) {
                                   out.error = ec;
                                   return;
                               }
                               transport.expires_at(deadline);
                               transport.async_connect(found,
                                                       [&](boost::system::error_code connect_ec,
                                                           const tcp::endpoint&) { out.error = connect_ec; });
                           });
    io.run_until(deadline + std::chrono::milliseconds(50));
    io.restart();
    if (!out.error && !transport.socket().is_open()) out.error = boost::beast::error::timeout;

    if (!out.error) {
        if (url.scheme == "https") {
            ssl::context context(ssl::context::tls_client);
            context.set_default_verify_paths();
            if (options.ca_file) context.load_verify_file(*options.ca_file, out.error);
            context.set_verify_mode(options.verify_certificates ? ssl::verify_peer : ssl::verify_none);
            if (options.verify_certificates)
                context.set_verify_callback(ssl::host_name_verification(url.host));
            boost::beast::ssl_stream<boost::beast::tcp_stream&> tls(transport, context);
            SSL_set_tlsext_host_name(tls.native_handle(), url.host.c_str());
            if (!out.error) {
                transport.expires_at(deadline);
                tls.async_handshake(ssl::stream_base::client,
                                    [&](boost::system::error_code ec) { out.error = ec; });
                io.run();
                io.restart();
            }
            if (!out.error) detail::exchange_http(tls, transport, out.request, options, deadline, out, io);
        } else {
            detail::exchange_http(transport, transport, out.request, options, deadline, out, io);
        }
    }
    out.duration =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
    if (out.error) {
        out.error_detail = detail::describe_transport_error(out.error, options);
        return out;
    }
    if (description.enable_incident_updates && out.succeeded()) out.patch = parse_patch(out.response->body);
    return out;
}

/// The incident after the delivery's patch: an error when the template did not ask for updates,
/// no 2xx answer came, or the answer is not a valid patch; the incident itself is never changed.
inline result<incident> apply_delivery(const incident& target, const delivery& sent,
                                       const apply_options& options = {}) {
    if (!sent.patch) {
        return input_error{error::missing_member,
                           {},
                           sent.succeeded() ? "the template does not set enableIncidentUpdates"
                                            : "no 2xx answer to read a patch from"};
    }
    if (!*sent.patch) return sent.patch->error();
    return apply_patch(target, sent.patch->value(), options);
}

} // namespace allquiet::webhook
