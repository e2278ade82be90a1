// SPDX-License-Identifier: GPL-2.0-or-later
// Declared register files (include/hw/mdev/regfile.hpp).
#include "hw/mdev/regfile.hpp"

#include "trace-hw_mdev_core_regfile.hpp"

#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace mdev::regs {

using detail::bank_selected;
using detail::size_mask;
using detail::valid_size;

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

void RegisterFile::reset()
{
    for (const Register &r : table_.regs) {
        poke(r, reset_value(r));
    }
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

void RegisterFile::refuse_access(const Register *r, std::uint64_t offset, std::uint64_t value,
                                 unsigned size, bool is_write) const
{
    if (!valid_size(size) || (offset & (size - 1)) != 0) {
        refuse(nullptr, offset, value, size, "not a naturally aligned 1, 2, 4 or 8-byte access",
               is_write);
    } else if (r != nullptr) {
        refuse(r, offset, value & size_mask(size), size, "wider than the register", is_write);
    } else if (is_write || table_.log_unknown_reads) {
        refuse(nullptr, offset, value & size_mask(size), size, "no register there", is_write);
    } else {
        trace_mdev_reg_read(who_, table_.name, "?", offset, size, 0);
    }
}

std::uint64_t RegisterFile::read_general(const RegisterTable &table, std::uint8_t *data,
                                         std::size_t data_size, void *ctx, GuestLog *log,
                                         const char *who, std::uint64_t offset, unsigned size)
{
    return RegisterFile(table, {data, data_size}, ctx, log, who).read_any(offset, size);
}

bool RegisterFile::write_general(const RegisterTable &table, std::uint8_t *data,
                                 std::size_t data_size, void *ctx, GuestLog *log, const char *who,
                                 std::uint64_t offset, std::uint64_t value, unsigned size)
{
    return RegisterFile(table, {data, data_size}, ctx, log, who).write_any(offset, value, size);
}

void RegisterFile::refuse_write(const RegisterTable &table, GuestLog *log, const char *who,
                                   const Register *reg, std::uint64_t offset, std::uint64_t value,
                                   unsigned size, const char *why)
{
    RegisterFile(table, {}, nullptr, log, who).refuse(reg, offset, value, size, why, true);
}

std::uint64_t RegisterFile::read_any(std::uint64_t offset, unsigned size)
{
    const Register *r =
        valid_size(size) && (offset & (size - 1)) == 0 ? lookup(offset, kRead) : nullptr;
    if (r == nullptr || size > r->width) {
        refuse_access(r, offset, 0, size, false);
        return 0;
    }
    const unsigned shift = 8 * unsigned(offset - r->offset);
    const std::uint64_t v = (read_whole(*r) >> shift) & size_mask(size);
    trace_mdev_reg_read(who_, table_.name, r->name, offset, size, v);
    return v;
}

bool RegisterFile::write_any(std::uint64_t offset, std::uint64_t value, unsigned size)
{
    const bool aligned = valid_size(size) && (offset & (size - 1)) == 0;
    const Register *r = aligned ? lookup(offset, kWrite) : nullptr;
    if (r == nullptr || size > r->width) {
        refuse_access(r, offset, value, size, true);
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

} // namespace mdev::regs
