// The network side of the receiver: a listener and its connections, on Boost.Beast, around the
// request handler. It reads requests, hands them to the handler, writes the responses and keeps
// time; what a request means is the handler's business.
#pragma once

#include "request_handler.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace aqhook {

/// Filled from `mock_receiver_options` (receiver_options.hpp), whose defaults these are.
struct server_options {
    std::string host = aq::mock_receiver_options{}.host;
    std::uint16_t port = 0;
    std::size_t max_body = aq::mock_receiver_options{}.max_body;
    std::size_t max_header = 8 * 1024;
    std::size_t max_connections = aq::mock_receiver_options{}.max_connections;
    /// How long a connection may take to send a request or read a response (and may sit idle).
    std::chrono::milliseconds read_timeout = aq::mock_receiver_options{}.read_timeout;
    /// How long a `timeout` fault holds a connection at most, when the client never gives up.
    std::chrono::milliseconds fault_hold_limit = aq::mock_receiver_options{}.fault_hold_limit;
    /// One JSON object per request, from a thread of its own (log_queue.hpp); empty for no log.
    std::function<void(std::string_view)> log;
};

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

    std::uint16_t port() const;
    const std::string& host() const;

    /// Runs `threads` I/O threads in the background, each with its own I/O context; connections
    /// are shared out among them in turn.
    void start(unsigned threads);

    /// Stops accepting, answers pending waits at once (503), lets requests in flight finish
    /// (closing idle connections at once), and after `grace` ends whatever is left. Returns when
    /// every thread has finished.
    void stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

    /// Ends a `stop` under way at once, as if its grace had passed; callable from any thread.
    void end_grace();

    /// Adds a line to the log, after the lines of the requests answered so far.
    void log(std::string line);

    struct impl;

  private:
    std::unique_ptr<impl> impl_;
};

} // namespace aqhook
