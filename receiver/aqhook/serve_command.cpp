// aqhook serve: the mock receiver as a program.
#include "commands.hpp"
#include "server.hpp"

#include <allquiet/webhook/address_list.hpp>

#include <csignal>
#include <iostream>
#include <mutex>
#include <pthread.h>

namespace aqhook {

int serve_command(const arguments& args) {
    command_line cli(
        "serve", "Runs the mock receiver: verifies signatures, answers deliveries by the configured rules\n"
                 "(usually with incident patches) and keeps a journal, served under /_aqhook/.\n"
                 "Without --config it answers every delivery 200 with an empty body.");
    cli.option("config", "FILE", "configuration document (see docs/receiver.md)")
        .option("host", "ADDR", "address to listen on (default 127.0.0.1)")
        .option("port", "N", "port to listen on; 0 takes a free one (default 8080)");
    add_secret_options(cli);
    cli.option("signing-method", "any|allquiet|aws", "accepted signing methods (overrides the file)")
        .option("tolerance", "SECONDS", "timestamp tolerance both ways (overrides the file)")
        .flag("no-tolerance", "accept any timestamp (for replaying old deliveries)")
        .option("policy", "enforce|record", "answer 401 to bad signatures, or only journal them")
        .option("journal-size", "N", "deliveries kept, oldest dropped first (default 1000)")
        .option("max-body", "BYTES", "largest request body accepted; larger gets 413 (default 1048576)")
        .option("read-timeout", "SECONDS", "time a client has to send a request (default 30)")
        .option("threads", "N", "I/O threads (default: one per core)")
        .option("allow-ips", "FILE",
                "All Quiet's outbound address list ({\"ips\": [...]}); other peers get 403")
        .flag("trust-forwarded-for", "take the source address from the last X-Forwarded-For hop")
        .flag("quiet", "no request log on standard error");
    if (!cli.parse(args)) return exit_ok;

    receiver_settings settings;
    settings.journal_size = static_cast<std::size_t>(cli.number("journal-size", 1000, 1, 10'000'000));
    settings.trust_forwarded_for = cli.has("trust-forwarded-for");
    settings.overrides.secrets = collect_secrets(cli);
    settings.overrides.signing_method = cli.get("signing-method");
    settings.overrides.policy = cli.get("policy");
    if (cli.has("tolerance") && cli.has("no-tolerance"))
        throw usage_error("--tolerance and --no-tolerance exclude each other");
    if (cli.has("tolerance"))
        settings.overrides.tolerance_seconds = cli.number("tolerance", 300, 0, 31'536'000);
    if (cli.has("no-tolerance")) settings.overrides.tolerance_seconds = nullptr;
    if (const auto path = cli.get("allow-ips")) {
        auto list = aq::parse_address_list(read_file_or_stdin(*path));
        if (!list) throw usage_error(*path + ": " + list.error().message());
        if (list->ranges.empty())
            throw usage_error(*path + ": the address list is empty; every delivery would get 403");
        settings.allowed_sources = std::move(*list);
    }
    std::string config_text(default_config_json);
    if (const auto path = cli.get("config")) config_text = read_file_or_stdin(*path);

    std::optional<receiver_state> state;
    try {
        state.emplace(config_text, std::move(settings));
    } catch (const aq::input_exception& e) {
        throw usage_error("configuration: " + std::string(e.what()));
    }

    server_options options;
    options.host = cli.get("host").value_or("127.0.0.1");
    options.port = static_cast<std::uint16_t>(cli.number("port", 8080, 0, 65535));
    options.max_body = static_cast<std::size_t>(cli.number("max-body", 1 << 20, 0, 1LL << 32));
    options.read_timeout = std::chrono::seconds(cli.number("read-timeout", 30, 1, 3600));
    if (!cli.has("quiet")) {
        options.log = [mutex = std::make_shared<std::mutex>()](std::string_view line) {
            std::lock_guard lock(*mutex);
            std::cerr << line << '\n';
        };
    }
    const auto threads = static_cast<unsigned>(
        cli.number("threads", std::max(1u, std::thread::hardware_concurrency()), 1, 256));

    // SIGINT and SIGTERM are taken by this thread alone: blocked before the I/O threads start.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    server listener(*state, options);
    listener.start(threads);
    std::cout << "listening on " << listening_url(options.host, listener.port()) << std::endl;

    int received = 0;
    sigwait(&stop_signals, &received);
    std::cerr << "{\"event\":\"stopping\",\"signal\":\"" << (received == SIGINT ? "SIGINT" : "SIGTERM")
              << "\"}\n";
    listener.stop();
    return exit_ok;
}

} // namespace aqhook
