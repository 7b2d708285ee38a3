#include "server.hpp"
#include "log_queue.hpp"
#include "request_reader.hpp"
#include "text_encoding.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <atomic>
#include <array>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace aqhook {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using boost::system::error_code;

namespace {

/// How long to wait before accepting again after an error such as "too many open files", or while
/// the connection limit is reached.
constexpr auto accept_retry_delay = std::chrono::milliseconds(50);
/// How long the connections ended at the close of the grace period have to say so (log lines,
/// journal entries) before the I/O threads are stopped.
constexpr auto abandon_limit = std::chrono::seconds(1);

} // namespace

/// A connection's one timer, set for whichever phase is current (the read deadline, the write
/// deadline, a delay, a hold). Setting it again supersedes the previous setting: a counter tells a
/// stale expiry from the current one, which a cancelled wait already under way cannot.
class connection_deadline {
  public:
    explicit connection_deadline(const io_executor& executor) : timer_(executor) {}

    /// Calls `on_expiry()` after `after`, unless set again or cleared first.
    template <class OnExpiry>
    void set(std::chrono::milliseconds after, OnExpiry on_expiry) {
        timer_.expires_after(after);
        timer_.async_wait([this, on_expiry = std::move(on_expiry), armed = ++armings_](error_code ec) mutable {
            if (!ec && armed == armings_) on_expiry();
        });
    }

    void clear() {
        ++armings_;
        timer_.cancel();
    }

  private:
    net::basic_waitable_timer<std::chrono::steady_clock, net::wait_traits<std::chrono::steady_clock>, io_executor>
        timer_;
    std::uint64_t armings_ = 0; // which of the timer's waits is current
};

namespace {

/// The peer's address, an IPv4 one mapped into IPv6 written as IPv4; empty when the socket has none.
std::string peer_address(const connection_socket& socket) {
    error_code ec;
    auto address = socket.remote_endpoint(ec).address();
    if (ec) return {};
    if (address.is_v6() && address.to_v6().is_v4_mapped())
        address = net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6());
    return address.to_string();
}

/// The status line and header fields of `response`. Every response carries its body whole with
/// a Content-Length, so Beast's general serializer (chunking, buffer sequences) is not needed.
void write_head(const http_response& response, std::string& out) {
    const unsigned status = response.result_int();
    out.assign(response.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
    out += std::to_string(status) + ' ';
    // A code Beast has no phrase for gets none (RFC 9112 allows it) instead of "<unknown-status>".
    if (http::int_to_status(status) != http::status::unknown) out += response.reason();
    out += "\r\n";
    for (const auto& field : response) {
        out += field.name_string();
        out += ": ";
        out += field.value();
        out += "\r\n";
    }
    out += "\r\n";
}

/// What the log says of one request: its answer's status, or the fault or the reason that none
/// was sent.
struct request_outcome {
    unsigned status = 0;
    const char* fault = nullptr;
    const char* not_sent = nullptr;
};

std::string log_line(std::string_view peer, const http_request& request, std::string_view verification,
                     request_outcome outcome, std::chrono::microseconds elapsed) {
    boost::json::object line{{"time", aq::timestamp::now().text()},
                             {"remote", peer},
                             {"method", valid_utf8(request.method_string())},
                             {"target", valid_utf8(request.target())},
                             {"verification", verification},
                             {"status", outcome.status},
                             {"durationUs", elapsed.count()}};
    if (outcome.fault) line["fault"] = outcome.fault;
    if (outcome.not_sent) line["notSent"] = outcome.not_sent;
    return boost::json::serialize(line);
}

} // namespace

/// One I/O context per thread, each run by its own thread: a connection lives on one context
/// for its whole life, so its handlers never need a strand and never hop between threads.
struct io_thread {
    net::io_context context{1}; // concurrency hint: one thread, so Asio can skip its locking
    net::executor_work_guard<io_executor> keep_running = net::make_work_guard(context);
    std::thread thread;
};

class session;

struct server::impl {
    impl(receiver_state& s, server_options o)
        : state(s), options(std::move(o)), io(1), acceptor(io.front().context),
          accept_retry(io.front().context) {
        if (options.log) log.emplace(options.log);
    }

    /// Accepts the next connection, or while `max_connections` are open, waits until one closes:
    /// new clients wait in the listen queue meanwhile.
    void accept_next();
    void accept_later();
    bool at_connection_limit();

    receiver_state& state;
    const server_options options;
    std::optional<log_queue> log;
    std::deque<io_thread> io;
    std::size_t next_io = 0;    // the context of the next connection; used by the accepting thread only
    bool reported_full = false; // the log has said that the connection limit is reached; likewise
    tcp::acceptor acceptor;
    net::steady_timer accept_retry;
    net::thread_pool worker{1}; // admin work too long for an I/O thread (request_handler.hpp)
    std::mutex sessions_mutex;
    std::vector<std::weak_ptr<session>> sessions; // to stop them
    bool stopping = false;                        // guarded by sessions_mutex
    std::atomic<bool> grace_ended{false};

    std::vector<std::shared_ptr<session>> live_sessions();
};

/// One connection: read a request, carry out what the handler decides, write the response, repeat
/// while kept alive. One timer keeps its time, whatever it is waiting for.
class session : public std::enable_shared_from_this<session> {
  public:
    session(server::impl& server, connection_socket socket)
        : server_(server), socket_(std::move(socket)), deadline_(socket_.get_executor()),
          reader_(socket_, server.options.max_header, server.options.max_body), peer_(peer_address(socket_)) {}

    void start() {
        net::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->read_request(); });
    }

    /// Closes an idle connection now, answers a pending wait now; a busy one closes after its response.
    void stop() {
        net::post(socket_.get_executor(), [self = shared_from_this()] {
            self->stopping_ = true;
            if (self->phase_ == phase::reading) self->close();
            if (self->phase_ == phase::holding) self->end_hold();
            if (self->phase_ == phase::pending) self->pending_->cancel();
        });
    }

    /// Past the grace period: closes the connection now. An answer still waiting is journaled
    /// and logged as never sent; one being written says so when its write is cut.
    void abandon() {
        net::post(socket_.get_executor(), [self = shared_from_this()] {
            if (self->waiting()) return self->give_up("receiver stopped before the answer");
            self->close();
        });
    }

  private:
    using clock = std::chrono::steady_clock;
    enum class phase { reading, handling, delaying, pending, holding, writing, closed };

    void read_request() {
        if (stopping_) return close();
        phase_ = phase::reading;
        journal_id_ = 0;
        arm(server_.options.read_timeout, &session::close);
        reader_.read_head([self = shared_from_this()](read_outcome head) { self->admit(std::move(head)); });
    }

    /// Decides on the head alone what it can, before the body is read (or a 100 Continue invites it).
    void admit(read_outcome head) {
        started_ = clock::now(); // for a refusal's log line; the body's arrival restarts it
        if (head.what != read_outcome::kind::ready) return refuse(std::move(head));
        source_ = source_address(server_.state.settings(), reader_.head(), peer_);
        if (refused_by_source(server_.state, reader_.head(), source_)) {
            request_ = reader_.head_only();
            return act(refuse_source(request_));
        }
        reader_.read_body([self = shared_from_this()](read_outcome body) {
            if (body.what != read_outcome::kind::ready) return self->refuse(std::move(body));
            self->phase_ = phase::handling;
            self->started_ = clock::now();
            self->request_ = self->reader_.release();
            self->act(self->handle());
        });
    }

    /// A request that cannot be read any further is answered, then the connection closes; a
    /// client that is gone is not answered.
    void refuse(read_outcome outcome) {
        if (outcome.what == read_outcome::kind::gone) return close();
        request_ = reader_.head_only(); // what follows on the connection is never read
        act(refuse_unreadable(outcome.status, outcome.reason, request_));
    }

    /// The handler's result; an exception from it costs this request a 500, not the server.
    handler_result handle() {
        try {
            return handle_request(server_.state, request_, std::move(source_));
        } catch (const std::exception&) {
            request_.keep_alive(false);
            return internal_error(request_);
        }
    }

    /// Carries out the handler's decision.
    void act(handler_result result) {
        verification_ = result.verification;
        journal_id_ = result.journal_id;
        std::visit([this](auto& decision) { carry_out(decision); }, result.decision);
    }

    void carry_out(send_response& answer) {
        response_ = std::move(answer.response);
        if (answer.delay.count() == 0) return write_response();
        phase_ = phase::delaying;
        watch_for_hang_up();
        arm(answer.delay, &session::write_response);
    }

    void carry_out(const withhold_answer& fault) {
        if (fault.kind == fault::reset) {
            log({0, "reset"});
            error_code ignored;
            socket_.set_option(net::socket_base::linger(true, 0), ignored);
            return close();
        }
        phase_ = phase::holding; // answer nothing until the client gives up
        watch_for_hang_up();
        arm(server_.options.fault_hold_limit, &session::end_hold);
    }

    void carry_out(await_response& later) {
        phase_ = phase::pending;
        pending_ = std::move(later.pending);
        deadline_.clear(); // the pending response keeps its own time
        watch_for_hang_up();
        const net::any_io_executor connection = socket_.get_executor(),
                                   worker = server_.worker.get_executor();
        pending_->start(
            {connection, worker},
            [self = shared_from_this(), busy = net::make_work_guard(socket_.get_executor())](response_ptr r) {
                net::post(self->socket_.get_executor(), [self, r = std::move(r)] {
                    if (self->phase_ != phase::pending) return; // closed meanwhile
                    self->pending_.reset();
                    self->response_ = r;
                    self->write_response();
                });
            });
        if (stopping_) pending_->cancel();
    }

    bool waiting() const { return phase_ == phase::delaying || phase_ == phase::pending || phase_ == phase::holding; }

    void watch_for_hang_up() {
        reader_.watch_for_hang_up([self = shared_from_this()] { return self->waiting(); },
                                  [self = shared_from_this()] { self->give_up("client gone before the answer"); });
    }

    /// Ends a connection whose answer waits: a `timeout` fault, which answers nothing on
    /// purpose, is logged as such; an answer due says why it was never sent.
    void give_up(const char* reason) {
        if (phase_ == phase::holding) return end_hold();
        not_sent(reason);
        close();
    }

    void end_hold() {
        log({0, "timeout"});
        close();
    }

    /// The answer never reached the client: the journal entry and the log line say so.
    void not_sent(const char* reason) {
        if (journal_id_) server_.state.journal().mark_not_sent(journal_id_, reason);
        log({0, nullptr, reason});
    }

    // The response is sent from a posted handler, after the other connections whose requests the
    // same poll found ready have been read and handled, so a batch's responses go out back to
    // back: under load that wakes the clients' threads with far fewer interrupts between cores
    // (docs/performance.md measures it).
    void write_response() {
        phase_ = phase::writing;
        write_head(*response_, head_);
        // The client has the read timeout, and a second more for each MiB of a large body.
        arm(server_.options.read_timeout + std::chrono::seconds(response_->body().size() >> 20),
            &session::close);
        net::post(socket_.get_executor(), [self = shared_from_this()] {
            const bool head_only = self->request_.method() == http::verb::head;
            const std::array<net::const_buffer, 2> message{
                net::buffer(self->head_),
                net::buffer(head_only ? std::string_view() : self->response_->body())};
            net::async_write(self->socket_, message, [self](error_code ec, std::size_t) {
                if (ec) {
                    self->not_sent("connection lost while the answer was written");
                    return self->close();
                }
                self->log({self->response_->result_int()});
                const bool keep_alive = self->response_->keep_alive();
                self->response_.reset(); // a listing's share of the listing budget goes back now
                if (!keep_alive || self->stopping_) return self->close();
                self->read_request();
            });
        });
    }

    /// Calls `on_expiry` after `after`, unless the deadline is set again or cleared first.
    void arm(std::chrono::milliseconds after, void (session::*on_expiry)()) {
        deadline_.set(after, [self = shared_from_this(), on_expiry] { (self.get()->*on_expiry)(); });
    }

    void log(request_outcome outcome) {
        if (!server_.log) return;
        const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - started_);
        server_.log->push(log_line(peer_, request_, verification_, outcome, elapsed));
    }

    void close() {
        if (phase_ == phase::closed) return;
        phase_ = phase::closed;
        deadline_.clear();
        if (auto pending = std::exchange(pending_, nullptr)) pending->cancel();
        error_code ignored;
        socket_.shutdown(connection_socket::shutdown_both, ignored);
        socket_.close(ignored);
    }

    server::impl& server_;
    connection_socket socket_;
    connection_deadline deadline_;
    request_reader reader_;
    const std::string peer_;
    http_request request_;
    response_ptr response_;
    std::shared_ptr<pending_response> pending_;
    std::string head_; // the response's status line and fields, as sent
    std::string source_; // the delivery's source (source_address), read once from its head
    std::string_view verification_ = "-";
    std::uint64_t journal_id_ = 0; // the current delivery's journal entry; 0 for none
    clock::time_point started_ = clock::now();
    phase phase_ = phase::reading;
    bool stopping_ = false;
};

std::vector<std::shared_ptr<session>> server::impl::live_sessions() {
    std::lock_guard lock(sessions_mutex);
    std::vector<std::shared_ptr<session>> live;
    for (const auto& weak : sessions)
        if (auto s = weak.lock()) live.push_back(std::move(s));
    return live;
}

void server::impl::accept_next() {
    if (at_connection_limit()) return accept_later();
    acceptor.async_accept(
        io[next_io++ % io.size()].context.get_executor(), [this](error_code ec, connection_socket socket) {
            if (!acceptor.is_open()) return;
            if (ec) return accept_later(); // such as too many open files: passing
            auto s = std::make_shared<session>(*this, std::move(socket));
            {
                std::lock_guard lock(sessions_mutex);
                if (stopping) return;
                sessions.push_back(s);
            }
            s->start();
            accept_next();
        });
}

void server::impl::accept_later() {
    accept_retry.expires_after(accept_retry_delay);
    accept_retry.async_wait([this](error_code ec) {
        if (!ec && acceptor.is_open()) accept_next();
    });
}

bool server::impl::at_connection_limit() {
    std::size_t open;
    {
        std::lock_guard lock(sessions_mutex);
        std::erase_if(sessions, [](const std::weak_ptr<session>& w) { return w.expired(); });
        open = sessions.size();
    }
    const bool full = open >= options.max_connections;
    if (full && !reported_full && log) // once each time it fills, not once a retry
        log->push(R"({"event":"connection limit reached","connections":)" + std::to_string(open) + "}");
    reported_full = full;
    return full;
}

server::server(receiver_state& state, server_options options)
    : impl_(std::make_unique<impl>(state, std::move(options))) {
    const tcp::endpoint endpoint{net::ip::make_address(impl_->options.host), impl_->options.port};
    auto& acceptor = impl_->acceptor;
    acceptor.open(endpoint.protocol());
    acceptor.set_option(net::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(net::socket_base::max_listen_connections);
}

server::~server() { stop(std::chrono::milliseconds(0)); }

std::uint16_t server::port() const {
    error_code ec;
    return impl_->acceptor.local_endpoint(ec).port();
}

const std::string& server::host() const { return impl_->options.host; }

void server::start(unsigned threads) {
    while (impl_->io.size() < std::max(1u, threads))
        impl_->io.emplace_back();
    net::post(impl_->acceptor.get_executor(), [this] { impl_->accept_next(); });
    for (auto& io : impl_->io)
        io.thread = std::thread([&context = io.context] {
            // An exception that escapes a handler (the handler's own are answered with 500) ends
            // that handler's connection, which it alone held, and the thread goes on.
            while (true) {
                try {
                    context.run();
                    return;
                } catch (...) {
                }
            }
        });
}

void server::log(std::string line) {
    if (impl_->log) impl_->log->push(std::move(line));
}

void server::end_grace() { impl_->grace_ended = true; }

void server::stop(std::chrono::milliseconds grace) {
    bool first;
    {
        std::lock_guard lock(impl_->sessions_mutex);
        first = !std::exchange(impl_->stopping, true);
    }
    net::post(impl_->acceptor.get_executor(), [this] {
        error_code ignored;
        impl_->acceptor.close(ignored);
        impl_->accept_retry.cancel();
    });
    if (first)
        for (const auto& s : impl_->live_sessions())
            s->stop();

    // Each I/O thread returns by itself once its last connection is gone; past the grace period
    // the connections left are ended, and then the threads are told to return. The worker is
    // joined last: what it finishes posts to those contexts.
    for (auto& io : impl_->io)
        io.keep_running.reset();
    const bool started = impl_->io.front().thread.joinable();
    auto running = [this, started] {
        return started && std::any_of(impl_->io.begin(), impl_->io.end(),
                                      [](const io_thread& io) { return !io.context.stopped(); });
    };
    // Until `until`, or until the threads return, or while `grace_ended` is false if asked.
    auto wait_while_running = [&](std::chrono::steady_clock::time_point until, bool cut_by_signal) {
        while (running() && std::chrono::steady_clock::now() < until &&
               !(cut_by_signal && impl_->grace_ended))
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
    };
    wait_while_running(std::chrono::steady_clock::now() + grace, true);
    if (running())
        for (const auto& s : impl_->live_sessions())
            s->abandon();
    wait_while_running(std::chrono::steady_clock::now() + abandon_limit, false);
    for (auto& io : impl_->io) {
        io.context.stop();
        if (io.thread.joinable()) io.thread.join();
    }
    impl_->worker.join();
}

} // namespace aqhook
