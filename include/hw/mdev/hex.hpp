// SPDX-License-Identifier: GPL-2.0-or-later
// One hex digit's value, for the text forms the core and parents parse
// (UUIDs, MAC addresses).
#pragma once

namespace mdev {

// 0..15 for 0-9, a-f, A-F; -1 for any other character.
constexpr int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

} // namespace mdev
