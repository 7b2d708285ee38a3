// A loopback server that answers one connection as a hostile server would: a head, then the same
// block of bytes over and over, whatever the client does with them.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>

namespace test_support {

/// `text`, `times` over: a block for the server to send.
inline std::string repeated(std::string_view text, std::size_t times) {
    std::string out;
    for (std::size_t i = 0; i < times; ++i)
        out += text;
    return out;
}

/// Accepts one connection, reads the request, then sends `head` and `block` after block
/// until the client hangs up, `max_bytes` are sent or `max_time` has passed. With `max_bytes`
/// the head's size, it sends the head alone and closes: an ordinary answer.
class streaming_server {
  public:
    streaming_server(std::string head, std::string block, std::size_t max_bytes = std::size_t(256) << 20,
                     std::chrono::seconds max_time = std::chrono::seconds(20))
        : head_(std::move(head)), block_(std::move(block)), max_bytes_(max_bytes), max_time_(max_time) {
        thread_ = std::thread([this] { serve(); });
    }

    ~streaming_server() { bytes_sent(); }

    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + path;
    }

    /// Waits for the server to stop and returns how many bytes it sent.
    std::size_t bytes_sent() {
        if (!thread_.joinable()) return sent_;
        if (!accepted_) { // nobody came: connect, so that the accept returns
            boost::asio::ip::tcp::socket poke(io_);
            boost::system::error_code ignored;
            poke.connect(acceptor_.local_endpoint(), ignored);
        }
        thread_.join();
        return sent_;
    }

  private:
    void serve() {
        auto socket = acceptor_.accept();
        accepted_ = true;
        boost::system::error_code ec;
        boost::beast::flat_buffer buffer;
        boost::beast::http::request<boost::beast::http::string_body> request;
        boost::beast::http::read(socket, buffer, request, ec);
        if (ec) return;
        sent_ = boost::asio::write(socket, boost::asio::buffer(head_), ec);
        const auto stop = std::chrono::steady_clock::now() + max_time_;
        while (!ec && sent_ < max_bytes_ && std::chrono::steady_clock::now() < stop)
            sent_ += boost::asio::write(socket, boost::asio::buffer(block_), ec);
    }

    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_{io_, {boost::asio::ip::make_address("127.0.0.1"), 0}};
    std::string head_, block_;
    std::size_t max_bytes_;
    std::chrono::seconds max_time_;
    std::atomic<bool> accepted_ = false;
    std::size_t sent_ = 0;
    std::thread thread_;
};

} // namespace test_support
