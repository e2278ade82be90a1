// SPDX-License-Identifier: GPL-2.0-or-later
// A small, strict JSON value, parser and serialiser for the server's QMP
// monitor (monitor.hpp). Strict as RFC 8259 is, plus what QMP's own parser
// refuses: strings must be valid UTF-8 (no lone surrogates, no overlong
// forms) and may not contain U+0000; nesting is bounded; a number must be
// an integer that fits int64 or uint64, or a finite double. Objects keep
// their members in order; a member given twice is refused. Nothing here
// throws or aborts on input: a refusal is nullopt and one line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace mdev::vfio_user {

class Json {
public:
    using Array = std::vector<Json>;
    using Member = std::pair<std::string, Json>;
    using Object = std::vector<Member>;
    // An integer too large for int64 but fitting uint64.
    struct Unsigned {
        std::uint64_t value;
    };

    Json() = default; // null
    Json(std::nullptr_t) {}
    Json(bool b) : v_(b) {}
    Json(int i) : v_(std::int64_t(i)) {}
    Json(unsigned u) : v_(std::int64_t(u)) {}
    Json(std::int64_t i) : v_(i) {}
    Json(std::uint64_t u)
    {
        if (u <= std::uint64_t(INT64_MAX)) {
            v_ = std::int64_t(u);
        } else {
            v_ = Unsigned{u};
        }
    }
    Json(double d) : v_(d) {}
    Json(const char *s) : v_(std::string(s)) {}
    Json(std::string s) : v_(std::move(s)) {}
    Json(std::string_view s) : v_(std::string(s)) {}
    Json(Array a) : v_(std::move(a)) {}
    Json(Object o) : v_(std::move(o)) {}

    bool is_null() const { return std::holds_alternative<std::monostate>(v_); }
    bool is_bool() const { return std::holds_alternative<bool>(v_); }
    bool is_string() const { return std::holds_alternative<std::string>(v_); }
    bool is_array() const { return std::holds_alternative<Array>(v_); }
    bool is_object() const { return std::holds_alternative<Object>(v_); }
    bool is_double() const { return std::holds_alternative<double>(v_); }
    // An integer (int64 or beyond INT64_MAX up to UINT64_MAX).
    bool is_integer() const
    {
        return std::holds_alternative<std::int64_t>(v_) || std::holds_alternative<Unsigned>(v_);
    }

    bool as_bool() const { return std::get<bool>(v_); }
    const std::string &as_string() const { return std::get<std::string>(v_); }
    const Array &as_array() const { return std::get<Array>(v_); }
    Array &as_array() { return std::get<Array>(v_); }
    const Object &as_object() const { return std::get<Object>(v_); }
    Object &as_object() { return std::get<Object>(v_); }
    double as_double() const { return std::get<double>(v_); }
    // The integer as int64, if it is one that fits.
    std::optional<std::int64_t> as_int64() const;
    // The integer as uint64, if it is one that fits.
    std::optional<std::uint64_t> as_uint64() const;

    // An object's member, or nullptr (also for a non-object).
    const Json *get(std::string_view key) const;
    // Appends a member to an object (the caller keeps keys unique).
    Json &add(std::string key, Json value);

    // Compact text: {"a": 1, "b": [true, null]} (QEMU's spacing after ':'
    // and ','), strings escaped as JSON requires.
    std::string dump() const;

private:
    void dump_to(std::string &out) const;

    std::variant<std::monostate, bool, std::int64_t, Unsigned, double, std::string, Array,
                 Object>
        v_;
};

struct JsonLimits {
    std::size_t max_depth = 64;     // arrays and objects inside each other
    std::size_t max_length = 1 << 20; // bytes of text
};

// Parses exactly one JSON value, with optional whitespace around it.
// nullopt: *error says what was wrong and where (byte offset).
std::optional<Json> parse_json(std::string_view text, std::string *error,
                               const JsonLimits &limits = {});

// Appends `s` as a JSON string (quoted and escaped). `s` is assumed to be
// UTF-8; bytes that are not are written as U+FFFD.
void json_quote(std::string &out, std::string_view s);

} // namespace mdev::vfio_user
