#include "server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <mutex>
#include <optional>
#include <set>

namespace aqhook {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;
using boost::system::error_code;

/// How long to wait before accepting again after an error such as "too many open files".
constexpr auto accept_retry_delay = std::chrono::milliseconds(50);

/// A new connection's first read: what an idle connection costs before its client speaks.
constexpr std::size_t first_read_size = 512;
/// A connection's read buffer once its client has spoken: a delivery of a few KiB arrives in one
/// read instead of in many of the parser's 512-byte ones.
constexpr std::size_t read_buffer_size = 8 * 1024;
/// The largest body storage a connection keeps for its next request.
constexpr std::size_t kept_body_capacity = 64 * 1024;

// A connection's objects name their I/O context's executor type instead of the type-erased
// any_io_executor: every handler Beast and Asio run then skips the executor's type erasure.
using io_executor = net::io_context::executor_type;
using connection_socket = net::basic_stream_socket<tcp, io_executor>;
using connection_timer = net::basic_waitable_timer<std::chrono::steady_clock,
                                                   net::wait_traits<std::chrono::steady_clock>, io_executor>;

/// The status line and header fields of `response` into
/// `out` (whose capacity a connection reuses). Every answer carries its body whole with a
/// Content-Length, so the general serializer's chunking and buffer sequences go unused.
void write_head(const http_response& response, std::string& out) {
    const unsigned version = response.version();
    out.assign("HTTP/");
    out += {static_cast<char>('0' + version / 10), '.', static_cast<char>('0' + version % 10), ' '};
    const unsigned status = response.result_int();
    out += {static_cast<char>('0' + status / 100), static_cast<char>('0' + status / 10 % 10),
            static_cast<char>('0' + status % 10), ' '};
    // A code Beast has no phrase for gets none (RFC 9112 allows it) instead of "<unknown-status>".
    if (http::int_to_status(status) != http::status::unknown) {
        const auto reason = response.reason();
        out.append(reason.data(), reason.size());
    }
    out += "\r\n";
    for (const auto& field : response) {
        out.append(field.name_string().data(), field.name_string().size());
        out += ": ";
        out.append(field.value().data(), field.value().size());
        out += "\r\n";
    }
    out += "\r\n";
}

/// One I/O context per thread, each run by its own thread: a connection lives on one context
/// for its whole life, so its handlers never need a strand and never hop between threads.
struct io_thread {
    net::io_context context{1}; // concurrency hint: one thread, so Asio can skip its locking
    net::executor_work_guard<io_executor> keep_running = net::make_work_guard(context);
    std::thread thread;
};

struct server::impl {
    impl() : io(first_io_thread()), acceptor(io.front()->context), accept_retry(io.front()->context) {}

    static std::vector<std::unique_ptr<io_thread>> first_io_thread() {
        std::vector<std::unique_ptr<io_thread>> io;
        io.push_back(std::make_unique<io_thread>());
        return io;
    }

    /// The context the next connection goes to, round robin.
    net::io_context& next_context() { return io[next_io++ % io.size()]->context; }

    std::vector<std::unique_ptr<io_thread>> io;
    std::size_t next_io = 0; // used by the accepting thread only
    tcp::acceptor acceptor;
    net::steady_timer accept_retry;
    std::mutex sessions_mutex;
    std::set<std::weak_ptr<session>, std::owner_less<std::weak_ptr<session>>> sessions;
    bool stopping = false; // guarded by sessions_mutex
};

/// One connection: read a request, hand it to the handler, answer, repeat while kept alive.
class session : public std::enable_shared_from_this<session> {
  public:
    session(server& owner, connection_socket socket)
        : owner_(owner), socket_(std::move(socket)), timer_(socket_.get_executor()),
          deadline_timer_(socket_.get_executor()) {
        error_code ec;
        const auto endpoint = socket_.remote_endpoint(ec);
        if (!ec) {
            auto address = endpoint.address();
            if (address.is_v6() && address.to_v6().is_v4_mapped())
                address = net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6());
            peer_ = address.to_string();
        }
    }

    void start() {
        net::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->read_request(); });
    }

    /// Closes an idle connection now; a busy one closes after its answer.
    void stop() {
        net::post(socket_.get_executor(), [self = shared_from_this()] {
            self->closing_ = true;
            if (self->idle_)
                self->close();
            else if (self->holding_) {
                error_code ignored;
                self->socket_.cancel(ignored);
            }
        });
    }

  private:
    using clock = std::chrono::steady_clock;

    void read_request() {
        idle_ = true;
        if (closing_) return close();
        parser_.emplace();
        // The next body is read into the storage of the journal entry the last delivery dropped.
        if (memory_.entry->body.capacity() <= kept_body_capacity)
            parser_->get().body().swap(memory_.entry->body);
        memory_.entry->body = std::string();
        parser_->get().body().clear();
        parser_->header_limit(static_cast<std::uint32_t>(owner_.options_.max_header));
        parser_->body_limit(owner_.options_.max_body);
        set_deadline(owner_.options_.read_timeout);
        if (buffer_.capacity() < read_buffer_size) return read_first_bytes();
        read_rest();
    }

    /// A new connection holds a small buffer until its client speaks, then its working one.
    void read_first_bytes() {
        socket_.async_read_some(buffer_.prepare(first_read_size),
                                [self = shared_from_this()](error_code ec, std::size_t n) {
                                    if (ec) return self->on_read(ec);
                                    self->buffer_.commit(n);
                                    self->buffer_.reserve(read_buffer_size);
                                    self->read_rest();
                                });
    }

    void read_rest() {
        http::async_read(socket_, buffer_, *parser_,
                         [self = shared_from_this()](error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(error_code ec) {
        idle_ = false;
        clear_deadline();
        started_ = clock::now();
        if (ec == http::error::end_of_stream || ec == net::error::operation_aborted ||
            ec == net::error::connection_reset || ec == net::error::eof || ec == net::error::bad_descriptor)
            return close();
        if (ec == http::error::header_limit) return refuse(431, "request headers larger than the limit");
        if (ec == http::error::body_limit) return refuse(413, "request body larger than the limit");
        if (ec) return refuse(400, "malformed HTTP request: " + ec.message());

        request_ = parser_->release();
        auto result = handle_request(owner_.state_, request_, peer_, memory_);
        verification_ = std::move(result.verification);
        if (result.wait) return wait_for_journal(*result.wait);
        if (result.fault_kind == fault::reset) {
            log(0, "reset");
            error_code ignored;
            socket_.set_option(net::socket_base::linger(true, 0), ignored);
            return close();
        }
        if (result.fault_kind == fault::timeout) return hold();
        response_ = std::move(result.reply);
        if (result.delay.count() > 0) {
            timer_.expires_after(result.delay);
            timer_.async_wait([self = shared_from_this()](error_code) { self->write_response(); });
            return;
        }
        write_response();
    }

    /// Answers a request that cannot be read any further, then closes.
    void refuse(unsigned status, std::string reason) {
        verification_ = "-";
        request_ = {};
        request_.method_string("-");
        response_ = json_reply(status, boost::json::object{{"error", std::move(reason)}}, 11, false);
        write_response();
    }

    void wait_for_journal(const wait_instruction& wait) {
        waiting_done_ = false;
        timer_.expires_after(wait.timeout);
        auto& journal = owner_.state_.journal();
        waiter_ = journal.notify_at(wait.count, [self = shared_from_this()] {
            net::post(self->socket_.get_executor(), [self] { self->finish_wait(true); });
        });
        timer_.async_wait([self = shared_from_this()](error_code ec) {
            if (!ec) self->finish_wait(false);
        });
    }

    void finish_wait(bool reached) {
        if (waiting_done_) return;
        waiting_done_ = true;
        timer_.cancel();
        owner_.state_.journal().cancel(waiter_);
        response_ = wait_reply(owner_.state_, reached, request_.version(), request_.keep_alive());
        write_response();
    }

    /// A `timeout` fault: answer nothing until the client gives up (or the hold limit passes).
    void hold() {
        holding_ = true;
        set_deadline(owner_.options_.fault_hold_limit);
        socket_.async_read_some(net::buffer(discard_),
                                [self = shared_from_this()](error_code ec, std::size_t) {
                                    if (!ec) return self->hold();
                                    self->log(0, "timeout");
                                    self->close();
                                });
    }

    // The answer is sent from a posted handler, after the other connections whose requests the
    // same poll found ready have been read and handled, so a batch's answers go out back to back.
    // Under load that wakes the clients' threads with far fewer interrupts between cores
    // (docs/performance.md).
    void write_response() {
        set_deadline(owner_.options_.read_timeout);
        // A fixed answer is one shared response for every delivery it answers: its head is
        // written once per connection.
        if (response_ != head_of_) {
            write_head(*response_, head_);
            head_of_ = response_;
        }
        net::post(socket_.get_executor(), [self = shared_from_this()] { self->send_response(); });
    }

    void send_response() {
        const std::array<net::const_buffer, 2> message{net::buffer(head_), net::buffer(response_->body())};
        net::async_write(socket_, message, [self = shared_from_this()](error_code ec, std::size_t) {
            self->log(self->response_->result_int(), nullptr);
            if (ec || !self->response_->keep_alive() || self->closing_) return self->close();
            self->read_request();
        });
    }

    // A read or write that is not over by its deadline closes the connection. The deadline moves
    // with each request, but the timer is armed only when none is waiting or the deadline comes
    // sooner: a waiting timer that fires early re-arms itself for the current deadline, so a
    // request costs no timer operations.
    void set_deadline(std::chrono::milliseconds within) {
        deadline_ = clock::now() + within;
        if (deadline_ < watched_until_) watch_deadline();
    }

    void clear_deadline() { deadline_ = clock::time_point::max(); }

    void watch_deadline() {
        watched_until_ = deadline_;
        deadline_timer_.expires_at(deadline_); // cancels a wait in progress, whose handler is stale
        deadline_timer_.async_wait([self = shared_from_this(), watch = ++deadline_watch_](error_code ec) {
            if (watch != self->deadline_watch_) return;
            self->watched_until_ = clock::time_point::max();
            if (ec || self->deadline_ == clock::time_point::max()) return;
            if (clock::now() < self->deadline_) return self->watch_deadline();
            error_code ignored; // the pending read or write completes with operation_aborted
            self->socket_.close(ignored);
        });
    }

    void log(unsigned status, const char* fault_name) {
        if (!owner_.options_.log) return;
        const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - started_);
        boost::json::object line{{"time", aq::timestamp::now().text()},
                                 {"remote", peer_},
                                 {"method", std::string(request_.method_string())},
                                 {"target", std::string(request_.target())},
                                 {"verification", verification_},
                                 {"status", status},
                                 {"durationUs", elapsed.count()}};
        if (fault_name) line["fault"] = fault_name;
        owner_.options_.log(boost::json::serialize(line));
    }

    void close() {
        error_code ignored;
        timer_.cancel();
        deadline_timer_.cancel();
        socket_.shutdown(connection_socket::shutdown_both, ignored);
        socket_.close(ignored);
    }

    server& owner_;
    connection_socket socket_;
    connection_timer timer_;
    connection_timer deadline_timer_;
    clock::time_point deadline_ = clock::time_point::max();
    clock::time_point watched_until_ = clock::time_point::max(); // when the waiting timer fires
    std::uint64_t deadline_watch_ = 0; // which of the deadline timer's waits is current
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http_request request_;
    connection_memory memory_;
    std::shared_ptr<const http_response> response_;
    std::string head_;                             // the answer's status line and fields, as sent
    std::shared_ptr<const http_response> head_of_; // the response head_ was written for
    std::string peer_;
    std::string verification_;
    clock::time_point started_;
    std::uint64_t waiter_ = 0;
    bool waiting_done_ = true;
    bool idle_ = true;
    bool holding_ = false;
    bool closing_ = false;
    std::array<char, 512> discard_{};
};

server::server(receiver_state& state, server_options options)
    : options_(std::move(options)), state_(state), impl_(std::make_unique<impl>()) {
    const tcp::endpoint endpoint{net::ip::make_address(options_.host), options_.port};
    auto& acceptor = impl_->acceptor;
    acceptor.open(endpoint.protocol());
    acceptor.set_option(net::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(net::socket_base::max_listen_connections);
    port_ = acceptor.local_endpoint().port();
}

server::~server() { stop(std::chrono::milliseconds(0)); }

void server::accept_next() {
    impl_->acceptor.async_accept(
        impl_->next_context().get_executor(), [this](error_code ec, connection_socket socket) {
            if (!impl_->acceptor.is_open()) return;
            if (ec) { // such as too many open files: passing, so accept again after a pause
                impl_->accept_retry.expires_after(accept_retry_delay);
                impl_->accept_retry.async_wait([this](error_code wait_ec) {
                    if (!wait_ec && impl_->acceptor.is_open()) accept_next();
                });
                return;
            }
            auto s = std::make_shared<session>(*this, std::move(socket));
            {
                std::lock_guard lock(impl_->sessions_mutex);
                if (impl_->stopping) return;
                std::erase_if(impl_->sessions, [](const std::weak_ptr<session>& w) { return w.expired(); });
                impl_->sessions.insert(s);
            }
            s->start();
            accept_next();
        });
}

void server::start(unsigned threads) {
    while (impl_->io.size() < std::max(1u, threads))
        impl_->io.push_back(std::make_unique<io_thread>());
    net::post(impl_->acceptor.get_executor(), [this] { accept_next(); });
    for (auto& io : impl_->io)
        io->thread = std::thread([&context = io->context] { context.run(); });
}

void server::stop(std::chrono::milliseconds grace) {
    std::vector<std::shared_ptr<session>> live;
    {
        std::lock_guard lock(impl_->sessions_mutex);
        if (!impl_->stopping) {
            impl_->stopping = true;
            for (const auto& weak : impl_->sessions)
                if (auto s = weak.lock()) live.push_back(std::move(s));
        }
    }
    net::post(impl_->acceptor.get_executor(), [this] {
        error_code ignored;
        impl_->acceptor.close(ignored);
        impl_->accept_retry.cancel();
    });
    for (const auto& s : live)
        s->stop();
    live.clear();

    // Each I/O thread returns by itself once its last connection is gone; past the grace period
    // they are told to.
    for (auto& io : impl_->io)
        io->keep_running.reset();
    auto running = [this] {
        return std::any_of(impl_->io.begin(), impl_->io.end(),
                           [](const auto& io) { return !io->context.stopped(); });
    };
    const bool started = impl_->io.front()->thread.joinable();
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (started && running() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    for (auto& io : impl_->io) {
        io->context.stop();
        if (io->thread.joinable()) io->thread.join();
    }
}

} // namespace aqhook
