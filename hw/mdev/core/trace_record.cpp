// SPDX-License-Identifier: GPL-2.0-or-later
#include "trace_record.hpp"

#include <cstdarg>
#include <cstdio>
#include <utility>

namespace mdev::trace_record {

namespace {

std::vector<std::string> &lines()
{
    static std::vector<std::string> all;
    return all;
}

} // namespace

void add(const char *event, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    va_list again;
    va_copy(again, ap);
    const int len = std::vsnprintf(nullptr, 0, format, ap);
    va_end(ap);
    std::string message(len > 0 ? static_cast<std::size_t>(len) : 0, '\0');
    if (len > 0) {
        std::vsnprintf(message.data(), message.size() + 1, format, again);
    }
    va_end(again);
    lines().push_back(std::string(event) + ": " + message);
}

std::vector<std::string> take()
{
    return std::exchange(lines(), {});
}

} // namespace mdev::trace_record
