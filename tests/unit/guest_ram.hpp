// SPDX-License-Identifier: GPL-2.0-or-later
// DMA into and out of a test's guest RAM, bytes that stand at
// guest-physical `base`: one bounds rule for every fake host of the unit
// tests and fuzzers. An access not wholly inside the RAM fails and copies
// nothing, as the real host's checked DMA does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace mdev::test {

// Whether [addr, addr + len) lies in `ram_size` bytes of RAM at `base`
// (without overflow, whatever addr and len are).
inline bool ram_contains(std::size_t ram_size, std::uint64_t base, std::uint64_t addr,
                         std::size_t len)
{
    return addr >= base && addr - base <= ram_size && len <= ram_size - (addr - base);
}

inline bool ram_read(std::span<const std::uint8_t> ram, std::uint64_t base, std::uint64_t addr,
                     std::span<std::uint8_t> out)
{
    if (!ram_contains(ram.size(), base, addr, out.size())) {
        return false;
    }
    if (!out.empty()) {
        std::memcpy(out.data(), ram.data() + (addr - base), out.size());
    }
    return true;
}

inline bool ram_write(std::span<std::uint8_t> ram, std::uint64_t base, std::uint64_t addr,
                      std::span<const std::uint8_t> in)
{
    if (!ram_contains(ram.size(), base, addr, in.size())) {
        return false;
    }
    if (!in.empty()) {
        std::memcpy(ram.data() + (addr - base), in.data(), in.size());
    }
    return true;
}

} // namespace mdev::test
