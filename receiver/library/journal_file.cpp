#include "journal_file.hpp"

#include <allquiet/webhook/detail/json_io.hpp>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>

#include <sqlite3.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

namespace aqhook {

namespace {

/// How long the writer waits before it tries again to commit what a failed commit left.
constexpr auto retry_delay = std::chrono::milliseconds(500);

/// Under load (changes queued while the last commit ran), how long the writer gathers changes
/// before it commits, unless `gather_limit` of them come first: a commit costs about as much for
/// one entry as for ten, so answers that share one cost less each. Longer holds every answer
/// back longer: 100 us gave the most deliveries per second in scripts/bench-receiver's load.
constexpr auto gather_time = std::chrono::microseconds(100);
constexpr std::size_t gather_limit = 256;

/// The first 16 bytes of every SQLite database file.
constexpr std::string_view sqlite_header{"SQLite format 3\0", 16};

using statement = std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)>;

/// An SQLite call that failed, with SQLite's message.
struct sqlite_failure {
    int code;
    std::string message;
};

void check(sqlite3* db, int code) {
    if (code != SQLITE_OK && code != SQLITE_ROW && code != SQLITE_DONE)
        throw sqlite_failure{code, sqlite3_errmsg(db)};
}

statement prepare(sqlite3* db, std::string_view sql) {
    sqlite3_stmt* prepared = nullptr;
    check(db, sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &prepared, nullptr));
    return statement(prepared, &sqlite3_finalize);
}

/// Steps `s` once: whether it gave a row.
bool step(sqlite3* db, const statement& s) {
    const int code = sqlite3_step(s.get());
    check(db, code);
    return code == SQLITE_ROW;
}

std::string text_column(sqlite3_stmt* s, int column) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, column));
    return text ? std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(s, column)))
                : std::string();
}

/// A line on standard error, written whole with write(2) as the receiver's log lines are.
void report(const boost::json::object& event) {
    const std::string line = boost::json::serialize(event) + "\n";
    for (std::size_t written = 0; written < line.size();) {
        const auto n = ::write(STDERR_FILENO, line.data() + written, line.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        written += static_cast<std::size_t>(n);
    }
}

/// The folder a path names its file in.
std::string folder_of(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

/// Refuses, before SQLite opens it, what it could not use without changing it. Creates the file
/// (0600: it holds bodies and signatures) when absent; returns whether it did.
bool check_or_create(const std::string& path, journal_file::when_absent absent) {
    auto refuse = [&](const std::string& why) -> bool { throw journal_file_error(path + ": " + why); };
    struct stat info {};
    bool created = false;
    if (::stat(path.c_str(), &info) == 0) {
        if (S_ISDIR(info.st_mode)) refuse("is a folder, not a journal file");
        if (!S_ISREG(info.st_mode)) refuse("is not a regular file");
        if (::access(path.c_str(), R_OK | W_OK) != 0)
            refuse("cannot be read and written (" + std::string(std::strerror(errno)) + ")");
        char header[sqlite_header.size()] = {};
        std::ifstream(path, std::ios::binary).read(header, sizeof header);
        if (info.st_size > 0 && std::string_view(header, sizeof header) != sqlite_header)
            refuse("is not an SQLite database: not a journal file, left as it is");
    } else if (errno == ENOENT) {
        if (absent == journal_file::when_absent::refuse) refuse("no such file");
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) refuse("cannot be created (" + std::string(std::strerror(errno)) + ")");
        ::close(fd);
        created = true;
    } else {
        refuse(std::strerror(errno));
    }
    // SQLite keeps the -wal file beside the database.
    if (::access(folder_of(path).c_str(), W_OK) != 0) {
        if (created) ::unlink(path.c_str());
        refuse("its folder cannot be written (" + std::string(std::strerror(errno)) + ")");
    }
    return created;
}

} // namespace

journal_file::journal_file(const std::string& path, when_absent absent) : path_(path) {
    const bool created = check_or_create(path, absent);
    try {
        open();
    } catch (const journal_file_error&) {
        sqlite3_close_v2(std::exchange(db_, nullptr));
        if (created) ::unlink(path.c_str());
        throw;
    }
}

void journal_file::open() {
    auto refuse = [&](const std::string& why) { throw journal_file_error(path_ + ": " + why); };
    try {
        check(db_,
              sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr));
        // Held from the first read to the close: a second receiver on the file is refused.
        execute("PRAGMA locking_mode=EXCLUSIVE");
        const bool fresh = check_schema();
        // Pages of several entries each: a batch's commit writes a few large pages, not one
        // page (and one write) for each entry. Only a new file takes it.
        if (fresh) execute("PRAGMA page_size=16384");
        // A commit survives the process's crash, which is what answers wait for; a power loss
        // may take the last commits back (docs/receiver.md).
        if (const auto wal = prepare(db_, "PRAGMA journal_mode=WAL");
            !step(db_, wal) || text_column(wal.get(), 0) != "wal")
            refuse("SQLite cannot keep it in WAL mode");
        execute("PRAGMA synchronous=NORMAL");
        // A dropped entry's bytes are overwritten in the pages the deletion writes anyway.
        execute("PRAGMA secure_delete=FAST");
        // Takes the write lock now, and keeps it.
        execute("BEGIN IMMEDIATE");
        if (fresh)
            execute("CREATE TABLE aqhook_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
                    "CREATE TABLE aqhook_entries (id INTEGER PRIMARY KEY, entry TEXT NOT NULL);"
                    "INSERT INTO aqhook_meta VALUES ('format', " +
                    std::to_string(format) + "), ('next_id', 1)");
        execute("COMMIT");
    } catch (const sqlite_failure& failure) {
        if (failure.code == SQLITE_BUSY || failure.code == SQLITE_LOCKED)
            refuse("is in use by another receiver (or another program holds its lock)");
        if (failure.code == SQLITE_NOTADB || failure.code == SQLITE_CORRUPT)
            refuse("is not an SQLite database: not a journal file, left as it is (" + failure.message + ")");
        refuse(failure.message);
    }
}

bool journal_file::check_schema() {
    auto refuse = [&](const std::string& why) { throw journal_file_error(path_ + ": " + why); };
    const std::set<std::string> journal_tables{"aqhook_entries", "aqhook_meta"};
    std::set<std::string> tables;
    const auto schema =
        prepare(db_, "SELECT type, name FROM sqlite_schema WHERE substr(name, 1, 7) <> 'sqlite_'");
    while (step(db_, schema)) {
        const auto name = text_column(schema.get(), 1);
        if (text_column(schema.get(), 0) != "table" || !journal_tables.contains(name))
            refuse("is an SQLite database but not a journal file (it holds " + text_column(schema.get(), 0) +
                   " " + name + "), left as it is");
        tables.insert(name);
    }
    if (tables.empty()) return true;
    if (tables != journal_tables) refuse("is an SQLite database but not a journal file, left as it is");
    const auto version = prepare(db_, "SELECT value FROM aqhook_meta WHERE key = 'format'");
    if (!step(db_, version) || sqlite3_column_type(version.get(), 0) != SQLITE_INTEGER)
        refuse("is an SQLite database but not a journal file (no format), left as it is");
    const auto found = sqlite3_column_int64(version.get(), 0);
    if (found > format)
        refuse("is a journal of format " + std::to_string(found) + ", newer than this aqhook reads (" +
               std::to_string(format) + "): left as it is");
    if (found < 1)
        refuse("is an SQLite database but not a journal file (format " + std::to_string(found) + ")");
    return false;
}

journal_file::~journal_file() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    queued_.notify_all();
    if (writer_.joinable()) writer_.join();
    statements_.reset();
    sqlite3_close_v2(db_); // checkpoints the WAL into the database and removes it
}

void journal_file::execute(const std::string& sql) {
    check(db_, sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr));
}

std::uint64_t journal_file::read(const std::function<void(aq::journal_entry)>& each) {
    auto refuse = [&](const std::string& why) { throw journal_file_error(path_ + ": " + why); };
    try {
        const auto next = prepare(db_, "SELECT value FROM aqhook_meta WHERE key = 'next_id'");
        std::uint64_t next_id =
            step(db_, next) ? static_cast<std::uint64_t>(sqlite3_column_int64(next.get(), 0)) : 1;
        const auto rows = prepare(db_, "SELECT id, entry FROM aqhook_entries ORDER BY id");
        while (step(db_, rows)) {
            const auto id = static_cast<std::uint64_t>(sqlite3_column_int64(rows.get(), 0));
            const auto text = text_column(rows.get(), 1);
            auto json = aq::detail::parse_json_text(text);
            auto entry = json ? entry_from_json(*json) : aq::result<aq::journal_entry>(json.error());
            if (!entry)
                refuse("entry " + std::to_string(id) + " is not a journal entry: " + entry.error().message());
            if (entry->id != id)
                refuse("entry " + std::to_string(id) + " holds the id " + std::to_string(entry->id));
            each(std::move(*entry));
            next_id = std::max(next_id, id + 1);
        }
        return next_id;
    } catch (const sqlite_failure& failure) {
        refuse(failure.message);
    }
    return 0; // not reached: refuse throws
}

journal_file::statements::statements(sqlite3* db)
    : begin(prepare(db, "BEGIN")), commit(prepare(db, "COMMIT")),
      insert(prepare(db, "INSERT INTO aqhook_entries (id, entry) VALUES (?1, ?2)")),
      replace(prepare(db, "UPDATE aqhook_entries SET entry = ?2 WHERE id = ?1")),
      drop_below(prepare(db, "DELETE FROM aqhook_entries WHERE id < ?1")),
      clear(prepare(db, "DELETE FROM aqhook_entries")),
      next_id(prepare(db, "UPDATE aqhook_meta SET value = max(value, ?1) WHERE key = 'next_id'")) {}

void journal_file::start(std::uint64_t keep_from) {
    try {
        statements_ = std::make_unique<statements>(db_);
        const auto& drop = statements_->drop_below;
        check(db_, sqlite3_bind_int64(drop.get(), 1, static_cast<sqlite3_int64>(keep_from)));
        step(db_, drop);
        sqlite3_reset(drop.get());
    } catch (const sqlite_failure& failure) {
        throw journal_file_error(path_ + ": " + failure.message);
    }
    writer_ = std::thread([this] { write_loop(); });
}

void journal_file::insert(journal_entry_ptr entry) {
    const auto id = entry->id;
    queue({change::kind::insert, std::move(entry), id});
}

void journal_file::replace(journal_entry_ptr entry) {
    const auto id = entry->id;
    queue({change::kind::replace, std::move(entry), id});
}

void journal_file::drop_below(std::uint64_t id) { queue({change::kind::drop_below, nullptr, id}); }

void journal_file::clear() { queue({change::kind::clear, nullptr, 0}); }

void journal_file::queue(change next) {
    {
        std::lock_guard lock(mutex_);
        if (next.what == change::kind::insert) last_inserted_ = next.id;
        ++queued_count_;
        queue_.push_back(std::move(next));
    }
    queued_.notify_one();
}

void journal_file::when_written(std::function<void()> written) {
    {
        std::lock_guard lock(mutex_);
        if (queued_count_ > written_count_) {
            waiting_.emplace(queued_count_, std::move(written));
            return;
        }
    }
    written();
}

void journal_file::compact(std::vector<change>& batch) {
    using kind = change::kind;
    std::uint64_t removed_below = 0; // by the changes after the one looked at
    std::vector<change> kept;
    kept.reserve(batch.size());
    for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
        if (it->what == kind::clear) removed_below = UINT64_MAX;
        if (it->what == kind::drop_below) removed_below = std::max(removed_below, it->id);
        if ((it->what == kind::insert || it->what == kind::replace) && it->id < removed_below) continue;
        kept.push_back(std::move(*it));
    }
    batch.assign(std::make_move_iterator(kept.rbegin()), std::make_move_iterator(kept.rend()));
}

void journal_file::write_loop() {
    std::vector<change> batch; // taken from the queue, not yet committed
    bool failing = false;
    bool loaded = false; // changes came while the last commit ran
    std::unique_lock lock(mutex_);
    for (;;) {
        if (batch.empty()) queued_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (loaded)
            queued_.wait_for(lock, gather_time, [&] { return stopping_ || queue_.size() >= gather_limit; });
        if (batch.empty() && queue_.empty()) return; // stopping, and all is written
        std::move(queue_.begin(), queue_.end(), std::back_inserter(batch));
        queue_.clear();
        const auto through = last_inserted_;
        const auto taken = queued_count_;
        lock.unlock();
        compact(batch);
        const auto problem = commit(batch, through);
        lock.lock();
        if (!problem.empty()) {
            if (!std::exchange(failing, true))
                report({{"event", "journal file not written"}, {"file", path_}, {"error", problem}});
            if (stopping_) return; // tried once more: what is left is lost
            queued_.wait_for(lock, retry_delay, [&] { return stopping_; });
            continue;
        }
        if (std::exchange(failing, false)) report({{"event", "journal file written again"}, {"file", path_}});
        loaded = !queue_.empty();
        batch.clear();
        written_count_ = taken;
        std::vector<std::function<void()>> answered;
        const auto end = waiting_.upper_bound(taken);
        for (auto it = waiting_.begin(); it != end; ++it)
            answered.push_back(std::move(it->second));
        waiting_.erase(waiting_.begin(), end);
        lock.unlock();
        for (auto& committed : answered)
            committed();
        lock.lock();
    }
}

std::string journal_file::commit(const std::vector<change>& batch, std::uint64_t through) {
    // Runs `s` with the parameters it takes: an id, and an entry's JSON.
    auto run = [&](const statement& s, std::uint64_t id, const journal_entry_ptr& entry) {
        sqlite3_reset(s.get());
        if (sqlite3_bind_parameter_count(s.get()) > 0)
            check(db_, sqlite3_bind_int64(s.get(), 1, static_cast<sqlite3_int64>(id)));
        std::string text;
        if (entry) {
            // What the entry's JSON holds lives only while it is serialized: an arena that starts
            // on the stack holds it.
            unsigned char arena_start[16 * 1024];
            boost::json::monotonic_resource arena(arena_start, sizeof arena_start);
            text = boost::json::serialize(aq::to_json(*entry, &arena));
            check(db_,
                  sqlite3_bind_text(s.get(), 2, text.data(), static_cast<int>(text.size()), SQLITE_STATIC));
        }
        step(db_, s);
    };
    try {
        const auto& sql = *statements_;
        run(sql.begin, 0, nullptr);
        bool cleared = false;
        for (const auto& c : batch) {
            switch (c.what) {
            case change::kind::insert: run(sql.insert, c.id, c.entry); break;
            case change::kind::replace: run(sql.replace, c.id, c.entry); break;
            case change::kind::drop_below: run(sql.drop_below, c.id, nullptr); break;
            case change::kind::clear:
                run(sql.clear, 0, nullptr);
                cleared = true;
                break;
            }
        }
        // The newest entry is never dropped, so the largest id held gives the next one; once the
        // journal is cleared, the metadata keeps it.
        if (cleared) run(sql.next_id, through + 1, nullptr);
        run(sql.commit, 0, nullptr);
        return {};
    } catch (const sqlite_failure& failure) {
        sqlite3_reset(statements_->commit.get());
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        return failure.message;
    }
}

} // namespace aqhook
