// SPDX-License-Identifier: GPL-2.0-or-later
// BarAccessor's width rules, the one place they are written: which
// accesses the machine lets through (QEMU's memory_region_access_valid with
// the valid sizes the glue gives it from valid_max_size()) and how the rest
// is adapted to the handlers' sizes (QEMU's access_with_adjusted_size,
// little-endian device), so that a unit test or a fuzzer sees what a guest
// sees through QEMU.
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

unsigned BarAccessor::valid_max_size() const
{
    return std::max(4u, max_size);
}

const char *BarAccessor::refusal(std::uint64_t offset, unsigned size, std::uint64_t bar_size) const
{
    if (!size_ok(size)) {
        return "is not 1, 2, 4 or 8 bytes wide";
    }
    if (offset >= bar_size || size > bar_size - offset) {
        return "is past the end of the region";
    }
    if (size > valid_max_size()) {
        return "is wider than the registers take";
    }
    if (!unaligned && offset % size != 0) {
        return "is misaligned";
    }
    return nullptr;
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
