// Reading a connection's requests one at a time by HTTP/1.1's framing rules (RFC 9112): the head
// within its limit, refused when its framing is ambiguous; then, when the session admits it, the
// body within its limit, after a 100 Continue when the client asks for one. What a request means is
// the handler's business, and time the session's.
#pragma once

#include "request_handler.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

#include <optional>
#include <string>

namespace aqhook {

// A connection's objects name their I/O context's executor type instead of the type-erased
// any_io_executor: every handler Beast and Asio run then skips the executor's type erasure.
using io_executor = boost::asio::io_context::executor_type;
using connection_socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, io_executor>;

/// A request's body: a string that grows as its bytes arrive. Beast's own string body reserves the
/// declared Content-Length up front, which lets a client that sends nothing more take `max_body`
/// of memory per connection.
struct request_body : http::string_body {
    class reader : public http::string_body::reader {
      public:
        using http::string_body::reader::reader;
        void init(const boost::optional<std::uint64_t>&, boost::system::error_code& ec) { ec = {}; }
    };
};
using request_parser = http::request_parser<request_body>;

/// How a read ended: what was asked for is there, the client has gone (nothing to answer), or the
/// request cannot be read (answer `status` with `reason`, then close).
struct read_outcome {
    enum class kind { ready, gone, refused } what = kind::ready;
    unsigned status = 0;
    std::string reason;

    static read_outcome ready() { return {}; }
    static read_outcome gone() { return {kind::gone, 0, {}}; }
    static read_outcome refused(unsigned status, std::string reason) {
        return {kind::refused, status, std::move(reason)};
    }
};

/// Why a request's head is refused before its body is read (400, RFC 9112 §3.2, §6.1 and §6.3).
std::optional<std::string> ambiguous_head(const request_parser& parser);

/// What a failed read of a request means for its client.
read_outcome read_failure(boost::system::error_code ec, std::size_t buffer_limit);

class request_reader {
  public:
    /// A connection's read buffer once its client has spoken: a delivery of a few KiB arrives in
    /// one read instead of in many of the parser's 512-byte ones. Idle connections stay at 512 bytes.
    static constexpr std::size_t busy_buffer_size = 8 * 1024;

    request_reader(connection_socket& socket, std::size_t max_header, std::size_t max_body)
        : socket_(socket), buffer_(max_header + busy_buffer_size), max_header_(max_header),
          max_body_(max_body) {
        boost::system::error_code ignored; // asynchronous reads ignore it; the hang-up watch's must not block
        socket_.non_blocking(true, ignored);
    }

    /// Reads the next request's head; `done(read_outcome)`, refused when it is malformed, too large
    /// or ambiguous. The head is then `head()`.
    template <class Done>
    void read_head(Done done) {
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(max_header_));
        parser_->body_limit(max_body_);
        http::async_read_header(socket_, buffer_, *parser_,
                                [this, done = std::move(done)](boost::system::error_code ec, std::size_t) mutable {
                                    if (ec) return done(read_failure(ec, buffer_.max_size()));
                                    if (auto problem = ambiguous_head(*parser_))
                                        return done(read_outcome::refused(400, "malformed HTTP request: " + *problem));
                                    done(read_outcome::ready());
                                });
    }

    const http::request_header<>& head() const { return parser_->get(); }

    /// The head as far as it was read, for a request answered before its body is read (the body
    /// never is: the connection closes after the answer); a request whose head could not be read
    /// has method "-", as the log shows it.
    http_request head_only() const {
        http_request request;
        if (parser_ && parser_->is_header_done())
            request = http_request(parser_->get().base());
        else
            request.method_string("-");
        request.keep_alive(false);
        return request;
    }

    /// Reads the body of the request whose head was read, inviting it first with a 100 Continue
    /// when the client waits for one; `done(read_outcome)`. The request is then `release()`.
    template <class Done>
    void read_body(Done done) {
        buffer_.reserve(busy_buffer_size);
        if (!expects_continue()) return read_rest(std::move(done));
        static constexpr std::string_view go_on = "HTTP/1.1 100 Continue\r\n\r\n";
        boost::asio::async_write(socket_, boost::asio::buffer(go_on),
                                 [this, done = std::move(done)](boost::system::error_code ec, std::size_t) mutable {
                                     if (ec) return done(read_outcome::gone());
                                     read_rest(std::move(done));
                                 });
    }

    /// The request read whole.
    http_request release() {
        auto message = parser_->release();
        return http_request(std::move(message.base()), std::move(message.body()));
    }

    /// While the session waits to answer, a client that hangs up should release its connection at
    /// once: calls `hung_up()` when it does. Bytes that come meanwhile (a pipelined request) are
    /// read into the buffer for the next request, so that a close behind them is still seen; once
    /// they fill the buffer, or when `still_waiting()` is false, it stops watching.
    template <class StillWaiting, class HungUp>
    void watch_for_hang_up(StillWaiting still_waiting, HungUp hung_up) {
        if (watching_) return;
        watching_ = true;
        socket_.async_wait(connection_socket::wait_read,
                           [this, still_waiting, hung_up](boost::system::error_code ec) mutable {
                               watching_ = false;
                               if (ec || !still_waiting()) return;
                               const std::size_t room = buffer_.max_size() - buffer_.size();
                               if (room == 0) return;
                               boost::system::error_code read_ec; // non-blocking: takes what has arrived
                               buffer_.commit(socket_.read_some(buffer_.prepare(room), read_ec));
                               if (read_ec && read_ec != boost::asio::error::would_block) return hung_up();
                               watch_for_hang_up(std::move(still_waiting), std::move(hung_up));
                           });
    }

  private:
    bool expects_continue() const;

    template <class Done>
    void read_rest(Done done) {
        http::async_read(socket_, buffer_, *parser_,
                         [this, done = std::move(done)](boost::system::error_code ec, std::size_t) mutable {
                             done(ec ? read_failure(ec, buffer_.max_size()) : read_outcome::ready());
                         });
    }

    connection_socket& socket_;
    boost::beast::flat_buffer buffer_; // bounded: a head, chunk line or trailer that never ends cannot grow it
    std::optional<request_parser> parser_;
    std::size_t max_header_, max_body_;
    bool watching_ = false; // a wait for the client's hang-up is under way
};

} // namespace aqhook
