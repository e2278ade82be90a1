// SPDX-License-Identifier: GPL-2.0-or-later
// Little-endian values in byte buffers. PCI config space, VFIO region data,
// virtio registers and rings are all little-endian; every layer reads and
// writes them through these two calls rather than its own shift loops.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace mdev {

// The value of bytes[0..size), least significant byte first (size <= 8).
inline std::uint64_t load_le(std::span<const std::uint8_t> bytes)
{
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < bytes.size(); i++) {
        v |= std::uint64_t(bytes[i]) << (8 * i);
    }
    return v;
}

// Stores the low bytes.size() bytes of v, least significant first.
inline void store_le(std::span<std::uint8_t> bytes, std::uint64_t v)
{
    for (std::size_t i = 0; i < bytes.size(); i++) {
        bytes[i] = static_cast<std::uint8_t>(v >> (8 * i));
    }
}

} // namespace mdev
