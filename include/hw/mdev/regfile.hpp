// SPDX-License-Identifier: GPL-2.0-or-later
// Declared register files: a parent describes its registers once, in a
// table, instead of decoding them in a switch, and gets from the table the
// masking of read-only and reserved bits, write-1-to-clear bits, reset
// values, a guest-error line per refused write naming the register, and the
// register's name in traces (the mdev_reg_read/mdev_reg_write events).
//
// The model is QEMU's register API (hw/register.h: ro, w1c, rsvd, reset,
// pre/post hooks) and Linux's regmap, cut to what an mdev parent needs and
// with one difference that matters for migration: the values live in the
// parent's own plain-data state struct (the one its migration::Struct
// describes), and the table only says where. Converting a parent to a table
// therefore leaves its VMState exactly as it was.
//
// A table, written once per kind of register file (constexpr-friendly
// entries, in order of offset):
//
//   const regs::Register kRegs[] = {
//       {.name = "CTRL", .offset = 0x0, .width = 4, .rsvd = 0xffff0000,
//        .storage = offsetof(FooState, ctrl),
//        .on_write = regs::write_hook<&Foo::write_ctrl>},   // a command
//       {.name = "STATUS", .offset = 0x4, .width = 4, .w1c = 0x3,
//        .storage = offsetof(FooState, status)},
//       {.name = "ID", .offset = 0x8, .width = 4, .reset = 0x1234, .ro = ~0ull},
//   };
//   const regs::RegisterTable kFooRegs{"foo: BAR0", kRegs};
//
// and a RegisterFile binds it, for the length of an access or for the life
// of the device (it is a few pointers), to the state, the object the hooks
// are called on and, optionally, where guest errors go:
//
//   regs::RegisterFile rf(kFooRegs, regs::storage_of(state_), this, &log, uuid);
//   std::uint64_t v = rf.read(offset, size);          // any BAR accessor
//   bool taken = rf.write(offset, value, size);
//
// A parent's hot BAR handler may have the table decoded at compile time
// instead: with the table a `static constexpr` member (in the header, after
// the hooks it names),
//
//   std::uint64_t v = rf.read<kFooRegs, 4>(offset);   // same results
//
// compiles to a jump on the offset and each register's own code, hooks
// inlined (mtty's ports, mbochs's DISPI).
//
// What a register's fields mean (all bit masks are of the register's value,
// bit 0 = its lowest bit, whatever its width):
//   ro    bits a write leaves as they are; a register whose every bit is ro
//         or rsvd and that has no write hook is read-only: a write to it is
//         refused and logged.
//   rsvd  reserved bits: read 0 (they are never stored) and a write leaves
//         them alone, silently, as hardware does (drivers probe such bits:
//         Linux's 8250 writes bit 6 of IER to look for an XScale UART).
//   w1c   bits a write of 1 clears and a write of 0 leaves alone.
//   reset the value reset() stores (reset_hook: one computed from the
//         device's configuration, such as a memory size); for a register
//         without storage, the value a read returns right after a reset
//         (the generic table test, tests/unit/regfile_test.cpp, checks both).
//   storage  byte offset of the value in the parent's state (offsetof), or
//         kNoStorage for a register whose value is computed by its read
//         hook or that reads its reset value. The member must have exactly
//         the register's width.
//   access   kRead, kWrite or kReadWrite: which directions the entry serves.
//         Two entries may share an offset when they serve different
//         directions (a 16550's IIR on reads, FCR on writes at offset 2).
//   bank  a hook telling whether the entry is the one selected now; entries
//         sharing an offset and direction are told apart by it (DLAB banking
//         DLL over RBR/THR), the first one whose bank hook says yes (or that
//         has none) being the register.
//   on_read   a hook for registers whose read is a command or computed
//         (reading a 16550's RBR pops the FIFO; reading the IDIO-16's base+2
//         enables its interrupt). It returns the value; rsvd bits are then
//         cleared.
//   on_write  a hook for registers whose write is a command or has side
//         effects. It receives the value already merged and masked (ro and
//         rsvd bits as they were, w1c applied, bytes a narrower access did
//         not cover as they were), and it stores it itself if it wants it
//         stored. It returns nullptr if it took the write, or a short reason
//         ("written while CC.EN is set") if it refused it; the register file
//         then logs one line naming the register with that reason.
// Without on_write, a write stores the merged value.
//
// Accesses: `size` bytes at `offset`, naturally aligned, inside one
// register and no wider than it; a narrower access reads or writes only the
// bytes it covers (a 64-bit NVMe ASQ written as two dwords, low first).
// Anything else, and an offset no entry serves in that direction, is
// refused: a write then changes nothing, a read returns 0, and both are
// logged (reads only if the table's log_unknown_reads is set: reserved
// register space that reads 0, as NVMe's, leaves it clear).
//
// Guest errors go to the GuestLog given, one line each, of the form
//   "<table name>: <REG> (0x<offset>): write of 0x<value> refused: <why>"
// and nowhere when none is given (a caller that reports refusals itself:
// write() returns false for each).
#pragma once

#include "hw/mdev/guest_log.hpp"

// Generated from hw/mdev/core/regfile/trace-events by hw/mdev/qemu/trace-bridge.py.
#include "trace-hw_mdev_core_regfile.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>

namespace mdev::regs {

struct Register;

// A hook: a function, or none (nullptr, the default). Hooks get back the
// `ctx` pointer the RegisterFile was bound with; the read_hook/write_hook/
// bank_hook/reset_hook templates below make them from member functions so
// that no parent writes a cast.
//
// A hook is a function pointer with a flag saying it is set, rather than a
// bare pointer, so that "has a hook" is a constant wherever the table is
// one: comparing a function's address with null is not a constant
// expression where the compiler may not assume it non-null (GCC with
// -fsanitize=undefined or -fno-delete-null-pointer-checks), and the table's
// index and the compile-time decoding test it. So a hook is made from a
// function (never from a null pointer variable: leave the field out).
template <class Fn>
class Hook {
public:
    constexpr Hook() = default;
    constexpr Hook(std::nullptr_t) {}
    constexpr Hook(Fn fn) : fn_(fn), set_(true) {}
    // Anything else that converts to the function pointer (a lambda
    // without captures), as the bare pointer type took it.
    template <class F>
        requires(std::is_convertible_v<F, Fn> && !std::is_same_v<F, Fn> &&
                 !std::is_same_v<F, std::nullptr_t>)
    constexpr Hook(F f) : fn_(f), set_(true)
    {
    }

    constexpr explicit operator bool() const { return set_; }
    friend constexpr bool operator==(const Hook &hook, std::nullptr_t) { return !hook.set_; }
    constexpr Fn function() const { return fn_; }
    template <class... Args>
    auto operator()(Args &&...args) const
    {
        return fn_(static_cast<Args &&>(args)...);
    }

private:
    Fn fn_ = nullptr;
    bool set_ = false;
};

using ReadHook = Hook<std::uint64_t (*)(void *ctx, const Register &reg)>;
using WriteHook = Hook<const char *(*)(void *ctx, const Register &reg, std::uint64_t value)>;
using BankHook = Hook<bool (*)(const void *ctx)>;
using ResetHook = Hook<std::uint64_t (*)(const void *ctx)>;

enum Access : std::uint8_t {
    kRead = 1,
    kWrite = 2,
    kReadWrite = kRead | kWrite,
};

inline constexpr std::int32_t kNoStorage = -1;
inline constexpr std::uint64_t kAllBits = ~std::uint64_t(0);

struct Register {
    const char *name = "?";        // the datasheet's / spec's name: traces and logs
    std::uint32_t offset = 0;      // in the register file (BAR offset, or index)
    std::uint8_t width = 1;        // bytes: 1, 2, 4 or 8
    std::uint8_t access = kReadWrite;
    std::uint64_t reset = 0;
    std::uint64_t ro = 0;
    std::uint64_t rsvd = 0;
    std::uint64_t w1c = 0;
    std::int32_t storage = kNoStorage;
    ReadHook on_read = nullptr;
    WriteHook on_write = nullptr;
    BankHook bank = nullptr;
    // A reset value that depends on the device's configuration (a memory
    // size): reset() stores what it returns instead of `reset`.
    ResetHook reset_hook = nullptr;

    constexpr std::uint64_t width_mask() const
    {
        return width >= 8 ? kAllBits : (std::uint64_t(1) << (8 * width)) - 1;
    }
    // Bits a write can change (set or clear).
    constexpr std::uint64_t writable() const { return width_mask() & ~(ro | rsvd); }
    // No bit can change and no hook takes the write: writes are refused.
    constexpr bool read_only() const { return writable() == 0 && on_write == nullptr; }
    constexpr bool readable() const { return access & kRead; }
    constexpr bool writable_entry() const { return access & kWrite; }
};

// A table: its entries in order of offset (entries sharing an offset side
// by side), and, built once with it, a dense per-offset dispatch index of
// its first kIndexed bytes, one per direction:
//   - the first entry covering each byte, so that an access finds its
//     register in one step rather than a scan;
//   - for each offset where one register starts and is the only one
//     serving that direction (no bank hook to consult), a direct slot: the
//     register, its hook and storage and the mask its access applies. A
//     whole-register access there goes straight to a load, a store or the
//     hook, with no search and no merge. A write slot is direct only when
//     the register has no ro or w1c bits (a whole write is then the value
//     masked to its writable bits) and is not read-only.
// Everything else (banked registers, narrower accesses, w1c/ro merges,
// refusals) takes the general path, with the same results.
class RegisterTable {
public:
    static constexpr unsigned kIndexed = 64;
    static constexpr std::uint8_t kNone = 0xff;

    // A direct slot; size 0 means none (take the general path).
    struct ReadSlot {
        const Register *reg = nullptr;
        ReadHook hook = nullptr;        // else the value is at `storage`
        std::uint64_t mask = 0;         // width & ~rsvd
        std::int32_t storage = kNoStorage;
        std::uint8_t size = 0;          // the register's width
    };
    struct WriteSlot {
        const Register *reg = nullptr;
        WriteHook hook = nullptr;       // else the value goes to `storage`
        std::uint64_t mask = 0;         // the writable bits
        std::int32_t storage = kNoStorage;
        std::uint8_t size = 0;
    };

    constexpr RegisterTable(const char *table_name, std::span<const Register> entries,
                            bool log_unknown = true)
        : name(table_name), regs(entries), log_unknown_reads(log_unknown)
    {
        for (unsigned offset = 0; offset < kIndexed; offset++) {
            first_[offset] = kNone;
            const Register *readers[2] = {};
            const Register *writers[2] = {};
            unsigned nread = 0, nwrite = 0;
            for (std::size_t i = 0; i < entries.size() && i < kNone; i++) {
                const Register &r = entries[i];
                if (!(offset >= r.offset && offset - r.offset < r.width)) {
                    continue;
                }
                if (first_[offset] == kNone) {
                    first_[offset] = static_cast<std::uint8_t>(i);
                }
                if ((r.access & kRead) && nread++ == 0) {
                    readers[0] = &r;
                }
                if ((r.access & kWrite) && nwrite++ == 0) {
                    writers[0] = &r;
                }
            }
            if (nread == 1 && direct_read(*readers[0], offset)) {
                const Register &r = *readers[0];
                read_slot_[offset] = ReadSlot{&r, r.on_read, r.width_mask() & ~r.rsvd, r.storage,
                                              r.width};
            }
            if (nwrite == 1 && direct_write(*writers[0], offset)) {
                const Register &r = *writers[0];
                write_slot_[offset] = WriteSlot{&r, r.on_write, r.writable(), r.storage, r.width};
            }
        }
    }

    // Prefix of every guest-error line and the `file` of trace lines, e.g.
    // "mtty: UART" or "mnvme: BAR0".
    const char *name;
    std::span<const Register> regs;
    // Log a read of an offset no register serves (else it reads 0 silently).
    bool log_unknown_reads;

    // The first entry covering byte `offset` (< kIndexed), or kNone.
    constexpr std::uint8_t first(std::uint64_t offset) const { return first_[offset]; }
    // The direct slots at `offset` (< kIndexed).
    constexpr const ReadSlot &read_slot(std::uint64_t offset) const { return read_slot_[offset]; }
    constexpr const WriteSlot &write_slot(std::uint64_t offset) const
    {
        return write_slot_[offset];
    }

private:
    static constexpr bool direct_read(const Register &r, unsigned offset)
    {
        return r.offset == offset && r.bank == nullptr &&
               (r.on_read != nullptr || r.storage != kNoStorage);
    }
    static constexpr bool direct_write(const Register &r, unsigned offset)
    {
        return r.offset == offset && r.bank == nullptr && !r.read_only() &&
               (r.ro & r.width_mask()) == 0 && r.w1c == 0 &&
               (r.on_write != nullptr || r.storage != kNoStorage);
    }

    std::uint8_t first_[kIndexed] = {};
    ReadSlot read_slot_[kIndexed] = {};
    WriteSlot write_slot_[kIndexed] = {};
};

// A table's mistakes, for a test to assert on (tests/unit/regfile_test.cpp
// checks every table): entries out of order of offset, more than 254
// entries, a width other than 1/2/4/8, an unaligned offset,
// storage outside `storage_size` bytes, a reset value with bits outside the
// width or in rsvd, w1c bits that are also ro/rsvd, or two entries serving
// the same offset and direction with no bank hook to tell them apart.
// nullopt if there is none.
std::optional<std::string> table_problem(const RegisterTable &table, std::size_t storage_size);

// The bytes of a parent's plain-data state, for Register::storage offsets.
template <class T>
std::span<std::uint8_t> storage_of(T &state)
{
    static_assert(std::is_standard_layout_v<T> && std::is_trivially_copyable_v<T>,
                  "register storage is plain data, as migration needs it");
    return {reinterpret_cast<std::uint8_t *>(&state), sizeof(T)};
}

// A register's value in `storage` (host order, the width of its member),
// for a write hook that stores what it was given; load() gives the reset
// value of a register without storage.
inline std::uint64_t load(std::span<const std::uint8_t> storage, const Register &reg);
inline void store(std::span<std::uint8_t> storage, const Register &reg, std::uint64_t value);

class RegisterFile {
public:
    // `storage`, `ctx` and `log` must outlive the RegisterFile; `log` may be
    // null (refusals are then only returned), `who` names the device in
    // traces (the mdev's UUID), and may be "".
    RegisterFile(const RegisterTable &table, std::span<std::uint8_t> storage, void *ctx,
                 GuestLog *log = nullptr, const char *who = "")
        : table_(table), storage_(storage), ctx_(ctx), log_(log), who_(who)
    {
    }

    // A guest access. read() returns 0 for a refused one; write() returns
    // false for a refused one (nothing changed, and logged if there is a log).
    std::uint64_t read(std::uint64_t offset, unsigned size);
    bool write(std::uint64_t offset, std::uint64_t value, unsigned size);

    // The same accesses, `size` fixed, decoded at compile time from a table
    // that is a constant (a `static constexpr` RegisterTable, visible where
    // the handler is compiled; it must be the one this RegisterFile was
    // bound to). Each offset the table serves becomes a case of a switch
    // that does exactly what the general path would (bank hooks, masks,
    // hooks, trace), with the register's fields as constants and its hooks
    // called directly, so the compiler can inline them: the code a
    // hand-written switch would give. Accesses the switch does not take
    // (beyond the first kIndexed bytes, narrower than their register, or
    // refused) go to the general path. For a parent's hot handlers.
    template <const RegisterTable &Table, unsigned Size>
    std::uint64_t read(std::uint64_t offset);
    template <const RegisterTable &Table, unsigned Size>
    bool write(std::uint64_t offset, std::uint64_t value);

    // Stores every register's reset value (registers without storage have
    // none to store). Does not call hooks: a parent resets its other state
    // itself.
    void reset();

    // The register serving an access now (its bank hook consulted), or null.
    const Register *find(std::uint64_t offset, unsigned size, Access direction) const;
    // Its name, or "?" (for a parent's own traces).
    const char *name_at(std::uint64_t offset, Access direction) const;

    // One whole register, whatever bank is selected: as a guest access of
    // its full width, hooks, masks and log included (the generic test's
    // way in).
    std::uint64_t read_register(const Register &reg);
    bool write_register(const Register &reg, std::uint64_t value);
    // Its stored value, no hooks, no side effect (reset value if it has no
    // storage), and a store of one, no masks (test set-up, state checks).
    std::uint64_t peek(const Register &reg) const;
    void poke(const Register &reg, std::uint64_t value);
    // The value reset() gives `reg` (its reset hook's, else `reset`).
    std::uint64_t reset_value(const Register &reg) const;

    const RegisterTable &table() const { return table_; }
    // Names the device in traces from now on (a parent that makes its
    // register file before the mdev exists: its UUID once it has one).
    // `who` must outlive the RegisterFile, or the next set_who().
    void set_who(const char *who) { who_ = who; }

private:
    const Register *lookup(std::uint64_t offset, Access direction) const;
    // Accesses the table's direct slots do not serve, and a write's
    // refusal on the direct or compile-time path (regfile.cpp). They take
    // the RegisterFile's parts one by one so that the inlined paths never
    // need the object they work on in memory: one is rebuilt only here.
    static std::uint64_t read_general(const RegisterTable &table, std::uint8_t *data,
                                      std::size_t data_size, void *ctx, GuestLog *log,
                                      const char *who, std::uint64_t offset, unsigned size);
    static bool write_general(const RegisterTable &table, std::uint8_t *data,
                              std::size_t data_size, void *ctx, GuestLog *log, const char *who,
                              std::uint64_t offset, std::uint64_t value, unsigned size);
    [[gnu::cold]] static void refuse_write(const RegisterTable &table, GuestLog *log,
                                           const char *who, const Register *reg,
                                           std::uint64_t offset, std::uint64_t value,
                                           unsigned size, const char *why);
    template <const RegisterTable &Table, unsigned Size, std::size_t Offset, std::size_t Entry>
    bool read_case(std::uint64_t &value);
    template <const RegisterTable &Table, unsigned Size, std::size_t Offset, std::size_t Entry>
    bool write_case(std::uint64_t value, bool &taken);
    // The general path: find the register (bank hooks consulted), merge.
    std::uint64_t read_any(std::uint64_t offset, unsigned size);
    bool write_any(std::uint64_t offset, std::uint64_t value, unsigned size);
    std::uint64_t read_whole(const Register &reg);
    bool write_part(const Register &reg, std::uint64_t offset, std::uint64_t value,
                    unsigned size);
    void refuse(const Register *reg, std::uint64_t offset, std::uint64_t value, unsigned size,
                const char *why, bool is_write) const;
    void refuse_access(const Register *reg, std::uint64_t offset, std::uint64_t value,
                       unsigned size, bool is_write) const;

    const RegisterTable &table_;
    std::span<std::uint8_t> storage_;
    void *ctx_;
    GuestLog *log_;
    const char *who_;
};

namespace detail {

constexpr std::uint64_t size_mask(unsigned size)
{
    return size >= 8 ? kAllBits : (std::uint64_t(1) << (8 * size)) - 1;
}

constexpr bool valid_size(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

inline bool bank_selected(const Register &reg, const void *ctx)
{
    return reg.bank == nullptr || reg.bank(ctx);
}

} // namespace detail

// ---- The access path -------------------------------------------------------
// Inline, so that a parent's BAR handler compiles to the slot's load, its
// register's hook or a load/store, and the trace's test (the general path
// and the refusals are out of line).

using detail::bank_selected;
using detail::size_mask;
using detail::valid_size;

// The value of `size` bytes at `at`, host order (`size` is usually a
// constant where this is inlined, so the switch folds away).
inline std::uint64_t load_sized(const std::uint8_t *at, unsigned size)
{
    switch (size) {
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

inline void store_sized(std::uint8_t *at, unsigned size, std::uint64_t value)
{
    switch (size) {
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

inline std::uint64_t load(std::span<const std::uint8_t> storage, const Register &reg)
{
    if (reg.storage == kNoStorage) {
        return reg.reset;
    }
    return load_sized(storage.data() + reg.storage, reg.width);
}

inline void store(std::span<std::uint8_t> storage, const Register &reg, std::uint64_t value)
{
    if (reg.storage == kNoStorage) {
        return;
    }
    // Host order, as the member of that width holds it.
    store_sized(storage.data() + reg.storage, reg.width, value);
}

inline std::uint64_t RegisterFile::reset_value(const Register &reg) const
{
    return reg.reset_hook ? reg.reset_hook(ctx_) : reg.reset;
}

inline std::uint64_t RegisterFile::peek(const Register &reg) const
{
    return reg.storage == kNoStorage ? reset_value(reg) : load(storage_, reg);
}

inline void RegisterFile::poke(const Register &reg, std::uint64_t value)
{
    store(storage_, reg, value);
}

inline const Register *RegisterFile::lookup(std::uint64_t offset, Access direction) const
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

inline std::uint64_t RegisterFile::read_whole(const Register &reg)
{
    const std::uint64_t v = reg.on_read ? reg.on_read(ctx_, reg) : peek(reg);
    return v & reg.width_mask() & ~reg.rsvd;
}

// The direct path: a whole-register access where the table's slot says one
// register, unbanked, starts (regfile.hpp's RegisterTable). Everything else
// goes out of line to the general path (regfile.cpp), which gives the same
// result for these accesses too.
inline std::uint64_t RegisterFile::read(std::uint64_t offset, unsigned size)
{
    if (offset < RegisterTable::kIndexed) [[likely]] {
        const RegisterTable::ReadSlot &s = table_.read_slot(offset);
        if (s.size == size) [[likely]] {
            const std::uint64_t v =
                (s.hook != nullptr ? s.hook(ctx_, *s.reg)
                                   : load_sized(storage_.data() + s.storage, size)) &
                s.mask;
            trace_mdev_reg_read(who_, table_.name, s.reg->name, offset, size, v);
            return v;
        }
    }
    return read_general(table_, storage_.data(), storage_.size(), ctx_, log_, who_, offset, size);
}

inline bool RegisterFile::write(std::uint64_t offset, std::uint64_t value, unsigned size)
{
    if (offset < RegisterTable::kIndexed) [[likely]] {
        const RegisterTable::WriteSlot &s = table_.write_slot(offset);
        if (s.size == size) [[likely]] {
            value &= size_mask(size);
            const std::uint64_t merged = value & s.mask;
            if (s.hook != nullptr) {
                if (const char *why = s.hook(ctx_, *s.reg, merged)) [[unlikely]] {
                    refuse_write(table_, log_, who_, s.reg, offset, value, size, why);
                    return false;
                }
            } else {
                store_sized(storage_.data() + s.storage, size, merged);
            }
            trace_mdev_reg_write(who_, table_.name, s.reg->name, offset, size, value, "");
            return true;
        }
    }
    return write_general(table_, storage_.data(), storage_.size(), ctx_, log_, who_, offset, value,
                         size);
}

// `value`: the `size` bytes written at `offset`, inside `reg`.
inline bool RegisterFile::write_part(const Register &reg, std::uint64_t offset, std::uint64_t value,
                              unsigned size)
{
    if (reg.read_only()) {
        refuse_write(table_, log_, who_, &reg, offset, value, size, "read-only register");
        return false;
    }
    std::uint64_t merged = value;
    // A whole register with no masked bits takes the value as written.
    if (size != reg.width || (reg.ro | reg.rsvd | reg.w1c) != 0) {
        const unsigned shift = 8 * unsigned(offset - reg.offset);
        const std::uint64_t covered = size_mask(size) << shift;
        const std::uint64_t bits = value << shift;
        const std::uint64_t wmask = reg.width_mask();
        const std::uint64_t old = peek(reg) & wmask & ~reg.rsvd;
        // Bytes the access did not cover and ro bits stay; rsvd bits are
        // never stored; w1c bits the access covers clear where it wrote 1
        // and stay where it wrote 0.
        const std::uint64_t keep = (~covered | reg.ro | reg.w1c) & ~reg.rsvd & wmask;
        const std::uint64_t set = bits & covered & ~(reg.ro | reg.rsvd | reg.w1c) & wmask;
        const std::uint64_t cleared = reg.w1c & covered & bits;
        merged = ((old & keep) | set) & ~cleared;
    }
    if (reg.on_write != nullptr) {
        if (const char *why = reg.on_write(ctx_, reg, merged)) {
            refuse_write(table_, log_, who_, &reg, offset, value, size, why);
            return false;
        }
    } else {
        poke(reg, merged);
    }
    trace_mdev_reg_write(who_, table_.name, reg.name, offset, size, value, "");
    return true;
}

// ---- Compile-time decoding -------------------------------------------------
// read<Table, Size>(offset): a switch on the register index (offset / Size)
// below kIndexed / Size; each case scans the entries covering its offset
// in table order, as lookup() does, consulting bank hooks, and performs
// the access with the entry as a constant.

template <const RegisterTable &Table, unsigned Size, std::size_t Offset, std::size_t Entry>
[[gnu::always_inline]] inline bool RegisterFile::read_case(std::uint64_t &value)
{
    if constexpr (Entry >= Table.regs.size()) {
        return false;
    } else {
        constexpr const Register &r = Table.regs.data()[Entry];
        constexpr bool covers = (r.access & kRead) && Offset >= r.offset &&
                                Offset - r.offset < r.width;
        if constexpr (!covers) {
            return read_case<Table, Size, Offset, Entry + 1>(value);
        } else if constexpr (r.offset != Offset || r.width != Size) {
            return false; // part of a register: the general path
        } else {
            if constexpr (r.bank != nullptr) {
                constexpr auto bank = r.bank.function();
                if (!bank(ctx_)) {
                    return read_case<Table, Size, Offset, Entry + 1>(value);
                }
            }
            // As read_whole(), with every field a constant and the hook
            // called directly (so that it can be inlined).
            std::uint64_t v;
            if constexpr (r.on_read != nullptr) {
                constexpr auto hook = r.on_read.function();
                v = hook(ctx_, r);
            } else if constexpr (r.storage != kNoStorage) {
                v = load_sized(storage_.data() + r.storage, Size);
            } else if constexpr (r.reset_hook != nullptr) {
                constexpr auto hook = r.reset_hook.function();
                v = hook(ctx_);
            } else {
                v = r.reset;
            }
            value = v & (r.width_mask() & ~r.rsvd);
            trace_mdev_reg_read(who_, Table.name, r.name, Offset, Size, value);
            return true;
        }
    }
}

template <const RegisterTable &Table, unsigned Size, std::size_t Offset, std::size_t Entry>
[[gnu::always_inline]] inline bool RegisterFile::write_case(std::uint64_t value, bool &taken)
{
    if constexpr (Entry >= Table.regs.size()) {
        return false;
    } else {
        constexpr const Register &r = Table.regs.data()[Entry];
        constexpr bool covers = (r.access & kWrite) && Offset >= r.offset &&
                                Offset - r.offset < r.width;
        if constexpr (!covers) {
            return write_case<Table, Size, Offset, Entry + 1>(value, taken);
        } else if constexpr (r.offset != Offset || r.width != Size) {
            return false;
        } else {
            if constexpr (r.bank != nullptr) {
                constexpr auto bank = r.bank.function();
                if (!bank(ctx_)) {
                    return write_case<Table, Size, Offset, Entry + 1>(value, taken);
                }
            }
            // As write_part() for a whole register, every field a constant.
            value &= size_mask(Size);
            if constexpr (r.read_only()) {
                refuse_write(table_, log_, who_, &r, Offset, value, Size, "read-only register");
                taken = false;
                return true;
            }
            constexpr std::uint64_t wmask = r.width_mask();
            std::uint64_t merged;
            if constexpr (((r.ro | r.w1c) & wmask) == 0) {
                merged = value & r.writable();
            } else {
                std::uint64_t old;
                if constexpr (r.storage != kNoStorage) {
                    old = load_sized(storage_.data() + r.storage, Size);
                } else {
                    old = reset_value(r);
                }
                constexpr std::uint64_t keep = (r.ro | r.w1c) & ~r.rsvd & wmask;
                merged = ((old & ~r.rsvd & keep) | (value & r.writable() & ~r.w1c)) &
                         ~(r.w1c & value);
            }
            if constexpr (r.on_write != nullptr) {
                constexpr auto hook = r.on_write.function();
                if (const char *why = hook(ctx_, r, merged)) {
                    refuse_write(table_, log_, who_, &r, Offset, value, Size, why);
                    taken = false;
                    return true;
                }
            } else {
                store_sized(storage_.data() + r.storage, Size, merged);
            }
            trace_mdev_reg_write(who_, Table.name, r.name, Offset, Size, value, "");
            taken = true;
            return true;
        }
    }
}

// One case per register index (offset / Size) below kIndexed / Size: a
// dense switch, which the compiler makes a jump table. Cases no register
// starts at fold to `false` and go to the general path.
#define MDEV_REGS_CASE(n)                                                                   \
    case n:                                                                                 \
        if constexpr ((n) < RegisterTable::kIndexed / Size) {                               \
            done = MDEV_REGS_CASE_BODY(n);                                                  \
        }                                                                                   \
        break;
#define MDEV_REGS_CASES8(n)                                                                 \
    MDEV_REGS_CASE(n) MDEV_REGS_CASE(n + 1) MDEV_REGS_CASE(n + 2) MDEV_REGS_CASE(n + 3)     \
    MDEV_REGS_CASE(n + 4) MDEV_REGS_CASE(n + 5) MDEV_REGS_CASE(n + 6) MDEV_REGS_CASE(n + 7)
#define MDEV_REGS_CASES64                                                                   \
    MDEV_REGS_CASES8(0) MDEV_REGS_CASES8(8) MDEV_REGS_CASES8(16) MDEV_REGS_CASES8(24)       \
    MDEV_REGS_CASES8(32) MDEV_REGS_CASES8(40) MDEV_REGS_CASES8(48) MDEV_REGS_CASES8(56)
static_assert(RegisterTable::kIndexed == 64, "MDEV_REGS_CASES64 covers 64 offsets");

template <const RegisterTable &Table, unsigned Size>
[[gnu::always_inline]] inline std::uint64_t RegisterFile::read(std::uint64_t offset)
{
    static_assert(valid_size(Size), "an access is 1, 2, 4 or 8 bytes");
    std::uint64_t value = 0;
    bool done = false;
    if (offset % Size == 0) [[likely]] {
        switch (offset / Size) {
#define MDEV_REGS_CASE_BODY(n) (read_case<Table, Size, (n) * Size, 0>(value))
            MDEV_REGS_CASES64
#undef MDEV_REGS_CASE_BODY
        default:
            break;
        }
    }
    if (done) [[likely]] {
        return value;
    }
    return read_general(table_, storage_.data(), storage_.size(), ctx_, log_, who_, offset, Size);
}

template <const RegisterTable &Table, unsigned Size>
[[gnu::always_inline]] inline bool RegisterFile::write(std::uint64_t offset, std::uint64_t value)
{
    static_assert(valid_size(Size), "an access is 1, 2, 4 or 8 bytes");
    bool taken = false;
    bool done = false;
    if (offset % Size == 0) [[likely]] {
        switch (offset / Size) {
#define MDEV_REGS_CASE_BODY(n) (write_case<Table, Size, (n) * Size, 0>(value, taken))
            MDEV_REGS_CASES64
#undef MDEV_REGS_CASE_BODY
        default:
            break;
        }
    }
    if (done) [[likely]] {
        return taken;
    }
    return write_general(table_, storage_.data(), storage_.size(), ctx_, log_, who_, offset, value,
                         Size);
}

#undef MDEV_REGS_CASES64
#undef MDEV_REGS_CASES8
#undef MDEV_REGS_CASE

// ---- Hooks from member functions ------------------------------------------
// .on_read = regs::read_hook<&Uart16550::read_rbr> calls read_rbr(reg) on
// the RegisterFile's ctx, which must be that class's object. Named inside
// the class (a static member table), private members qualify.

namespace detail {
template <class T>
struct MemberClass;
template <class C, class R, class... A>
struct MemberClass<R (C::*)(A...)> {
    using type = C;
};
template <class C, class R, class... A>
struct MemberClass<R (C::*)(A...) const> {
    using type = C;
};
template <auto M>
using MemberOf = MemberClass<decltype(M)>;
} // namespace detail

template <auto M>
std::uint64_t call_read_hook(void *ctx, const Register &reg)
{
    using C = typename detail::MemberOf<M>::type;
    return (static_cast<C *>(ctx)->*M)(reg);
}
template <auto M>
const char *call_write_hook(void *ctx, const Register &reg, std::uint64_t value)
{
    using C = typename detail::MemberOf<M>::type;
    return (static_cast<C *>(ctx)->*M)(reg, value);
}
template <auto M>
bool call_bank_hook(const void *ctx)
{
    using C = typename detail::MemberOf<M>::type;
    return (static_cast<const C *>(ctx)->*M)();
}

// Member function `std::uint64_t f(const Register &)`.
template <auto M>
inline constexpr ReadHook read_hook = &call_read_hook<M>;
// Member function `const char *f(const Register &, std::uint64_t value)`.
template <auto M>
inline constexpr WriteHook write_hook = &call_write_hook<M>;
// Member function `bool f() const`.
template <auto M>
inline constexpr BankHook bank_hook = &call_bank_hook<M>;
template <auto M>
std::uint64_t call_reset_hook(const void *ctx)
{
    using C = typename detail::MemberOf<M>::type;
    return (static_cast<const C *>(ctx)->*M)();
}
// Member function `std::uint64_t f() const`.
template <auto M>
inline constexpr ResetHook reset_hook = &call_reset_hook<M>;

} // namespace mdev::regs
