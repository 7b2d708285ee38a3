#include "request_reader.hpp"

#include <allquiet/webhook/detail/http_syntax.hpp>

namespace aqhook {

namespace net = boost::asio;
using boost::system::error_code;

namespace {

/// Whether the Transfer-Encoding lines, read as one list (RFC 9110 §5.6.1: empty elements and
/// blanks around them allowed), name chunked and no other coding. Beast's parser frames a body as
/// chunked when its scan of the list stops at chunked, which it also does for "chunked;q=1",
/// "chunked, ;" and a folded "chunked\r\n gzip", where a proxy in front may frame it otherwise.
bool chunked_alone(const http::fields& head) {
    std::size_t codings = 0;
    bool chunked = false;
    for (auto [line, end] = head.equal_range(http::field::transfer_encoding); line != end; ++line) {
        std::string_view list = text_of(line->value());
        for (bool more = true; more;) {
            const auto comma = list.find(',');
            const auto coding = without_blanks(list.substr(0, comma));
            more = comma != std::string_view::npos;
            list.remove_prefix(more ? comma + 1 : list.size());
            if (coding.empty()) continue;
            if (!aq::detail::is_token(coding)) return false;
            ++codings;
            chunked = aq::detail::iequals(coding, "chunked");
        }
    }
    return codings == 1 && chunked;
}

} // namespace

// A missing or repeated Host; a Transfer-Encoding in HTTP/1.0, whose framing is then faulty; or one
// that is not chunked alone, whose body a proxy in front may frame otherwise, reading a second,
// smuggled request in it.
std::optional<std::string> ambiguous_head(const request_parser& parser) {
    const auto& head = parser.get();
    const auto hosts = head.count(http::field::host);
    if (hosts > 1 || (hosts == 0 && head.version() == 11)) return "a request needs exactly one Host header";
    if (head.count(http::field::transfer_encoding) == 0) return std::nullopt;
    if (head.version() == 10) return "an HTTP/1.0 request cannot have a Transfer-Encoding";
    if (!parser.chunked() || !chunked_alone(head))
        return "the Transfer-Encoding must be chunked alone, the one coding this receiver reads";
    return std::nullopt;
}

read_outcome read_failure(error_code ec, std::size_t buffer_limit) {
    if (ec == http::error::end_of_stream || ec == net::error::operation_aborted || ec == net::error::eof ||
        ec == net::error::connection_reset || ec == net::error::bad_descriptor)
        return read_outcome::gone();
    if (ec == http::error::header_limit) return read_outcome::refused(431, "request headers larger than the limit");
    if (ec == http::error::body_limit) return read_outcome::refused(413, "request body larger than the limit");
    if (ec == http::error::buffer_overflow)
        return read_outcome::refused(400, "malformed HTTP request: a chunk line or trailer longer than " +
                                              std::to_string(buffer_limit) + " bytes");
    return read_outcome::refused(400, "malformed HTTP request: " + ec.message());
}

bool request_reader::expects_continue() const {
    const auto& head = parser_->get();
    return head.version() == 11 && aq::detail::iequals(text_of(head[http::field::expect]), "100-continue");
}

} // namespace aqhook
