// The network side of the receiver: Boost.Beast listener and sessions around the pure handler.
#pragma once

#include "request_handler.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace aqhook {

struct server_options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    std::size_t max_body = 1 << 20;
    std::size_t max_header = 8 * 1024;
    /// How long a connection may take to send a request (and how long it may sit idle).
    std::chrono::milliseconds read_timeout = std::chrono::seconds(30);
    /// How long a `timeout` fault holds a connection at most, when the client never gives up.
    std::chrono::milliseconds fault_hold_limit = std::chrono::minutes(5);
    /// One JSON object per request; empty for no log.
    std::function<void(std::string_view)> log;
};

class session;

/// `http://HOST:PORT`, with an IPv6 host in brackets.
inline std::string listening_url(const std::string& host, std::uint16_t port) {
    const bool v6 = host.find(':') != std::string::npos;
    return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

/// Listens on construction; `start` runs the I/O threads, `stop` ends gracefully.
class server {
  public:
    /// Binds and listens; throws `boost::system::system_error` when it cannot.
    server(receiver_state& state, server_options options);
    ~server();

    std::uint16_t port() const { return port_; }
    const std::string& host() const { return options_.host; }

    /// Runs `threads` I/O threads in the background, each with its own I/O context; connections
    /// are shared out among them in turn.
    void start(unsigned threads);

    /// Stops accepting, lets requests in flight finish (closing idle connections at once), and
    /// after `grace` ends whatever is left. Returns when every I/O thread has finished.
    void stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

  private:
    friend class session;

    struct impl;

    void accept_next();

    server_options options_;
    receiver_state& state_;
    std::unique_ptr<impl> impl_;
    std::uint16_t port_ = 0;
};

} // namespace aqhook
