// aqhook serve: the mock receiver as a program.
#include "admin_api.hpp"
#include "commands.hpp"
#include "config_checks.hpp"
#include "log_queue.hpp"
#include "journal_file.hpp"
#include "receiver_options.hpp"

#include <allquiet/webhook/address_list.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ifaddrs.h>
#include <iostream>
#include <memory>
#include <mutex>
#include <netinet/in.h>
#include <pthread.h>
#include <thread>
#include <unistd.h>

namespace aqhook {

namespace {

/// The in-process receiver's options, which hold the defaults, and what only the program has.
struct serve_options {
    serve_options() {
        receiver.port = 8080;
        receiver.threads = std::max(1u, std::thread::hardware_concurrency());
    }

    aq::mock_receiver_options receiver;
    unsigned read_timeout_seconds =
        static_cast<unsigned>(std::chrono::duration_cast<std::chrono::seconds>(receiver.read_timeout).count());
    std::optional<std::string> config;
    secret_options secrets;
    std::optional<std::string> signing_method;
    std::optional<std::int64_t> tolerance_seconds;
    bool no_tolerance = false;
    std::optional<std::string> policy;
    std::optional<std::string> allow_ips;
    std::optional<std::string> admin_token_file;
    secret_options forward_secret{"forward-", "forward secret", {}, {}};
    unsigned forward_timeout_seconds = static_cast<unsigned>(
        std::chrono::duration_cast<std::chrono::seconds>(receiver.forward_timeout).count());
    bool quiet = false;
};

void declare_receiving_options(CLI::App& command, serve_options& o) {
    command.add_option("--config", o.config, "configuration document (see docs/receiver.md)")->type_name("FILE");
    command.add_option("--host", o.receiver.host, "address to listen on")->type_name("ADDR")->capture_default_str();
    command.add_option("--port", o.receiver.port, "port to listen on; 0 takes a free one")
        ->type_name("N")
        ->capture_default_str();
    o.secrets.declare(command, true);
    command.add_option("--signing-method", o.signing_method, "accepted signing methods (overrides the file)")
        ->check(CLI::IsMember({"any", "allquiet", "aws"}))
        ->type_name("any|allquiet|aws");
    auto* tolerance =
        command.add_option("--tolerance", o.tolerance_seconds, "timestamp tolerance both ways (overrides the file)")
            ->check(CLI::Range(0, 31'536'000))
            ->type_name("SECONDS");
    command.add_flag("--no-tolerance", o.no_tolerance, "accept any timestamp (for replaying old deliveries)")
        ->excludes(tolerance);
    command.add_option("--policy", o.policy, "answer 401 to bad signatures, or only journal them")
        ->check(CLI::IsMember({"enforce", "record"}))
        ->type_name("enforce|record");
    command.add_option("--max-body", o.receiver.max_body, "largest request body accepted; larger gets 413")
        ->type_name("BYTES")
        ->check(CLI::Range(std::size_t{0}, std::size_t{1} << 32))
        ->capture_default_str();
    command
        .add_option("--max-connections", o.receiver.max_connections,
                    "connections open at once; more wait in the listen queue until one closes")
        ->type_name("N")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}))
        ->capture_default_str();
    command.add_option("--read-timeout", o.read_timeout_seconds, "seconds a client has to send a request")
        ->type_name("SECONDS")
        ->check(CLI::Range(1, 3600))
        ->capture_default_str();
    command.add_option("--threads", o.receiver.threads, "I/O threads (default: one per core)")
        ->type_name("N")
        ->check(CLI::Range(1, 256));
    command
        .add_option("--allow-ips", o.allow_ips,
                    "All Quiet's outbound address list ({\"ips\": [...]}); other peers get 403")
        ->type_name("FILE");
    command.add_flag("--trust-forwarded-for", o.receiver.trust_forwarded_for,
                     "take the source address from the last X-Forwarded-For hop");
    command.add_flag("--quiet", o.quiet,
                     "no request log on standard error, no forward lines on standard output");
}

void declare_forward_options(CLI::App& command, serve_options& o) {
    command
        .add_option("--forward-to", o.receiver.forward_to,
                    "send each delivery the configuration's default would answer on to URL (to its path as "
                    "given), signed again with the forward secret if given, and answer with URL's answer")
        ->type_name("URL");
    o.forward_secret.declare(command, false);
    command
        .add_option("--forward-timeout", o.forward_timeout_seconds,
                    "seconds a forward target has to answer, unless its rule says; 504 past it")
        ->type_name("SECONDS")
        ->check(CLI::Range(std::int64_t{1}, max_forward_timeout_ms / 1000))
        ->capture_default_str();
}

void declare_journal_and_admin_options(CLI::App& command, serve_options& o) {
    command.add_option("--journal-size", o.receiver.journal_size, "deliveries kept, oldest dropped first")
        ->type_name("N")
        ->check(CLI::Range(1, 10'000'000))
        ->capture_default_str();
    command
        .add_option("--journal-max-bytes", o.receiver.journal_max_bytes,
                    "memory the journal may hold, oldest dropped first")
        ->type_name("BYTES")
        ->check(CLI::Range(std::size_t{1} << 16, std::size_t{1} << 40))
        ->capture_default_str();
    command
        .add_option("--journal-file", o.receiver.journal_file,
                    "keep the journal in this SQLite file too (created when absent), across restarts "
                    "and crashes: each answer waits until its delivery is committed")
        ->type_name("FILE");
    command
        .add_option("--admin-host", o.receiver.admin_hosts,
                    "a host name admin requests may use besides IP addresses and localhost (repeatable)")
        ->type_name("NAME");
    command
        .add_option("--admin-token-file", o.admin_token_file,
                    "admin requests need Authorization: Bearer <the file's first line>; "
                    "without it, a --host other than loopback gets a random token, printed "
                    "in the admin URL")
        ->type_name("FILE");
}

/// The first line of --admin-token-file without the blanks around it (an editor's trailing
/// spaces, a CRLF line end), refused when it cannot guard the admin API.
std::optional<std::string> admin_token_from(const serve_options& o) {
    const auto& path = o.admin_token_file;
    if (!path) return std::nullopt;
    const auto content = read_file_or_stdin(*path, "--admin-token-file");
    constexpr std::string_view blanks = " \t\v\f";
    std::string_view token = std::string_view(content).substr(0, content.find_first_of("\r\n"));
    token.remove_prefix(std::min(token.size(), token.find_first_not_of(blanks)));
    token = token.substr(0, token.find_last_not_of(blanks) + 1);
    if (auto problem = admin_token_problem(token))
        throw usage_error("--admin-token-file: " + *path + ": " + *problem);
    return std::string(token);
}

aq::address_list allowed_sources_from(const std::string& path) {
    auto list = aq::parse_address_list(read_file_or_stdin(path, "--allow-ips"));
    if (!list) throw usage_error("--allow-ips: " + path + ": " + list.error().message());
    if (list->ranges.empty())
        throw usage_error("--allow-ips: " + path + ": the address list is empty; every delivery would get 403");
    return std::move(*list);
}

/// The forward options into the in-process receiver's, checked here so that an error names the option.
void forward_options_from(serve_options& o) {
    if (o.receiver.forward_to)
        if (const auto url = aq::parse_http_url(*o.receiver.forward_to); !url)
            throw usage_error("--forward-to: " + url.error().message());
    const auto secrets = o.forward_secret.collect();
    if (secrets.size() > 1)
        throw usage_error(
            "--forward-secret: give one secret, with --forward-secret or one line of --forward-secret-file");
    if (!secrets.empty() && secrets.front().empty())
        throw usage_error("--forward-secret: a secret must not be empty");
    if (!secrets.empty()) o.receiver.forward_secret = secrets.front();
    o.receiver.forward_timeout = std::chrono::seconds(o.forward_timeout_seconds);
}

/// The receiver's settings from the command line: its options as the in-process receiver takes
/// them, then what only the program has (the overrides of the configuration file's members).
receiver_settings settings_from(serve_options& o) {
    o.receiver.extra_secrets = o.secrets.collect();
    forward_options_from(o);
    if (o.allow_ips) o.receiver.allowed_sources = allowed_sources_from(*o.allow_ips);
    o.receiver.admin_token = admin_token_from(o);
    auto settings = settings_of(o.receiver);
    settings.overrides.signing_method = o.signing_method;
    settings.overrides.policy = o.policy;
    if (o.tolerance_seconds) settings.overrides.tolerance_seconds = *o.tolerance_seconds;
    if (o.no_tolerance) settings.overrides.tolerance_seconds = nullptr;
    return settings;
}

/// Writes a line with write(2), not through stdio: a writer stuck on a full pipe then holds no
/// lock that the program's exit would wait for.
void write_line(int fd, std::string_view line) {
    std::string text(line);
    text += '\n';
    for (std::size_t written = 0; written < text.size();) {
        const auto n = ::write(fd, text.data() + written, text.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return; // the output is gone: the line is lost, not the receiver
        written += static_cast<std::size_t>(n);
    }
}

server_options server_options_from(serve_options& o) {
    o.receiver.read_timeout = std::chrono::seconds(o.read_timeout_seconds);
    if (!o.quiet) o.receiver.log = [](std::string_view line) { write_line(STDERR_FILENO, line); };
    return server_options_of(o.receiver);
}

/// The machine's own addresses of `family` (AF_INET or AF_INET6), but loopback and link-local
/// ones (which a URL cannot name without the interface).
std::vector<boost::asio::ip::address> own_addresses(int family) {
    namespace ip = boost::asio::ip;
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return {};
    const std::unique_ptr<ifaddrs, decltype(&freeifaddrs)> owned(list, freeifaddrs);
    std::vector<ip::address> out;
    for (const ifaddrs* i = list; i; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != family) continue;
        ip::address address;
        if (family == AF_INET) {
            address =
                ip::address_v4(ntohl(reinterpret_cast<const sockaddr_in*>(i->ifa_addr)->sin_addr.s_addr));
        } else {
            ip::address_v6::bytes_type bytes;
            std::memcpy(bytes.data(), reinterpret_cast<const sockaddr_in6*>(i->ifa_addr)->sin6_addr.s6_addr,
                        bytes.size());
            address = ip::address_v6(bytes);
            if (address.to_v6().is_link_local()) continue;
        }
        if (!address.is_loopback() && std::find(out.begin(), out.end(), address) == out.end())
            out.push_back(address);
    }
    return out;
}

/// The admin page's URL on each address a person can open: the listening one, or for 0.0.0.0
/// and ::, which no browser can open, loopback first and then the machine's own addresses.
std::vector<std::string> admin_page_urls(const std::string& host, std::uint16_t port) {
    const auto listening = boost::asio::ip::make_address(host);
    if (!listening.is_unspecified()) return {listening_url(host, port) + std::string(admin_prefix)};
    std::vector<std::string> urls{listening_url(listening.is_v4() ? "127.0.0.1" : "::1", port) +
                                  std::string(admin_prefix)};
    for (const auto& address : own_addresses(listening.is_v4() ? AF_INET : AF_INET6))
        urls.push_back(listening_url(address.to_string(), port) + std::string(admin_prefix));
    return urls;
}

/// Blocks the signals that `wait_for_stop` takes in this thread, and so in the I/O threads it
/// starts later, which then leave them to `sigwait`. SIGUSR1 and SIGUSR2 mean nothing here: ignored
/// rather than left to end the process.
sigset_t take_signals() {
    sigset_t taken;
    sigemptyset(&taken);
    for (int signal : {SIGINT, SIGTERM, SIGQUIT, SIGHUP})
        sigaddset(&taken, signal);
    pthread_sigmask(SIG_BLOCK, &taken, nullptr);
    for (int signal : {SIGPIPE, SIGUSR1, SIGUSR2})
        std::signal(signal, SIG_IGN);
    return taken;
}

std::string signal_name(int signal) {
    switch (signal) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGQUIT: return "SIGQUIT";
    default: return std::to_string(signal);
    }
}

std::string event_line(boost::json::object fields) { return boost::json::serialize(fields); }

/// SIGHUP: reads the --config file again, as servers do; a bad file keeps the configuration in use.
void reload_config(server& listener, receiver_state& state, const std::optional<std::string>& path) {
    if (!path || *path == "-") {
        listener.log(event_line({{"event", "reload"}, {"error", "no --config file to read again"}}));
        return;
    }
    try {
        if (const auto problem = state.replace_config(read_file(*path, "--config")))
            listener.log(event_line({{"event", "reload"}, {"error", *path + ": " + problem->message()}}));
        else
            listener.log(event_line({{"event", "reloaded"}, {"config", *path}}));
    } catch (const usage_error& e) {
        listener.log(event_line({{"event", "reload"}, {"error", e.what()}}));
    }
}

/// Serves until SIGINT, SIGTERM or SIGQUIT, reloading the configuration on SIGHUP; then stops
/// gracefully, and a second stop signal ends the grace period at once.
void serve_until_stopped(server& listener, receiver_state& state, const sigset_t& signals,
                         const std::optional<std::string>& config_path) {
    int received = 0;
    while (sigwait(&signals, &received) == 0 && received == SIGHUP)
        reload_config(listener, state, config_path);
    listener.log(event_line({{"event", "stopping"}, {"signal", signal_name(received)}}));
    std::atomic<bool> stopped{false};
    std::thread stopper([&] {
        listener.stop();
        stopped = true;
    });
    const timespec poll_interval{0, 100'000'000};
    while (!stopped) {
        const int again = sigtimedwait(&signals, nullptr, &poll_interval);
        if (again > 0 && again != SIGHUP) {
            listener.log(event_line({{"event", "stopping now"}, {"signal", signal_name(again)}}));
            listener.end_grace();
        }
    }
    stopper.join();
}

int serve(serve_options& o) {
    const auto& host = o.receiver.host;
    boost::system::error_code host_error;
    boost::asio::ip::make_address(host, host_error);
    if (host_error) throw usage_error("--host: '" + host + "' is not an IP address");
    const auto& config_path = o.config;
    auto settings = settings_from(o);
    // Before any thread starts, so that every thread inherits the mask and the signals reach sigwait.
    const auto signals = take_signals();
    // The forward lines, each written whole by a thread of their own (a stuck standard output
    // stalls no I/O thread); made before the receiver, which uses them until it is gone.
    std::optional<log_queue> forward_lines;
    if (!o.quiet) {
        forward_lines.emplace([](std::string_view line) { write_line(STDOUT_FILENO, line); });
        settings.forward.report = [&lines = *forward_lines](std::string line) {
            lines.push(std::move(line));
        };
    }
    const bool token_in_url = settings.admin.token && !o.admin_token_file;
    std::optional<receiver_state> state;
    try {
        if (config_path)
            state.emplace(read_file_or_stdin(*config_path, "--config"), std::move(settings));
        else
            state.emplace(aq::mock_config(), std::move(settings)); // 200 with no body to every delivery
    } catch (const aq::input_exception& e) {
        throw usage_error(std::string(config_path ? "--config: " + *config_path : "configuration") + ": " +
                          e.what());
    } catch (const journal_file_error& e) {
        throw usage_error(std::string("--journal-file: ") + e.what());
    }
    const auto options = server_options_from(o);
    std::optional<server> listener;
    try {
        listener.emplace(*state, options);
    } catch (const boost::system::system_error& e) {
        throw usage_error("--port: cannot listen on " + listening_url(host, o.receiver.port) + ": " +
                          e.code().message());
    }
    listener->start(o.receiver.threads);
    const auto url = listening_url(host, listener->port());
    std::cout << "listening on " << url << std::endl;
    // As notebook servers do: a random token travels in the fragment, which browsers never
    // send; the page asks for a token from a file.
    const auto fragment = token_in_url ? "#token=" + *state->settings().admin.token : std::string();
    for (const auto& page : admin_page_urls(host, listener->port()))
        std::cout << "admin: " << page << fragment << '\n';
    std::cout << std::flush;

    serve_until_stopped(*listener, *state, signals, config_path);
    return exit_ok;
}

} // namespace

command_runner add_serve_command(CLI::App& program) {
    auto& command = add_command(
        program, "serve", "run the mock receiver",
        "Runs the mock receiver: verifies signatures, answers deliveries by the configured rules\n"
        "(usually with incident patches) and keeps a journal, served under /_aqhook/.\n"
        "Without --config it answers every delivery 200 with an empty body; with --forward-to it\n"
        "sends each one on to your service and answers with its answer, printing a line for each.");
    auto options = std::make_shared<serve_options>();
    declare_receiving_options(command, *options);
    declare_forward_options(command, *options);
    declare_journal_and_admin_options(command, *options);
    return [options] { return serve(*options); };
}

} // namespace aqhook
