// SPDX-License-Identifier: GPL-2.0-or-later
#include "hw/mdev/uuid.hpp"

#include "hw/mdev/hex.hpp"

#include <cstdio>

namespace mdev {

namespace {

constexpr bool is_dash_position(std::size_t i)
{
    return i == 8 || i == 13 || i == 18 || i == 23;
}

} // namespace

std::optional<Uuid> Uuid::parse(std::string_view text)
{
    if (text.size() != 36) {
        return std::nullopt;
    }
    Uuid uuid;
    std::size_t nibble = 0;
    for (std::size_t i = 0; i < text.size(); i++) {
        if (is_dash_position(i)) {
            if (text[i] != '-') {
                return std::nullopt;
            }
            continue;
        }
        int v = hex_value(text[i]);
        if (v < 0) {
            return std::nullopt;
        }
        std::uint8_t &byte = uuid.bytes_[nibble / 2];
        byte = static_cast<std::uint8_t>((nibble % 2) ? (byte | v) : (v << 4));
        nibble++;
    }
    return uuid;
}

std::string Uuid::to_string() const
{
    char buf[37];
    std::snprintf(buf, sizeof(buf),
                  "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                  bytes_[0], bytes_[1], bytes_[2], bytes_[3], bytes_[4], bytes_[5],
                  bytes_[6], bytes_[7], bytes_[8], bytes_[9], bytes_[10], bytes_[11],
                  bytes_[12], bytes_[13], bytes_[14], bytes_[15]);
    return buf;
}

} // namespace mdev
