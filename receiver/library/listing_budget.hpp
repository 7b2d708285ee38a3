// The memory that journal listings may hold at once. A listing is the receiver's largest answer
// (a body of control characters grows six-fold as JSON), and it is held from when it is built
// until its response is dropped: sent, or its connection closed at the write deadline.
#pragma once

#include <atomic>
#include <cstddef>

namespace aqhook {

class listing_budget {
  public:
    /// Twice the journal's byte budget: a journal of plain text lists whole, one whose bodies
    /// grow in JSON lists in parts.
    static constexpr std::size_t journal_multiple = 2;

    explicit listing_budget(std::size_t bytes) : total_(bytes) {}

    std::size_t total() const { return total_; }
    std::size_t held() const { return held_.load(); }

    /// Takes `bytes` when they fit in what is left, or when no listing is held (one listing
    /// always goes, however large its newest entry). False when they do not.
    bool take(std::size_t bytes) {
        auto held = held_.load();
        do {
            if (held != 0 && held + bytes > total_) return false;
        } while (!held_.compare_exchange_weak(held, held + bytes));
        return true;
    }

    void give_back(std::size_t bytes) { held_ -= bytes; }

  private:
    const std::size_t total_;
    std::atomic<std::size_t> held_{0};
};

} // namespace aqhook
