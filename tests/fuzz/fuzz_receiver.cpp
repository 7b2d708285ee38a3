// The receiver's pure request handler fed raw HTTP: every request Beast accepts gets an answer.
#include "request_handler.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>

#include <cstdint>

// A small journal still drops entries, and keeps each admin listing cheap enough that the
// fuzzer spends its time on the requests rather than on serialising a thousand entries.
static aqhook::receiver_settings small_journal() {
    aqhook::receiver_settings settings;
    settings.journal.max_entries = 16;
    return settings;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    static aqhook::receiver_state state(
        R"({"secrets": ["s"], "policy": "record", "rules": [
            {"name": "json", "match": {"path": "/hooks/*", "json": {"/events/0/severity": "Critical"}},
             "respond": {"patchTemplate": "{\"operations\": {\"upsertAttributes\": {\"attributes\": [{\"name\": \"T\", \"value\": \"{{id}}x\"}]}}}"}},
            {"name": "seq", "match": {"method": "PUT"}, "respond": {"sequence": [{"status": 500}, {"body": {"a": 1}}]}}]})",
        small_journal());
    boost::beast::http::request_parser<boost::beast::http::string_body> parser;
    parser.eager(true);
    parser.body_limit(1 << 16);
    boost::system::error_code ec;
    parser.put(boost::asio::buffer(input.data(), input.size()), ec);
    if (ec || !parser.is_done()) return 0;
    auto request = parser.release();
    (void)aqhook::handle_request(state, request, "127.0.0.1");
    return 0;
}
