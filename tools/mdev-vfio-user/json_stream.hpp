// SPDX-License-Identifier: GPL-2.0-or-later
// Cuts the monitor's byte stream into JSON texts, as QEMU's json-streamer
// does: a text that starts with '{' or '[' ends where its brackets balance
// (outside strings), so a client need not end a command with a newline
// (QEMU's Python QMP library does not); anything else at the top level is
// taken up to the end of its line and handed on as one text (to be
// refused). A raw control character inside a string ends the text there
// (JSON forbids it; the text is refused), so a newline always resynchronises.
// A text longer than the limit, or nested deeper, is refused as soon as it
// is seen, and the rest of it is skipped (to where its brackets balance, or
// to the end of its line) without being kept: one refusal per text.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace mdev::vfio_user {

class JsonStream {
public:
    struct Limits {
        std::size_t max_length = 1 << 20;
        std::size_t max_depth = 64;
    };
    // text: one whole JSON text (maybe invalid); too_long: a text was cut
    // off for `why` and is not handed on.
    using OnText = std::function<void(std::string_view text)>;
    using OnOverflow = std::function<void(const std::string &why)>;

    JsonStream(OnText on_text, OnOverflow on_overflow, Limits limits)
        : on_text_(std::move(on_text)), on_overflow_(std::move(on_overflow)), limits_(limits)
    {
    }
    JsonStream(OnText on_text, OnOverflow on_overflow)
        : JsonStream(std::move(on_text), std::move(on_overflow), Limits{})
    {
    }

    void feed(std::string_view bytes);

private:
    void emit();
    void overflow(const std::string &why);
    void reset();

    OnText on_text_;
    OnOverflow on_overflow_;
    Limits limits_;
    std::string buf_;
    enum class State { between, structured, line, skip_structured, skip_line };
    State state_ = State::between;
    std::size_t depth_ = 0;
    bool in_string_ = false;
    bool escape_ = false;
};

} // namespace mdev::vfio_user
