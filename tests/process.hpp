// Runs a program for a test, with standard input from a string, and captures its output.
#pragma once

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace test_support {

struct process_result {
    int exit_code = -1;
    std::string out;
    std::string err;
};

inline std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// A folder of this test process's own, removed when it exits: two runs on one machine (the
/// normal and the sanitizer build's suites, two checkouts) never share a file.
inline const std::string& temp_dir() {
    struct owned_dir {
        std::string path;
        owned_dir() {
            char name[] = "/tmp/aqhook-test-XXXXXX";
            if (!mkdtemp(name)) throw std::runtime_error("cannot make a temporary folder");
            path = name;
        }
        ~owned_dir() {
            std::error_code ignored;
            std::filesystem::remove_all(path, ignored);
        }
    };
    static const owned_dir dir;
    return dir.path;
}

/// Writes `content` to NAME in this process's temporary folder and returns the path.
inline std::string write_temp_file(const std::string& name, const std::string& content) {
    const std::string path = temp_dir() + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
}

/// Runs `argv` to completion. Output goes through files, so no pipe can fill up and block.
inline process_result run_process(const std::vector<std::string>& argv, const std::string& input = {}) {
    char dir_template[] = "/tmp/aqhook-test-XXXXXX";
    BOOST_REQUIRE(mkdtemp(dir_template) != nullptr);
    const std::string dir = dir_template, in_path = dir + "/in", out_path = dir + "/out",
                      err_path = dir + "/err";
    std::ofstream(in_path, std::ios::binary) << input;

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    BOOST_REQUIRE_MESSAGE(spawned == 0, "cannot start " << argv[0]);
    int status = 0;
    waitpid(pid, &status, 0);

    process_result result;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.out = slurp(out_path);
    result.err = slurp(err_path);
    for (const auto& p : {in_path, out_path, err_path})
        std::remove(p.c_str());
    rmdir(dir.c_str());
    return result;
}

/// A program running beside the test, its standard output on a pipe (read a line at a time)
/// and its standard error collected in a file, or with `stuck_error_output`, on a pipe that is
/// never read (as a harness that captures it and never looks does). Killed on destruction if
/// still running.
class child_process {
  public:
    explicit child_process(const std::vector<std::string>& argv, bool stuck_error_output = false) {
        char dir_template[] = "/tmp/aqhook-child-XXXXXX";
        BOOST_REQUIRE(mkdtemp(dir_template) != nullptr);
        dir_ = dir_template;
        int out[2];
        BOOST_REQUIRE(pipe(out) == 0);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&actions, out[1], 1);
        posix_spawn_file_actions_addclose(&actions, out[0]);
        if (stuck_error_output) {
            int err[2];
            BOOST_REQUIRE(pipe(err) == 0);
            posix_spawn_file_actions_adddup2(&actions, err[1], 2);
            posix_spawn_file_actions_addclose(&actions, err[0]);
            posix_spawn_file_actions_addclose(&actions, err[1]);
            stuck_err_ = err[0];
            stuck_err_write_ = err[1];
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, (dir_ + "/err").c_str(),
                                             O_WRONLY | O_CREAT | O_TRUNC, 0600);
        }
        std::vector<char*> args;
        for (const auto& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        const int spawned = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        close(out[1]);
        if (stuck_err_write_ >= 0) close(stuck_err_write_);
        out_ = out[0];
        BOOST_REQUIRE_MESSAGE(spawned == 0, "cannot start " << argv[0]);
    }

    ~child_process() {
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
        close(out_);
        if (stuck_err_ >= 0) close(stuck_err_);
        std::remove((dir_ + "/err").c_str());
        rmdir(dir_.c_str());
    }

    /// The next line of standard output, without the newline; empty at end of output.
    std::string read_line() {
        std::string line;
        char c;
        while (::read(out_, &c, 1) == 1 && c != '\n')
            line += c;
        return line;
    }

    void signal(int number) { kill(pid_, number); }

    pid_t pid() const { return pid_; }

    /// Waits for the program to end and returns its exit code (128 + signal when killed).
    int wait() {
        int status = 0;
        waitpid(pid_, &status, 0);
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }

    std::string error_output() const { return slurp(dir_ + "/err"); }

  private:
    pid_t pid_ = -1;
    int out_ = -1;
    int stuck_err_ = -1, stuck_err_write_ = -1; // the never-read pipe's ends
    std::string dir_;
};

/// The port in aqhook serve's first line, "listening on http://127.0.0.1:PORT".
inline std::uint16_t listening_port(const std::string& first_line) {
    std::smatch match;
    const std::regex listening("listening on http://127\\.0\\.0\\.1:([0-9]+)");
    BOOST_REQUIRE_MESSAGE(std::regex_match(first_line, match, listening), "first line: " << first_line);
    return static_cast<std::uint16_t>(std::stoi(match[1]));
}

} // namespace test_support
