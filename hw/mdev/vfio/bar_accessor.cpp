// SPDX-License-Identifier: GPL-2.0-or-later
// BarAccessor's size adaptation, the same arithmetic as QEMU's memory core
// (access_with_adjusted_size, little-endian device), so that a unit test or
// a fuzzer sees what a guest sees through QEMU.
#include "hw/mdev/vfio_ops.hpp"

#include <algorithm>
#include <bit>

namespace mdev::vfio {

namespace {

bool size_ok(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

std::uint64_t mask_of(unsigned size)
{
    return size >= 8 ? ~std::uint64_t(0) : (std::uint64_t(1) << (8 * size)) - 1;
}

} // namespace

bool BarAccessor::well_formed() const
{
    return read && write && size_ok(min_size) && size_ok(max_size) && min_size <= max_size;
}

std::uint64_t BarAccessor::adapted_read(std::uint64_t offset, unsigned size) const
{
    if (!unaligned && offset % size != 0) {
        return 0;
    }
    const unsigned step = std::clamp(size, min_size, max_size);
    std::uint64_t value = 0;
    for (unsigned i = 0; i < size; i += step) {
        value |= (read(opaque, offset + i, step) & mask_of(step)) << (8 * i);
    }
    return value & mask_of(size);
}

void BarAccessor::adapted_write(std::uint64_t offset, std::uint64_t value, unsigned size) const
{
    if (!unaligned && offset % size != 0) {
        return;
    }
    const unsigned step = std::clamp(size, min_size, max_size);
    value &= mask_of(size);
    for (unsigned i = 0; i < size; i += step) {
        write(opaque, offset + i, (value >> (8 * i)) & mask_of(step), step);
    }
}

} // namespace mdev::vfio
