// A small HTTP client for tests: one request on a fresh connection, or raw bytes, with timeouts.
#pragma once

#include <allquiet/webhook/signature.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <poll.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace test_support {

namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct http_result {
    boost::system::error_code error; ///< transport error; the response is valid only without one
    http::response<http::string_body> response;
    std::chrono::milliseconds elapsed{0};
};

/// A keep-alive connection that sends requests one after the other.
class http_connection {
  public:
    explicit http_connection(std::uint16_t port) : stream_(io_) {
        stream_.expires_after(std::chrono::seconds(5));
        stream_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    }

    http_result send(http::request<http::string_body> request,
                     std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        http_result result;
        const auto start = std::chrono::steady_clock::now();
        request.set(http::field::host, "127.0.0.1");
        request.prepare_payload();
        stream_.expires_after(timeout);
        http::async_write(stream_, request, [&](boost::system::error_code ec, std::size_t) {
            if (ec) {
                result.error = ec;
                return;
            }
            parser_.emplace();
            parser_->body_limit(std::uint64_t{1} << 30); // tests read whole journals
            http::async_read(stream_, buffer_, *parser_, [&](boost::system::error_code read_ec, std::size_t) {
                result.error = read_ec;
                if (!read_ec) result.response = parser_->release();
            });
        });
        io_.restart();
        io_.run();
        result.elapsed =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
        return result;
    }

    /// Writes raw bytes and returns whatever comes back until the server closes or `timeout`.
    std::string raw(const std::string& bytes, std::chrono::milliseconds timeout,
                    boost::system::error_code* error = nullptr) {
        std::string received;
        std::array<char, 4096> chunk;
        boost::system::error_code last;
        stream_.expires_after(timeout);
        std::function<void()> read_more = [&] {
            stream_.async_read_some(net::buffer(chunk), [&](boost::system::error_code ec, std::size_t n) {
                received.append(chunk.data(), n);
                if (ec) {
                    last = ec;
                    return;
                }
                read_more();
            });
        };
        net::async_write(stream_, net::buffer(bytes), [&](boost::system::error_code ec, std::size_t) {
            if (ec)
                last = ec;
            else
                read_more();
        });
        io_.restart();
        io_.run();
        if (error) *error = last;
        return received;
    }

  private:
    net::io_context io_;
    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buffer_;
    std::optional<http::response_parser<http::string_body>> parser_;
};

/// A blocking socket that writes bytes and can vanish without reading.
class raw_socket {
  public:
    explicit raw_socket(std::uint16_t port) : socket_(io_) {
        socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    }

    void write(std::string_view bytes) {
        boost::system::error_code ignored;
        net::write(socket_, net::buffer(bytes), ignored);
    }

    struct reading {
        std::string received; ///< what the server sent
        bool closed = false;  ///< whether it closed the connection before the timeout
    };

    /// Sends `piece` again and again, as a client that never ends its request does, until the
    /// server answers or closes, `max_bytes` are sent, or `timeout` passes. Returns the bytes sent.
    std::size_t stream(std::string_view piece, std::size_t max_bytes, std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        std::size_t sent = 0;
        socket_.non_blocking(true);
        while (sent < max_bytes && std::chrono::steady_clock::now() < deadline) {
            pollfd fd{socket_.native_handle(), POLLIN | POLLOUT, 0};
            if (::poll(&fd, 1, 100) <= 0) continue;
            if (fd.revents & (POLLIN | POLLERR | POLLHUP)) break; // an answer, or the server is gone
            boost::system::error_code ec;
            sent += socket_.write_some(net::buffer(piece), ec);
            if (ec && ec != net::error::would_block) break;
        }
        socket_.non_blocking(false);
        return sent;
    }

    /// Reads what the server sends until `end` arrives, or until `timeout` passes.
    std::string read_until(std::string_view end, std::chrono::milliseconds timeout) {
        std::string received;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (received.find(end) == std::string::npos) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            pollfd fd{socket_.native_handle(), POLLIN, 0};
            if (left <= std::chrono::milliseconds(0) || ::poll(&fd, 1, static_cast<int>(left.count())) <= 0)
                break;
            std::array<char, 4096> chunk;
            boost::system::error_code ec;
            received.append(chunk.data(), socket_.read_some(net::buffer(chunk), ec));
            if (ec) break;
        }
        return received;
    }

    /// Reads what the server sends until it closes the connection or `timeout` passes.
    reading read_until_closed(std::chrono::milliseconds timeout) {
        reading out;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        std::array<char, 4096> chunk;
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left <= std::chrono::milliseconds(0)) return out;
            pollfd fd{socket_.native_handle(), POLLIN, 0};
            if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0) return out;
            boost::system::error_code ec;
            out.received.append(chunk.data(), socket_.read_some(net::buffer(chunk), ec));
            if (ec) {
                out.closed = true;
                return out;
            }
        }
    }

    void hang_up() {
        boost::system::error_code ignored;
        socket_.close(ignored);
    }

    /// Drops the connection with a reset, as a client that crashes does.
    void vanish() {
        boost::system::error_code ignored;
        socket_.set_option(net::socket_base::linger(true, 0), ignored);
        socket_.close(ignored);
    }

  private:
    net::io_context io_;
    tcp::socket socket_;
};

/// One request on a fresh connection.
inline http_result http_send(std::uint16_t port, http::request<http::string_body> request,
                             std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    http_connection connection(port);
    return connection.send(std::move(request), timeout);
}

inline http::request<http::string_body> make_request(http::verb method, std::string target,
                                                     std::string body = {}) {
    http::request<http::string_body> request{method, target, 11};
    request.body() = std::move(body);
    return request;
}

/// Signs the request's body as All Quiet signs a delivery, stamped now.
inline void sign_request(http::request<http::string_body>& request, allquiet::webhook::signing_method method,
                         const std::string& secret) {
    const auto headers = allquiet::webhook::sign_now(method, secret, request.body());
    request.set(headers.signature.name, headers.signature.value);
    request.set(headers.timestamp.name, headers.timestamp.value);
}

/// A request with a JSON body, as the receiver's admin API wants for anything that changes it.
inline http::request<http::string_body> json_request(http::verb method, std::string target,
                                                     std::string body) {
    auto request = make_request(method, std::move(target), std::move(body));
    request.set(http::field::content_type, "application/json");
    return request;
}

} // namespace test_support
