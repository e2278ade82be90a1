// SPDX-License-Identifier: GPL-2.0-or-later
// Where the C++'s trace events go in builds without QEMU (unit tests,
// fuzzers): trace-bridge.py's --stub files call add() for an event whose
// state variable (_TRACE_NAME_DSTATE, declared in the generated
// trace-GROUP.hpp) a test has set, with the message its trace-events format
// gives. Inside QEMU the same calls reach QEMU's trace backends instead.
#pragma once

#include <string>
#include <vector>

namespace mdev::trace_record {

struct Entry {
    std::string event;   // "mtty_uart_write"
    std::string message; // its trace-events format, filled in
};

void add(const char *event, const char *format, ...) __attribute__((format(printf, 2, 3)));

// The entries added since the last take(), oldest first; clears them.
std::vector<Entry> take();

} // namespace mdev::trace_record
