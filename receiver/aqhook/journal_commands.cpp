// aqhook journal: a receiver's journal as NDJSON, exported from its journal file and replayed.
#include "commands.hpp"
#include "journal_file.hpp"

#include <boost/json/serialize.hpp>

#include <iostream>
#include <memory>

namespace aqhook {

namespace {

int export_journal(const std::string& path) {
    try {
        journal_file file(path, journal_file::when_absent::refuse);
        file.read([](const aq::journal_entry& entry) {
            std::cout << boost::json::serialize(aq::to_json(entry)) << '\n';
        });
    } catch (const journal_file_error& e) {
        throw usage_error(std::string("--journal-file: ") + e.what() +
                          " (a running receiver exports with GET /_aqhook/requests?format=ndjson)");
    }
    std::cout << std::flush;
    return std::cout ? exit_ok : exit_usage;
}

command_runner add_export_command(CLI::App& journal) {
    auto& command = add_command(
        journal, "export", "print a journal file's entries as NDJSON",
        "Prints the entries of a journal file (aqhook serve --journal-file) as NDJSON, the oldest\n"
        "first: one entry a line, as GET /_aqhook/requests shows it, bodies that are not UTF-8 in\n"
        "base64 (bodyEncoding). The receiver must be stopped: it holds the file while it runs, and\n"
        "exports with GET /_aqhook/requests?format=ndjson then.\n"
        "Exit codes:\n"
        "  0  the entries were printed\n"
        "  2  bad usage, or a file that is not a journal or is in use");
    auto path = std::make_shared<std::string>();
    command.add_option("--journal-file", *path, "the journal file")->type_name("FILE")->required();
    return [path] { return export_journal(*path); };
}

} // namespace

command_runner add_journal_command(CLI::App& program) {
    auto& journal = add_command(program, "journal", "export a receiver's journal and replay its deliveries",
                                "aqhook journal export: a journal file as NDJSON.\n"
                                "aqhook journal replay: the deliveries of an NDJSON export, sent again.");
    journal.require_subcommand(1);
    auto run_export = add_export_command(journal);
    auto run_replay = add_journal_replay_command(journal);
    return [&journal, run_export, run_replay] {
        return journal.got_subcommand("export") ? run_export() : run_replay();
    };
}

} // namespace aqhook
