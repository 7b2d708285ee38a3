// Text that goes into JSON and logs: a delivery may carry any bytes, the journal and the log
// stay valid UTF-8 JSON.
#pragma once

#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace aqhook {

/// The length of the well-formed UTF-8 sequence at `text[i]` (RFC 3629: no overlong forms, no
/// surrogates, nothing above U+10FFFF), or 0 where none starts.
inline std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    if (lead < 0x80) return 1;
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xBF; // the range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0) low = 0xA0;  // overlong
        if (lead == 0xED) high = 0x9F; // surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0) low = 0x90;  // overlong
        if (lead == 0xF4) high = 0x8F; // above U+10FFFF
    } else {
        return 0;
    }
    if (i + length > text.size() || byte(i + 1) < low || byte(i + 1) > high) return 0;
    for (std::size_t k = 2; k < length; ++k)
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
    return length;
}

/// Where the run of ASCII bytes that starts at `text[i]` ends, read eight bytes at a time: most
/// text is ASCII, and bodies are long.
inline std::size_t ascii_run_end(std::string_view text, std::size_t i) {
    for (std::uint64_t word; i + sizeof word <= text.size(); i += sizeof word) {
        std::memcpy(&word, text.data() + i, sizeof word);
        if (word & 0x8080808080808080u) break;
    }
    while (i < text.size() && static_cast<unsigned char>(text[i]) < 0x80)
        ++i;
    return i;
}

inline bool is_valid_utf8(std::string_view text) {
    for (std::size_t i = ascii_run_end(text, 0); i < text.size(); i = ascii_run_end(text, i)) {
        const std::size_t length = utf8_sequence_length(text, i);
        if (length == 0) return false;
        i += length;
    }
    return true;
}

/// `text` with each byte that starts no well-formed sequence replaced by U+FFFD.
inline std::string valid_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t ascii_end = ascii_run_end(text, i);
        out.append(text.substr(i, ascii_end - i));
        if ((i = ascii_end) == text.size()) break;
        const std::size_t length = utf8_sequence_length(text, i);
        if (length == 0) {
            out += "\xEF\xBF\xBD";
            ++i;
        } else {
            out.append(text.substr(i, length));
            i += length;
        }
    }
    return out;
}

/// At most `limit` bytes of `text` made valid UTF-8, cut at the end of a character, with "..."
/// after it when cut: what an answer or a report echoes of a request, which may be megabytes.
inline std::string valid_utf8_prefix(std::string_view text, std::size_t limit) {
    constexpr std::size_t longest_character = 4;
    std::string valid = valid_utf8(text.substr(0, limit + longest_character));
    if (valid.size() <= limit) return valid; // the whole text: it only grows valid
    std::size_t cut = limit;
    while ((static_cast<unsigned char>(valid[cut]) & 0xC0) == 0x80) // a continuation byte
        --cut;
    valid.resize(cut);
    return valid + "...";
}

/// Runs OpenSSL's EVP_EncodeBlock or EVP_DecodeBlock over `in` into `out`, in pieces of `piece`
/// bytes (a whole number of base64 groups): they take an int length. Returns the bytes written.
inline std::size_t base64_in_pieces(int (*block)(unsigned char*, const unsigned char*, int), std::string_view in,
                                    std::size_t piece, char* out) {
    std::size_t written = 0;
    for (std::size_t from = 0; from < in.size(); from += piece) {
        const auto part = in.substr(from, piece);
        written += static_cast<std::size_t>(block(reinterpret_cast<unsigned char*>(out + written),
                                                  reinterpret_cast<const unsigned char*>(part.data()),
                                                  static_cast<int>(part.size())));
    }
    return written;
}

/// Standard, padded base64 (RFC 4648 §4).
inline std::string base64(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0'); // EVP_EncodeBlock adds a NUL
    out.resize(base64_in_pieces(EVP_EncodeBlock, bytes, 3 << 20, out.data()));
    return out;
}

/// The bytes of standard, padded base64 text; nothing when it is not that.
inline std::optional<std::string> from_base64(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    const std::size_t padding = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
    if (text.substr(0, text.size() - padding)
            .find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") !=
        std::string_view::npos)
        return std::nullopt;
    std::string out(text.size() / 4 * 3, '\0');
    // EVP_DecodeBlock counts the padding as zero bytes
    out.resize(base64_in_pieces(EVP_DecodeBlock, text, 4 << 20, out.data()) - padding);
    return out;
}

} // namespace aqhook
