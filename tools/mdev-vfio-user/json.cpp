// SPDX-License-Identifier: GPL-2.0-or-later
#include "json.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace mdev::vfio_user {

std::optional<std::int64_t> Json::as_int64() const
{
    if (const auto *i = std::get_if<std::int64_t>(&v_)) {
        return *i;
    }
    return std::nullopt;
}

std::optional<std::uint64_t> Json::as_uint64() const
{
    if (const auto *i = std::get_if<std::int64_t>(&v_)) {
        return *i >= 0 ? std::optional<std::uint64_t>(std::uint64_t(*i)) : std::nullopt;
    }
    if (const auto *u = std::get_if<Unsigned>(&v_)) {
        return u->value;
    }
    return std::nullopt;
}

const Json *Json::get(std::string_view key) const
{
    if (const auto *o = std::get_if<Object>(&v_)) {
        for (const Member &m : *o) {
            if (m.first == key) {
                return &m.second;
            }
        }
    }
    return nullptr;
}

Json &Json::add(std::string key, Json value)
{
    if (!is_object()) {
        v_ = Object{};
    }
    auto &o = std::get<Object>(v_);
    o.emplace_back(std::move(key), std::move(value));
    return *this;
}

namespace {

// The length of the UTF-8 sequence at s[0] (1-4), or 0 if it is not a
// valid, shortest-form encoding of a scalar value (no surrogates).
std::size_t utf8_sequence(std::string_view s)
{
    const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    const unsigned char c = b(0);
    if (c < 0x80) {
        return 1;
    }
    std::size_t n;
    std::uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (s.size() < n) {
        return 0;
    }
    for (std::size_t i = 1; i < n; i++) {
        if ((b(i) & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (b(i) & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
        return 0;
    }
    return n;
}

void put_utf8(std::string &out, std::uint32_t cp)
{
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    }
}

class Parser {
public:
    Parser(std::string_view text, const JsonLimits &limits) : s_(text), limits_(limits) {}

    std::optional<Json> run(std::string *error)
    {
        if (s_.size() > limits_.max_length) {
            return fail(error, "the text is longer than " + std::to_string(limits_.max_length) +
                                   " bytes");
        }
        skip_ws();
        std::optional<Json> v = value(0);
        if (v) {
            skip_ws();
            if (pos_ != s_.size()) {
                v.reset();
                why_ = "unexpected text after the value";
            }
        }
        if (!v) {
            return fail(error, why_ + " at byte " + std::to_string(pos_));
        }
        return v;
    }

private:
    std::optional<Json> fail(std::string *error, const std::string &what)
    {
        if (error) {
            *error = what;
        }
        return std::nullopt;
    }
    std::optional<Json> bad(const char *why)
    {
        why_ = why;
        return std::nullopt;
    }
    bool at_end() const { return pos_ >= s_.size(); }
    char peek() const { return s_[pos_]; }
    void skip_ws()
    {
        while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) {
            pos_++;
        }
    }
    bool literal(std::string_view word)
    {
        if (s_.substr(pos_, word.size()) == word) {
            pos_ += word.size();
            return true;
        }
        return false;
    }

    std::optional<Json> value(std::size_t depth)
    {
        if (at_end()) {
            return bad("a value was expected");
        }
        switch (peek()) {
        case '{':
            return object(depth + 1);
        case '[':
            return array(depth + 1);
        case '"': {
            std::optional<std::string> str = string();
            if (!str) {
                return std::nullopt;
            }
            return Json(std::move(*str));
        }
        case 't':
            return literal("true") ? std::optional<Json>(Json(true)) : bad("invalid literal");
        case 'f':
            return literal("false") ? std::optional<Json>(Json(false)) : bad("invalid literal");
        case 'n':
            return literal("null") ? std::optional<Json>(Json()) : bad("invalid literal");
        default:
            if (peek() == '-' || (peek() >= '0' && peek() <= '9')) {
                return number();
            }
            return bad("a value was expected");
        }
    }

    std::optional<Json> object(std::size_t depth)
    {
        if (depth > limits_.max_depth) {
            return bad("nesting too deep");
        }
        pos_++; // '{'
        Json::Object members;
        skip_ws();
        if (!at_end() && peek() == '}') {
            pos_++;
            return Json(std::move(members));
        }
        for (;;) {
            skip_ws();
            if (at_end() || peek() != '"') {
                return bad("a member name (a string) was expected");
            }
            std::optional<std::string> key = string();
            if (!key) {
                return std::nullopt;
            }
            for (const Json::Member &m : members) {
                if (m.first == *key) {
                    return bad("a member name is repeated");
                }
            }
            skip_ws();
            if (at_end() || peek() != ':') {
                return bad("':' was expected");
            }
            pos_++;
            skip_ws();
            std::optional<Json> v = value(depth);
            if (!v) {
                return std::nullopt;
            }
            members.emplace_back(std::move(*key), std::move(*v));
            skip_ws();
            if (at_end()) {
                return bad("',' or '}' was expected");
            }
            if (peek() == ',') {
                pos_++;
                continue;
            }
            if (peek() == '}') {
                pos_++;
                return Json(std::move(members));
            }
            return bad("',' or '}' was expected");
        }
    }

    std::optional<Json> array(std::size_t depth)
    {
        if (depth > limits_.max_depth) {
            return bad("nesting too deep");
        }
        pos_++; // '['
        Json::Array items;
        skip_ws();
        if (!at_end() && peek() == ']') {
            pos_++;
            return Json(std::move(items));
        }
        for (;;) {
            skip_ws();
            std::optional<Json> v = value(depth);
            if (!v) {
                return std::nullopt;
            }
            items.push_back(std::move(*v));
            skip_ws();
            if (at_end()) {
                return bad("',' or ']' was expected");
            }
            if (peek() == ',') {
                pos_++;
                continue;
            }
            if (peek() == ']') {
                pos_++;
                return Json(std::move(items));
            }
            return bad("',' or ']' was expected");
        }
    }

    std::optional<std::uint32_t> hex4()
    {
        if (s_.size() - pos_ < 4) {
            return std::nullopt;
        }
        std::uint32_t v = 0;
        for (int i = 0; i < 4; i++) {
            const char c = s_[pos_ + i];
            v <<= 4;
            if (c >= '0' && c <= '9') {
                v |= std::uint32_t(c - '0');
            } else if (c >= 'a' && c <= 'f') {
                v |= std::uint32_t(c - 'a' + 10);
            } else if (c >= 'A' && c <= 'F') {
                v |= std::uint32_t(c - 'A' + 10);
            } else {
                return std::nullopt;
            }
        }
        pos_ += 4;
        return v;
    }

    std::optional<std::string> string()
    {
        pos_++; // '"'
        std::string out;
        for (;;) {
            if (at_end()) {
                why_ = "unterminated string";
                return std::nullopt;
            }
            const unsigned char c = static_cast<unsigned char>(peek());
            if (c == '"') {
                pos_++;
                return out;
            }
            if (c < 0x20) {
                why_ = "a control character in a string";
                return std::nullopt;
            }
            if (c == '\\') {
                pos_++;
                if (at_end()) {
                    why_ = "unterminated string";
                    return std::nullopt;
                }
                const char e = peek();
                pos_++;
                switch (e) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': {
                    std::optional<std::uint32_t> cp = hex4();
                    if (!cp) {
                        why_ = "\\u needs four hex digits";
                        return std::nullopt;
                    }
                    if (*cp >= 0xd800 && *cp <= 0xdbff) {
                        // A high surrogate: a low one must follow.
                        std::optional<std::uint32_t> lo;
                        if (s_.substr(pos_, 2) == "\\u") {
                            pos_ += 2;
                            lo = hex4();
                        }
                        if (!lo || *lo < 0xdc00 || *lo > 0xdfff) {
                            why_ = "a lone UTF-16 surrogate in \\u";
                            return std::nullopt;
                        }
                        *cp = 0x10000 + ((*cp - 0xd800) << 10) + (*lo - 0xdc00);
                    } else if (*cp >= 0xdc00 && *cp <= 0xdfff) {
                        why_ = "a lone UTF-16 surrogate in \\u";
                        return std::nullopt;
                    } else if (*cp == 0) {
                        why_ = "\\u0000 is not supported";
                        return std::nullopt;
                    }
                    put_utf8(out, *cp);
                    break;
                }
                default:
                    why_ = "an invalid escape in a string";
                    return std::nullopt;
                }
                continue;
            }
            const std::size_t n = utf8_sequence(s_.substr(pos_));
            if (n == 0) {
                why_ = "invalid UTF-8 in a string";
                return std::nullopt;
            }
            out.append(s_.substr(pos_, n));
            pos_ += n;
        }
    }

    std::optional<Json> number()
    {
        const std::size_t start = pos_;
        bool integer = true;
        if (peek() == '-') {
            pos_++;
        }
        if (at_end() || !(peek() >= '0' && peek() <= '9')) {
            return bad("a digit was expected");
        }
        if (peek() == '0') {
            pos_++;
            if (!at_end() && peek() >= '0' && peek() <= '9') {
                return bad("a number may not have leading zeros");
            }
        } else {
            while (!at_end() && peek() >= '0' && peek() <= '9') {
                pos_++;
            }
        }
        if (!at_end() && peek() == '.') {
            integer = false;
            pos_++;
            if (at_end() || !(peek() >= '0' && peek() <= '9')) {
                return bad("a digit was expected after '.'");
            }
            while (!at_end() && peek() >= '0' && peek() <= '9') {
                pos_++;
            }
        }
        if (!at_end() && (peek() == 'e' || peek() == 'E')) {
            integer = false;
            pos_++;
            if (!at_end() && (peek() == '+' || peek() == '-')) {
                pos_++;
            }
            if (at_end() || !(peek() >= '0' && peek() <= '9')) {
                return bad("a digit was expected in the exponent");
            }
            while (!at_end() && peek() >= '0' && peek() <= '9') {
                pos_++;
            }
        }
        // strtoll and friends need a terminated copy; numbers are short
        // unless hostile, and then bounded by the text's limit.
        const std::string text(s_.substr(start, pos_ - start));
        if (integer) {
            errno = 0;
            char *end = nullptr;
            if (text[0] == '-') {
                const long long v = std::strtoll(text.c_str(), &end, 10);
                if (errno == 0 && *end == '\0') {
                    return Json(std::int64_t(v));
                }
            } else {
                const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
                if (errno == 0 && *end == '\0') {
                    return Json(std::uint64_t(v));
                }
            }
            // Out of the integers' range: a double, as QEMU's parser does.
        }
        errno = 0;
        char *end = nullptr;
        const double d = std::strtod(text.c_str(), &end);
        if (*end != '\0' || !std::isfinite(d)) {
            return bad("a number out of range");
        }
        return Json(d);
    }

    std::string_view s_;
    const JsonLimits &limits_;
    std::size_t pos_ = 0;
    std::string why_ = "invalid JSON";
};

} // namespace

std::optional<Json> parse_json(std::string_view text, std::string *error, const JsonLimits &limits)
{
    return Parser(text, limits).run(error);
}

void json_quote(std::string &out, std::string_view s)
{
    out += '"';
    for (std::size_t i = 0; i < s.size();) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        switch (c) {
        case '"': out += "\\\""; i++; continue;
        case '\\': out += "\\\\"; i++; continue;
        case '\n': out += "\\n"; i++; continue;
        case '\r': out += "\\r"; i++; continue;
        case '\t': out += "\\t"; i++; continue;
        case '\b': out += "\\b"; i++; continue;
        case '\f': out += "\\f"; i++; continue;
        default:
            break;
        }
        if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof(buf), "\\u%04x", c);
            out += buf;
            i++;
            continue;
        }
        const std::size_t n = utf8_sequence(s.substr(i));
        if (n == 0) {
            out += "\\ufffd";
            i++;
            continue;
        }
        out.append(s.substr(i, n));
        i += n;
    }
    out += '"';
}

std::string Json::dump() const
{
    std::string out;
    dump_to(out);
    return out;
}

void Json::dump_to(std::string &out) const
{
    struct Visitor {
        std::string &out;
        void operator()(std::monostate) { out += "null"; }
        void operator()(bool b) { out += b ? "true" : "false"; }
        void operator()(std::int64_t i) { out += std::to_string(i); }
        void operator()(Unsigned u) { out += std::to_string(u.value); }
        void operator()(double d)
        {
            char buf[32];
            std::snprintf(buf, sizeof(buf), "%.17g", d);
            out += buf;
            // "1" would read back as an integer.
            if (!std::strpbrk(buf, ".eE")) {
                out += ".0";
            }
        }
        void operator()(const std::string &s) { json_quote(out, s); }
        void operator()(const Array &a)
        {
            out += '[';
            for (std::size_t i = 0; i < a.size(); i++) {
                if (i) {
                    out += ", ";
                }
                a[i].dump_to(out);
            }
            out += ']';
        }
        void operator()(const Object &o)
        {
            out += '{';
            for (std::size_t i = 0; i < o.size(); i++) {
                if (i) {
                    out += ", ";
                }
                json_quote(out, o[i].first);
                out += ": ";
                o[i].second.dump_to(out);
            }
            out += '}';
        }
    };
    std::visit(Visitor{out}, v_);
}

} // namespace mdev::vfio_user
