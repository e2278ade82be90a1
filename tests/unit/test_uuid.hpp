// SPDX-License-Identifier: GPL-2.0-or-later
// The UUID of the n-th mdev a unit test creates: one spelling for every
// suite, already canonical (lower-case 8-4-4-4-12), so that a test can
// compare it with what the core reports.
#pragma once

#include <cstdio>
#include <string>

namespace mdev::test {

inline std::string uuid_n(unsigned n)
{
    char buf[40];
    std::snprintf(buf, sizeof(buf), "4d7e0c11-2b6a-4f3e-9c5d-%012x", n);
    return buf;
}

} // namespace mdev::test
