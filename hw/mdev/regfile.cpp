// SPDX-License-Identifier: GPL-2.0-or-later
// Declared register files (include/hw/mdev/regfile.hpp).
#include "hw/mdev/regfile.hpp"

#include "trace-hw_mdev_regfile.hpp"

#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace mdev::regs {

namespace {

constexpr std::uint64_t size_mask(unsigned size)
{
    return size >= 8 ? kAllBits : (std::uint64_t(1) << (8 * size)) - 1;
}

constexpr bool valid_size(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

bool bank_selected(const Register &reg, const void *ctx)
{
    return reg.bank == nullptr || reg.bank(ctx);
}

} // namespace

std::optional<std::string> table_problem(const RegisterTable &table, std::size_t storage_size)
{
    char text[200];
    if (table.regs.size() >= RegisterTable::kNone) {
        return std::string(table.name) + ": more than 254 entries";
    }
    for (std::size_t i = 0; i < table.regs.size(); i++) {
        const Register &r = table.regs[i];
        const std::uint64_t wmask = r.width_mask();
        const char *why = nullptr;
        if (i > 0 && table.regs[i - 1].offset > r.offset) {
            why = "out of order: entries go by offset";
        } else if (!valid_size(r.width)) {
            why = "width is not 1, 2, 4 or 8 bytes";
        } else if (r.offset % r.width != 0) {
            why = "offset is not a multiple of the width";
        } else if ((r.access & kReadWrite) == 0 || (r.access & ~kReadWrite) != 0) {
            why = "access is neither kRead, kWrite nor kReadWrite";
        } else if (r.storage != kNoStorage &&
                   (r.storage < 0 || std::size_t(r.storage) + r.width > storage_size)) {
            why = "storage lies outside the state";
        } else if ((r.reset & ~wmask) != 0 || (r.reset & r.rsvd) != 0) {
            why = "reset value has bits outside the width or in rsvd";
        } else if ((r.w1c & (r.ro | r.rsvd)) != 0 || (r.w1c & ~wmask) != 0) {
            why = "w1c bits are also ro or rsvd, or outside the width";
        } else if ((r.access & kWrite) && r.storage == kNoStorage && r.on_write == nullptr &&
                   r.writable() != 0) {
            why = "writable bits but neither storage nor a write hook";
        }
        for (std::size_t j = 0; why == nullptr && j < i; j++) {
            const Register &o = table.regs[j];
            const bool overlap = o.offset < r.offset + r.width && r.offset < o.offset + o.width;
            if (overlap && (o.access & r.access) != 0 && o.bank == nullptr) {
                std::snprintf(text, sizeof(text), "overlaps %s, which has no bank hook", o.name);
                return std::string(table.name) + ": " + r.name + ": " + text;
            }
        }
        if (why != nullptr) {
            return std::string(table.name) + ": " + r.name + ": " + why;
        }
    }
    return std::nullopt;
}

const Register *RegisterFile::lookup(std::uint64_t offset, Access direction) const
{
    const std::span<const Register> regs = table_.regs;
    std::size_t i = 0;
    if (offset < RegisterTable::kIndexed) {
        i = table_.first(offset);
        if (i == RegisterTable::kNone) {
            return nullptr;
        }
    }
    // Entries go by offset: none after the first that starts past `offset`
    // can cover it.
    for (; i < regs.size() && regs[i].offset <= offset; i++) {
        const Register &r = regs[i];
        if (offset - r.offset < r.width && (r.access & direction) && bank_selected(r, ctx_)) {
            return &r;
        }
    }
    return nullptr;
}

const Register *RegisterFile::find(std::uint64_t offset, unsigned size, Access direction) const
{
    if (!valid_size(size) || offset % size != 0) {
        return nullptr;
    }
    const Register *r = lookup(offset, direction);
    if (r == nullptr || size > r->width) {
        return nullptr;
    }
    return r;
}

const char *RegisterFile::name_at(std::uint64_t offset, Access direction) const
{
    const Register *r = lookup(offset, direction);
    return r ? r->name : "?";
}

std::uint64_t RegisterFile::reset_value(const Register &reg) const
{
    return reg.reset_hook ? reg.reset_hook(ctx_) : reg.reset;
}

std::uint64_t load(std::span<const std::uint8_t> storage, const Register &reg)
{
    if (reg.storage == kNoStorage) {
        return reg.reset;
    }
    const std::uint8_t *at = storage.data() + reg.storage;
    switch (reg.width) {
    case 1:
        return *at;
    case 2: {
        std::uint16_t v;
        std::memcpy(&v, at, sizeof(v));
        return v;
    }
    case 4: {
        std::uint32_t v;
        std::memcpy(&v, at, sizeof(v));
        return v;
    }
    default: {
        std::uint64_t v;
        std::memcpy(&v, at, sizeof(v));
        return v;
    }
    }
}

void store(std::span<std::uint8_t> storage, const Register &reg, std::uint64_t value)
{
    if (reg.storage == kNoStorage) {
        return;
    }
    std::uint8_t *at = storage.data() + reg.storage;
    // Host order, as the member of that width holds it.
    switch (reg.width) {
    case 1:
        *at = static_cast<std::uint8_t>(value);
        break;
    case 2: {
        const auto v = static_cast<std::uint16_t>(value);
        std::memcpy(at, &v, sizeof(v));
        break;
    }
    case 4: {
        const auto v = static_cast<std::uint32_t>(value);
        std::memcpy(at, &v, sizeof(v));
        break;
    }
    default:
        std::memcpy(at, &value, sizeof(value));
        break;
    }
}

std::uint64_t RegisterFile::peek(const Register &reg) const
{
    return reg.storage == kNoStorage ? reset_value(reg) : load(storage_, reg);
}

void RegisterFile::poke(const Register &reg, std::uint64_t value)
{
    store(storage_, reg, value);
}

void RegisterFile::reset()
{
    for (const Register &r : table_.regs) {
        poke(r, reset_value(r));
    }
}

std::uint64_t RegisterFile::read_whole(const Register &reg)
{
    const std::uint64_t v = reg.on_read ? reg.on_read(ctx_, reg) : peek(reg);
    return v & reg.width_mask() & ~reg.rsvd;
}

void RegisterFile::refuse(const Register *reg, std::uint64_t offset, std::uint64_t value,
                          unsigned size, const char *why, bool is_write) const
{
    const char *name = reg ? reg->name : "?";
    if (is_write) {
        trace_mdev_reg_write(who_, table_.name, name, offset, size, value, " (refused)");
    } else {
        trace_mdev_reg_read(who_, table_.name, name, offset, size, 0);
    }
    if (log_ == nullptr) {
        return;
    }
    char text[256];
    if (reg != nullptr && is_write) {
        std::snprintf(text, sizeof(text), "%s: %s (0x%" PRIx64 "): write of 0x%" PRIx64
                      " refused: %s",
                      table_.name, reg->name, offset, value, why);
    } else if (reg != nullptr) {
        std::snprintf(text, sizeof(text), "%s: %s (0x%" PRIx64 "): %u-byte read refused: %s",
                      table_.name, reg->name, offset, size, why);
    } else if (is_write) {
        std::snprintf(text, sizeof(text), "%s: %u-byte write of 0x%" PRIx64 " at 0x%" PRIx64
                      " refused: %s",
                      table_.name, size, value, offset, why);
    } else {
        std::snprintf(text, sizeof(text), "%s: %u-byte read at 0x%" PRIx64 " refused: %s",
                      table_.name, size, offset, why);
    }
    log_->guest_error(text);
}

std::uint64_t RegisterFile::read(std::uint64_t offset, unsigned size)
{
    const Register *r =
        valid_size(size) && (offset & (size - 1)) == 0 ? lookup(offset, kRead) : nullptr;
    if (r == nullptr || size > r->width) [[unlikely]] {
        if (!valid_size(size) || (offset & (size - 1)) != 0) {
            refuse(nullptr, offset, 0, size, "not a naturally aligned 1, 2, 4 or 8-byte access",
                   false);
        } else if (r != nullptr) {
            refuse(r, offset, 0, size, "wider than the register", false);
        } else if (table_.log_unknown_reads) {
            refuse(nullptr, offset, 0, size, "no register there", false);
        } else {
            trace_mdev_reg_read(who_, table_.name, "?", offset, size, 0);
        }
        return 0;
    }
    const unsigned shift = 8 * unsigned(offset - r->offset);
    const std::uint64_t v = (read_whole(*r) >> shift) & size_mask(size);
    trace_mdev_reg_read(who_, table_.name, r->name, offset, size, v);
    return v;
}

bool RegisterFile::write(std::uint64_t offset, std::uint64_t value, unsigned size)
{
    const bool aligned = valid_size(size) && (offset & (size - 1)) == 0;
    const Register *r = aligned ? lookup(offset, kWrite) : nullptr;
    if (r == nullptr || size > r->width) [[unlikely]] {
        if (!aligned) {
            refuse(nullptr, offset, value, size,
                   "not a naturally aligned 1, 2, 4 or 8-byte access", true);
        } else if (r != nullptr) {
            refuse(r, offset, value & size_mask(size), size, "wider than the register", true);
        } else {
            refuse(nullptr, offset, value & size_mask(size), size, "no register there", true);
        }
        return false;
    }
    return write_part(*r, offset, value & size_mask(size), size);
}

std::uint64_t RegisterFile::read_register(const Register &reg)
{
    const std::uint64_t v = read_whole(reg);
    trace_mdev_reg_read(who_, table_.name, reg.name, reg.offset, reg.width, v);
    return v;
}

bool RegisterFile::write_register(const Register &reg, std::uint64_t value)
{
    return write_part(reg, reg.offset, value & reg.width_mask(), reg.width);
}

// `value`: the `size` bytes written at `offset`, inside `reg`.
bool RegisterFile::write_part(const Register &reg, std::uint64_t offset, std::uint64_t value,
                              unsigned size)
{
    if (reg.read_only()) {
        refuse(&reg, offset, value, size, "read-only register", true);
        return false;
    }
    const unsigned shift = 8 * unsigned(offset - reg.offset);
    const std::uint64_t covered = size_mask(size) << shift;
    const std::uint64_t bits = value << shift;
    const std::uint64_t wmask = reg.width_mask();
    const std::uint64_t old = peek(reg) & wmask & ~reg.rsvd;
    // Bytes the access did not cover and ro bits stay; rsvd bits are never
    // stored; w1c bits the access covers clear where it wrote 1 and stay
    // where it wrote 0.
    const std::uint64_t keep = (~covered | reg.ro | reg.w1c) & ~reg.rsvd & wmask;
    const std::uint64_t set = bits & covered & ~(reg.ro | reg.rsvd | reg.w1c) & wmask;
    const std::uint64_t cleared = reg.w1c & covered & bits;
    const std::uint64_t merged = ((old & keep) | set) & ~cleared;
    if (reg.on_write != nullptr) {
        if (const char *why = reg.on_write(ctx_, reg, merged)) {
            refuse(&reg, offset, value, size, why, true);
            return false;
        }
    } else {
        poke(reg, merged);
    }
    trace_mdev_reg_write(who_, table_.name, reg.name, offset, size, value, "");
    return true;
}

} // namespace mdev::regs
