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

void add(const char *event, const char *format, ...) __attribute__((format(printf, 2, 3)));

// What was added since the last take(), oldest first, one line per call:
// "event: message" ("mtty_uart_write: uuid ... LCR <- 0x83"); clears it.
std::vector<std::string> take();

} // namespace mdev::trace_record
