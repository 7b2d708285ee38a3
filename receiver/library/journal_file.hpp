// The journal kept in an SQLite file (`--journal-file`), so that it survives restarts and crashes.
// The journal in memory stays the index every reader reads; this file is written through by one
// writer thread, which commits what has queued up since its last commit in one transaction (group
// commit), and read into memory at start. A delivery's answer waits for its entry's commit
// (`when_written`), so every answered delivery is in the file even if the process is killed.
#pragma once

#include "journal.hpp"

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace aqhook {

/// Why a journal file cannot be used; the message names the file.
struct journal_file_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class journal_file {
  public:
    /// The format this version writes, in the file's `aqhook_meta` table; a newer one is refused.
    static constexpr std::int64_t format = 1;

    /// What opening does when the file is absent.
    enum class when_absent { create, refuse };

    /// Opens the journal at `path` for this process alone, creating it (mode 0600) when absent.
    /// Throws `journal_file_error`, leaving the file as it was, for a file that is not SQLite, an
    /// SQLite database with other tables, a journal of a newer format, a file or folder that
    /// cannot be written, and a file another receiver holds.
    explicit journal_file(const std::string& path, when_absent absent = when_absent::create);
    /// Commits what is queued, then closes the file.
    ~journal_file();
    journal_file(const journal_file&) = delete;
    journal_file& operator=(const journal_file&) = delete;

    /// Calls `each` with every entry, the oldest first, and returns the id the next entry gets.
    /// Before `start`. Throws `journal_file_error` for a row that is not an entry.
    std::uint64_t read(const std::function<void(aq::journal_entry)>& each);

    /// Deletes the entries below `keep_from` (those the journal's limits leave out), then starts
    /// the writer thread. Throws `journal_file_error`.
    void start(std::uint64_t keep_from);

    // The changes, queued for the writer in the journal's order (the journal calls them under its
    // lock: they only queue).
    void insert(journal_entry_ptr entry);
    /// Writes an entry changed after it was inserted (`journal::mark_not_sent`).
    void replace(journal_entry_ptr entry);
    void drop_below(std::uint64_t id);
    void clear();

    /// Calls `written` once every change queued so far is committed (or made void by a later
    /// one), from the writer thread, or at once when it is already.
    void when_written(std::function<void()> written);

  private:
    struct change {
        enum class kind { insert, replace, drop_below, clear } what;
        journal_entry_ptr entry; // insert, replace
        std::uint64_t id;        // drop_below; the entry's id for the others
    };

    /// Opens the database and checks what it holds (the constructor's second half).
    void open();
    /// Refuses a database that is not a journal of a format this version reads; whether it
    /// holds no table yet.
    bool check_schema();
    void execute(const std::string& sql);

    /// The statements the writer runs, prepared once.
    struct statements {
        explicit statements(sqlite3* db);
        using statement = std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)>;
        statement begin, commit, insert, replace, drop_below, clear, next_id;
    };

    void queue(change next);
    void write_loop();
    /// Of `batch`, what no later change in it makes void: an entry that a later drop or clear
    /// removes is not written.
    static void compact(std::vector<change>& batch);
    /// Writes `batch` in one transaction, the next id after `through`; the error, or "".
    std::string commit(const std::vector<change>& batch, std::uint64_t through);

    const std::string path_;
    sqlite3* db_ = nullptr;
    std::unique_ptr<statements> statements_; // from `start`
    std::mutex mutex_;
    std::condition_variable queued_;
    std::vector<change> queue_;
    std::uint64_t last_inserted_ = 0;                             // the id of the newest entry queued
    std::uint64_t queued_count_ = 0;                              // the changes queued since the start
    std::uint64_t written_count_ = 0;                             // of them, those committed
    std::multimap<std::uint64_t, std::function<void()>> waiting_; // queued_count_ then -> written
    bool stopping_ = false;
    std::thread writer_;
};

} // namespace aqhook
