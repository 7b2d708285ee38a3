// Log lines handed to a thread of their own, so that a slow or stuck log (a harness that
// captures standard error and never reads it) never stalls an I/O thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace aqhook {

class log_queue {
  public:
    /// Lines go to `sink` in order, from the queue's thread; an exception from it loses that line
    /// only. More than `capacity` bytes waiting: new lines are dropped and counted, and once the
    /// sink has caught up it gets `{"event":"log_lines_dropped","count":N}`.
    explicit log_queue(std::function<void(std::string_view)> sink, std::size_t capacity = 1 << 20);

    /// Waits up to a second for the queue to drain; a sink still stuck then is left to finish
    /// on its own (the rest of the queue is dropped).
    ~log_queue();

    log_queue(const log_queue&) = delete;
    log_queue& operator=(const log_queue&) = delete;

    void push(std::string line);

  private:
    struct shared;
    static void write_lines(const std::shared_ptr<shared>& queue);

    std::shared_ptr<shared> shared_;
    std::thread writer_;
};

} // namespace aqhook
