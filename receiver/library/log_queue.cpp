#include "log_queue.hpp"

#include <chrono>
#include <utility>

namespace aqhook {

struct log_queue::shared {
    std::function<void(std::string_view)> sink;
    std::size_t capacity;
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<std::string> lines;
    std::size_t bytes = 0;   // of `lines`
    std::size_t dropped = 0; // since the sink last caught up
    bool writing = false;
    bool stopping = false;
};

log_queue::log_queue(std::function<void(std::string_view)> sink, std::size_t capacity)
    : shared_(std::make_shared<shared>()) {
    shared_->sink = std::move(sink);
    shared_->capacity = capacity;
    writer_ = std::thread([queue = shared_] { write_lines(queue); });
}

log_queue::~log_queue() {
    {
        std::unique_lock lock(shared_->mutex);
        shared_->stopping = true;
        shared_->changed.notify_all();
        shared_->changed.wait_for(lock, std::chrono::seconds(1),
                                  [&] { return shared_->lines.empty() && !shared_->writing; });
        shared_->lines.clear();
    }
    writer_.detach(); // it holds the shared state, and ends once its sink returns
}

void log_queue::push(std::string line) {
    std::lock_guard lock(shared_->mutex);
    if (shared_->bytes + line.size() > shared_->capacity) {
        ++shared_->dropped;
        return;
    }
    shared_->bytes += line.size();
    shared_->lines.push_back(std::move(line));
    shared_->changed.notify_all();
}

void log_queue::write_lines(const std::shared_ptr<shared>& queue) {
    auto write = [&](std::string_view line) {
        try {
            queue->sink(line);
        } catch (...) { // a sink's failure loses its line, not the receiver
        }
    };
    std::unique_lock lock(queue->mutex);
    while (true) {
        queue->changed.wait(lock,
                            [&] { return !queue->lines.empty() || queue->dropped > 0 || queue->stopping; });
        if (queue->lines.empty() && queue->dropped == 0) return; // stopping, and nothing left
        std::deque<std::string> batch;
        batch.swap(queue->lines);
        const std::size_t dropped = std::exchange(queue->dropped, 0);
        queue->writing = true;
        lock.unlock();
        for (const auto& line : batch)
            write(line);
        if (dropped > 0) write(R"({"event":"log_lines_dropped","count":)" + std::to_string(dropped) + "}");
        lock.lock();
        queue->writing = false;
        for (const auto& line : batch)
            queue->bytes -= line.size();
        queue->changed.notify_all();
    }
}

} // namespace aqhook
