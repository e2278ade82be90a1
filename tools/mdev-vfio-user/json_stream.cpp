// SPDX-License-Identifier: GPL-2.0-or-later
#include "json_stream.hpp"

namespace mdev::vfio_user {

void JsonStream::reset()
{
    buf_.clear();
    state_ = State::between;
    depth_ = 0;
    in_string_ = false;
    escape_ = false;
}

void JsonStream::emit()
{
    std::string text;
    text.swap(buf_);
    reset();
    on_text_(text);
}

void JsonStream::overflow(const std::string &why)
{
    // The rest of the text is skipped, its brackets still counted.
    buf_.clear();
    buf_.shrink_to_fit();
    state_ = state_ == State::line ? State::skip_line : State::skip_structured;
    on_overflow_(why);
}

void JsonStream::feed(std::string_view bytes)
{
    for (const char ch : bytes) {
        const unsigned char c = static_cast<unsigned char>(ch);
        switch (state_) {
        case State::between:
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                continue;
            }
            buf_ += ch;
            if (c == '{' || c == '[') {
                state_ = State::structured;
                depth_ = 1;
            } else {
                state_ = State::line;
            }
            continue;
        case State::line:
            if (c == '\n') {
                emit();
                continue;
            }
            if (buf_.size() >= limits_.max_length) {
                overflow("a line longer than " + std::to_string(limits_.max_length) + " bytes");
                continue;
            }
            buf_ += ch;
            continue;
        case State::skip_line:
            if (c == '\n') {
                reset();
            }
            continue;
        case State::structured:
            if (buf_.size() >= limits_.max_length) {
                overflow("a JSON text longer than " + std::to_string(limits_.max_length) +
                         " bytes");
                break; // this byte is counted below, as skipped
            }
            buf_ += ch;
            break;
        case State::skip_structured:
            break;
        }
        const bool skipping = state_ == State::skip_structured;
        if (in_string_) {
            if (escape_) {
                escape_ = false;
            } else if (c == '\\') {
                escape_ = true;
            } else if (c == '"') {
                in_string_ = false;
            } else if (c < 0x20) {
                // Invalid in JSON: the text ends here (refused by the
                // parser, or already refused), and the stream starts again.
                if (skipping) {
                    reset();
                } else {
                    emit();
                }
            }
            continue;
        }
        switch (c) {
        case '"':
            in_string_ = true;
            break;
        case '{':
        case '[':
            if (++depth_ > limits_.max_depth && !skipping) {
                overflow("JSON nested deeper than " + std::to_string(limits_.max_depth) +
                         " levels");
            }
            break;
        case '}':
        case ']':
            if (--depth_ == 0) {
                if (skipping) {
                    reset();
                } else {
                    emit();
                }
            }
            break;
        default:
            break;
        }
    }
}

} // namespace mdev::vfio_user
