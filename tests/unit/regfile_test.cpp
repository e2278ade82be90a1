// SPDX-License-Identifier: GPL-2.0-or-later
// Declared register files (include/hw/mdev/regfile.hpp): one parametrised
// table test run over every parent's table (gpio, mtty's 16550A, mbochs's
// DISPI, mnvme's controller registers, epf-test's BAR0, and a synthetic
// table that has what those lack), then the register file's own mechanics.
//
// The table test knows nothing of a particular device: from the table
// alone it checks that the table is well formed, that every register reads
// its declared reset value after the device's own reset, that ro and rsvd
// bits cannot be written and plain bits store what is written, that w1c
// bits clear on 1 and stay on 0, that a read-only register refuses a write
// with one guest-error line naming it, and that offsets no register serves
// (and accesses wider than the register) are refused and logged.
#include "hw/mdev/regfile.hpp"

#include "samples/epf-test/epf_test.hpp"
#include "samples/gpio/gpio.hpp"
#include "samples/mbochs/mbochs_dispi.hpp"
#include "samples/mnvme/nvme_controller.hpp"
#include "samples/mtty/mtty_uart.hpp"
#include "trace-hw_mdev_core_regfile.hpp"
#include "trace_record.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdarg>
#include <cstddef>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mdev {
namespace {

using ::testing::HasSubstr;
using regs::Register;
using regs::RegisterFile;

class RecordingLog final : public GuestLog {
public:
    void guest_error(std::string_view message) override { errors.emplace_back(message); }
    std::vector<std::string> errors;
};

// One device with a declared register file, freshly reset.
class Subject {
public:
    virtual ~Subject() = default;
    virtual RegisterFile &file() = 0;
    // The device's own reset (what VFIO_DEVICE_RESET does).
    virtual void reset() = 0;
    virtual std::size_t storage_size() const = 0;
    RecordingLog log;
};

struct TableCase {
    const char *name;
    std::function<std::unique_ptr<Subject>()> make;
};

// ---- The subjects ----------------------------------------------------------

class GpioSubject final : public Subject {
public:
    GpioSubject() : rf_(card_.registers(&log)) {}
    RegisterFile &file() override { return rf_; }
    void reset() override { card_.reset(); }
    std::size_t storage_size() const override { return sizeof(samples::GpioRegs); }

private:
    samples::GpioMdev card_;
    RegisterFile rf_;
};

class UartSubject final : public Subject {
public:
    UartSubject() : rf_(uart_.registers()) { uart_.reset(); }
    RegisterFile &file() override { return rf_; }
    void reset() override { uart_.reset(); }
    std::size_t storage_size() const override { return sizeof(samples::MttyUartState); }

private:
    samples::MttyUartState state_{};
    samples::Uart16550 uart_{state_, &log};
    RegisterFile rf_;
};

class DispiSubject final : public Subject {
public:
    static constexpr std::uint64_t kVram = 16 << 20;
    DispiSubject() : rf_(dispi_.registers(&log)) { dispi_.reset(); }
    RegisterFile &file() override { return rf_; }
    void reset() override { dispi_.reset(); }
    std::size_t storage_size() const override { return sizeof(samples::MbochsDeviceState); }

private:
    samples::MbochsDeviceState state_{};
    samples::Dispi dispi_{state_, kVram};
    RegisterFile rf_;
};

namespace nv = samples::nvme;

class NoDma final : public nv::Dma {
public:
    bool read(std::uint64_t, std::span<std::uint8_t>) override { return false; }
    bool write(std::uint64_t, std::span<const std::uint8_t>) override { return false; }
};

class IntxOnly final : public nv::Interrupts {
public:
    nv::IrqMode mode() const override { return nv::IrqMode::intx; }
    unsigned vectors() const override { return 1; }
    void set_intx(bool) override {}
    void notify(std::uint16_t) override {}
};

// The controller's ErrorLog, into the subject's log.
class ErrorLogToGuestLog final : public nv::ErrorLog {
public:
    explicit ErrorLogToGuestLog(GuestLog &log) : log_(log) {}
    void guest_error(const char *fmt, ...) override
    {
        char text[512];
        va_list ap;
        va_start(ap, fmt);
        std::vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        log_.guest_error(text);
    }

private:
    GuestLog &log_;
};

class NvmeSubject final : public Subject {
public:
    NvmeSubject()
        : ctrl_(state_, dma_, irq_, error_log_, nv::Identity{}, {}), rf_(ctrl_.registers())
    {
        ctrl_.power_on_reset();
    }
    RegisterFile &file() override { return rf_; }
    void reset() override { ctrl_.power_on_reset(); }
    std::size_t storage_size() const override { return sizeof(nv::NvmeControllerState); }

private:
    nv::NvmeControllerState state_{};
    NoDma dma_;
    IntxOnly irq_;
    ErrorLogToGuestLog error_log_{log};
    nv::Controller ctrl_;
    RegisterFile rf_;
};

// Linux's PCI endpoint test function, with no host memory: its commands
// run (COMMAND's hook) and fail or raise nothing, each with a guest error
// the table test does not count (it checks registers, not commands).
class EpfSubject final : public Subject {
public:
    EpfSubject() : fn_(host_, 32, 2048) {}
    RegisterFile &file() override { return fn_.registers(); }
    void reset() override { fn_.reset(); }
    std::size_t storage_size() const override { return sizeof(samples::EpfTestRegs); }

private:
    struct NoMemory final : samples::EpfTestHost {
        explicit NoMemory(GuestLog &l) : log(l) {}
        bool dma_read(std::uint64_t, std::span<std::uint8_t>) override { return false; }
        bool dma_write(std::uint64_t, std::span<const std::uint8_t>) override { return false; }
        void guest_error(const std::string &m) override { log.guest_error(m); }
        GuestLog &log;
    };
    NoMemory host_{log};
    samples::EpfTest fn_;
};

// A synthetic device with what the samples' tables lack: w1c status bits
// beside plain ones, ro bits in a writable register, a reset value not 0,
// a wide register, a gap, a bank, registers whose access is a command (a
// read hook, a write hook that may refuse) and a reset hook. Its one table
// serves the generic table test, the register file's mechanics and the
// compile-time decoding below.
struct SynthState {
    std::uint32_t ctrl;
    std::uint32_t status;
    std::uint16_t mixed;
    std::uint16_t banked_a;
    std::uint16_t banked_b;
    std::uint8_t select;
    std::uint8_t pops;
    std::uint8_t cmd;
    std::uint64_t wide;
};

class Synth {
public:
    explicit Synth(SynthState &s) : s_(s) {}
    static constexpr const regs::RegisterTable &table() { return kTable; }

private:
    bool bank_b() const { return s_.select & 1; }
    // POP reads how many reads came before (its first read: its reset value).
    std::uint64_t read_pop(const Register &) { return s_.pops++; }
    const char *write_cmd(const Register &, std::uint64_t value)
    {
        if (value == 0xff) {
            return "not a command";
        }
        s_.cmd = static_cast<std::uint8_t>(value);
        return nullptr;
    }
    std::uint64_t version() const { return 0x4321; }

    SynthState &s_;

    static constexpr Register kRegs[] = {
        {.name = "CTRL", .offset = 0x0, .width = 4, .reset = 0x00000100, .rsvd = 0xffff0000,
         .storage = offsetof(SynthState, ctrl)},
        {.name = "STATUS", .offset = 0x4, .width = 4, .ro = 0x0000ff00, .rsvd = 0xffff0000,
         .w1c = 0x000000ff, .storage = offsetof(SynthState, status)},
        {.name = "MIXED", .offset = 0x8, .width = 2, .reset = 0x8000, .ro = 0xff00,
         .storage = offsetof(SynthState, mixed)},
        {.name = "B", .offset = 0xa, .width = 2, .storage = offsetof(SynthState, banked_b),
         .bank = regs::bank_hook<&Synth::bank_b>},
        {.name = "A", .offset = 0xa, .width = 2, .storage = offsetof(SynthState, banked_a)},
        {.name = "SELECT", .offset = 0xc, .width = 1, .rsvd = 0xfe,
         .storage = offsetof(SynthState, select)},
        {.name = "POP", .offset = 0xd, .width = 1, .access = regs::kRead, .ro = regs::kAllBits,
         .on_read = regs::read_hook<&Synth::read_pop>},
        {.name = "CMD", .offset = 0xd, .width = 1, .access = regs::kWrite,
         .on_write = regs::write_hook<&Synth::write_cmd>},
        {.name = "ID", .offset = 0xe, .width = 2, .reset = 0x1234, .ro = regs::kAllBits},
        {.name = "VERSION", .offset = 0x10, .width = 4, .ro = regs::kAllBits,
         .reset_hook = regs::reset_hook<&Synth::version>},
        // 0x14 .. 0x17: nothing
        {.name = "WIDE", .offset = 0x18, .width = 8, .storage = offsetof(SynthState, wide)},
    };
    static constexpr regs::RegisterTable kTable{"synth", kRegs};
};

class SynthSubject final : public Subject {
public:
    SynthSubject() { reset(); }
    RegisterFile &file() override { return rf_; }
    void reset() override { rf_.reset(); }
    std::size_t storage_size() const override { return sizeof(SynthState); }

    SynthState state{};
    Synth synth{state};
    RegisterFile rf_{Synth::table(), regs::storage_of(state), &synth, &log};
};

const TableCase kCases[] = {
    {"gpio", [] { return std::unique_ptr<Subject>(std::make_unique<GpioSubject>()); }},
    {"mtty_uart", [] { return std::unique_ptr<Subject>(std::make_unique<UartSubject>()); }},
    {"mbochs_dispi", [] { return std::unique_ptr<Subject>(std::make_unique<DispiSubject>()); }},
    {"mnvme_bar0", [] { return std::unique_ptr<Subject>(std::make_unique<NvmeSubject>()); }},
    {"epf_test_bar0", [] { return std::unique_ptr<Subject>(std::make_unique<EpfSubject>()); }},
    {"synthetic", [] { return std::unique_ptr<Subject>(std::make_unique<SynthSubject>()); }},
};

// ---- The generic table test ------------------------------------------------

class RegisterTableTest : public ::testing::TestWithParam<TableCase> {
protected:
    std::unique_ptr<Subject> fresh() const { return GetParam().make(); }
    std::span<const Register> regs() const { return fresh()->file().table().regs; }

    // Whether any entry serves `offset` in `direction`, whatever its bank.
    bool served(std::uint64_t offset, regs::Access direction) const
    {
        for (const Register &r : regs()) {
            if ((r.access & direction) && offset >= r.offset && offset < r.offset + r.width) {
                return true;
            }
        }
        return false;
    }

    std::uint64_t end() const
    {
        std::uint64_t e = 0;
        for (const Register &r : regs()) {
            e = std::max<std::uint64_t>(e, r.offset + r.width);
        }
        return e;
    }
};

TEST_P(RegisterTableTest, TableIsWellFormed)
{
    auto s = fresh();
    EXPECT_EQ(regs::table_problem(s->file().table(), s->storage_size()), std::nullopt);
    EXPECT_FALSE(s->file().table().regs.empty());
}

TEST_P(RegisterTableTest, EveryRegisterReadsItsResetValue)
{
    for (const Register &r : regs()) {
        SCOPED_TRACE(r.name);
        auto s = fresh(); // a read may be a command: one device per register
        RegisterFile &rf = s->file();
        if (r.storage != regs::kNoStorage) {
            EXPECT_EQ(rf.peek(r), rf.reset_value(r));
        }
        if (r.readable()) {
            EXPECT_EQ(rf.read_register(r), rf.reset_value(r) & ~r.rsvd);
        }
        EXPECT_TRUE(s->log.errors.empty());
    }
}

TEST_P(RegisterTableTest, DeviceResetRestoresDeclaredValues)
{
    auto s = fresh();
    RegisterFile &rf = s->file();
    for (const Register &r : rf.table().regs) {
        if (r.storage != regs::kNoStorage) {
            rf.poke(r, ~rf.reset_value(r) & r.width_mask() & ~r.rsvd);
        }
    }
    s->reset();
    for (const Register &r : rf.table().regs) {
        SCOPED_TRACE(r.name);
        EXPECT_EQ(rf.peek(r), rf.reset_value(r));
    }
}

TEST_P(RegisterTableTest, RoAndRsvdBitsCannotBeWritten)
{
    for (const Register &r : regs()) {
        if (!r.writable_entry() || r.storage == regs::kNoStorage) {
            continue;
        }
        for (const std::uint64_t pattern : {regs::kAllBits, std::uint64_t(0)}) {
            SCOPED_TRACE(std::string(r.name) + (pattern ? " all ones" : " zeros"));
            auto s = fresh();
            RegisterFile &rf = s->file();
            // Start from the opposite of the pattern in every bit a stored
            // value can hold, so that each ro bit would have to change.
            rf.poke(r, ~pattern & r.width_mask() & ~r.rsvd);
            const std::uint64_t before = rf.peek(r);
            rf.write_register(r, pattern);
            const std::uint64_t after = rf.peek(r);
            EXPECT_EQ((after ^ before) & (r.ro | r.rsvd) & r.width_mask(), 0u);
            EXPECT_EQ(after & r.rsvd, 0u);
            if (r.on_write == nullptr && !r.read_only()) {
                // A plain register stores exactly its writable bits.
                const std::uint64_t plain = r.writable() & ~r.w1c;
                EXPECT_EQ(after & plain, pattern & plain);
            }
        }
    }
}

TEST_P(RegisterTableTest, W1cBitsClearOnOneAndStayOnZero)
{
    for (const Register &r : regs()) {
        if (r.w1c == 0 || r.storage == regs::kNoStorage || !r.writable_entry()) {
            continue;
        }
        SCOPED_TRACE(r.name);
        auto s = fresh();
        RegisterFile &rf = s->file();
        rf.poke(r, r.w1c);
        EXPECT_TRUE(rf.write_register(r, 0));
        EXPECT_EQ(rf.peek(r) & r.w1c, r.w1c);
        EXPECT_TRUE(rf.write_register(r, r.w1c));
        EXPECT_EQ(rf.peek(r) & r.w1c, 0u);
    }
}

TEST_P(RegisterTableTest, ReadOnlyRegisterRefusesWriteWithOneLineNamingIt)
{
    for (const Register &r : regs()) {
        if (!r.writable_entry() || !r.read_only()) {
            continue;
        }
        SCOPED_TRACE(r.name);
        auto s = fresh();
        RegisterFile &rf = s->file();
        const std::uint64_t before = rf.peek(r);
        EXPECT_FALSE(rf.write_register(r, ~before & r.width_mask()));
        EXPECT_EQ(rf.peek(r), before);
        if (r.readable()) {
            // The device reads on as if nothing had been written.
            EXPECT_EQ(rf.read_register(r), rf.reset_value(r) & ~r.rsvd);
        }
        ASSERT_EQ(s->log.errors.size(), 1u);
        EXPECT_THAT(s->log.errors[0], HasSubstr(std::string(r.name) + " ("));
        EXPECT_THAT(s->log.errors[0], HasSubstr("read-only"));
        EXPECT_THAT(s->log.errors[0], HasSubstr(rf.table().name));
    }
}

TEST_P(RegisterTableTest, UnknownOffsetsAreRefusedAndLogged)
{
    auto s = fresh();
    RegisterFile &rf = s->file();
    unsigned probed = 0;
    for (std::uint64_t offset = 0; offset < end() + 16; offset++) {
        if (!served(offset, regs::kWrite)) {
            SCOPED_TRACE(offset);
            const std::size_t before = s->log.errors.size();
            EXPECT_FALSE(rf.write(offset, 0xff, 1));
            ASSERT_EQ(s->log.errors.size(), before + 1);
            EXPECT_THAT(s->log.errors.back(), HasSubstr("no register there"));
            probed++;
        }
        if (!served(offset, regs::kRead)) {
            SCOPED_TRACE(offset);
            const std::size_t before = s->log.errors.size();
            EXPECT_EQ(rf.read(offset, 1), 0u);
            EXPECT_EQ(s->log.errors.size(), before + (rf.table().log_unknown_reads ? 1 : 0));
        }
    }
    EXPECT_GT(probed, 0u);
}

TEST_P(RegisterTableTest, AccessWiderThanRegisterOrMisalignedIsRefusedAndLogged)
{
    for (const Register &r : regs()) {
        if (!r.writable_entry()) {
            continue;
        }
        SCOPED_TRACE(r.name);
        auto s = fresh();
        RegisterFile &rf = s->file();
        const std::uint64_t before = rf.peek(r);
        if (r.width < 8) {
            const unsigned wider = 2u * r.width;
            const std::uint64_t at = r.offset & ~std::uint64_t(wider - 1);
            EXPECT_FALSE(rf.write(at, regs::kAllBits, wider));
            EXPECT_EQ(s->log.errors.size(), 1u);
        }
        if (r.width > 1) {
            EXPECT_FALSE(rf.write(r.offset + 1, 0xff, 2));
            EXPECT_THAT(s->log.errors.back(), HasSubstr("naturally aligned"));
        }
        EXPECT_EQ(rf.peek(r), before);
    }
}

INSTANTIATE_TEST_SUITE_P(EveryTable, RegisterTableTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<TableCase> &info) {
                             return std::string(info.param.name);
                         });

// ---- The register file's own mechanics (synthetic table) ---------------------

class RegisterFileTest : public ::testing::Test {
protected:
    SynthSubject dev;
    RegisterFile &rf = dev.file();
    const Register &reg(const char *name)
    {
        for (const Register &r : rf.table().regs) {
            if (std::string_view(r.name) == name) {
                return r;
            }
        }
        ADD_FAILURE() << "no register " << name;
        return rf.table().regs[0];
    }
};

TEST_F(RegisterFileTest, NarrowAccessReadsAndWritesOnlyItsBytes)
{
    ASSERT_TRUE(rf.write(0x18, 0x11223344, 4));
    ASSERT_TRUE(rf.write(0x1c, 0x55667788, 4));
    EXPECT_EQ(dev.state.wide, 0x5566778811223344u);
    EXPECT_EQ(rf.read(0x1c, 4), 0x55667788u);
    EXPECT_EQ(rf.read(0x1a, 2), 0x1122u);
    EXPECT_EQ(rf.read(0x1f, 1), 0x55u);
    ASSERT_TRUE(rf.write(0x19, 0xaa, 1));
    EXPECT_EQ(dev.state.wide, 0x556677881122aa44u);
}

TEST_F(RegisterFileTest, NarrowWriteLeavesW1cBitsOfOtherBytesAlone)
{
    dev.state.status = 0x000000ff;
    // Byte 1 of STATUS is ro, byte 0 w1c: writing byte 1 clears nothing.
    EXPECT_TRUE(rf.write(0x5, 0xff, 1));
    EXPECT_EQ(dev.state.status, 0x000000ffu);
    EXPECT_TRUE(rf.write(0x4, 0x0f, 1));
    EXPECT_EQ(dev.state.status, 0x000000f0u);
}

TEST_F(RegisterFileTest, BankHookSelectsTheRegister)
{
    ASSERT_TRUE(rf.write(0xa, 0x1111, 2));
    rf.write(0xc, 1, 1);
    ASSERT_TRUE(rf.write(0xa, 0x2222, 2));
    EXPECT_EQ(dev.state.banked_a, 0x1111);
    EXPECT_EQ(dev.state.banked_b, 0x2222);
    EXPECT_STREQ(rf.name_at(0xa, regs::kRead), "B");
    rf.write(0xc, 0, 1);
    EXPECT_EQ(rf.read(0xa, 2), 0x1111u);
    EXPECT_STREQ(rf.name_at(0xa, regs::kRead), "A");
}

TEST_F(RegisterFileTest, MixedRegisterKeepsRoHalf)
{
    EXPECT_TRUE(rf.write(0x8, 0x00ab, 2));
    EXPECT_EQ(rf.read(0x8, 2), 0x80abu);
    EXPECT_TRUE(dev.log.errors.empty()); // masking is silent, as hardware
}

TEST_F(RegisterFileTest, RefusedWriteLineNamesRegisterOffsetAndValue)
{
    EXPECT_FALSE(rf.write(0xe, 0xbeef, 2));
    ASSERT_EQ(dev.log.errors.size(), 1u);
    EXPECT_EQ(dev.log.errors[0], "synth: ID (0xe): write of 0xbeef refused: read-only register");
    EXPECT_EQ(rf.read(0xe, 2), 0x1234u);
}

TEST_F(RegisterFileTest, TracesNameTheRegister)
{
    trace_record::take();
    _TRACE_MDEV_REG_READ_DSTATE = _TRACE_MDEV_REG_WRITE_DSTATE = 1;
    rf.read(0x0, 4);
    rf.write(0xe, 1, 2);
    _TRACE_MDEV_REG_READ_DSTATE = _TRACE_MDEV_REG_WRITE_DSTATE = 0;
    const std::vector<std::string> lines = trace_record::take();
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_THAT(lines[0], HasSubstr("mdev_reg_read:  synth CTRL (0x0/4) -> 0x100"));
    EXPECT_THAT(lines[1], HasSubstr("mdev_reg_write:  synth ID (0xe/2) <- 0x1 (refused)"));
}

// A hook may be any function of the hook's type, a lambda without
// captures included, and says it is set; nullptr is none.
TEST(RegisterHookTest, MadeFromFunctionsAndLambdas)
{
    constexpr regs::ReadHook none = nullptr;
    static_assert(none == nullptr && !none);
    constexpr regs::ReadHook lambda = [](void *, const Register &) -> std::uint64_t { return 7; };
    static_assert(lambda != nullptr);
    const Register r{.name = "R", .on_read = lambda};
    EXPECT_EQ(r.on_read(nullptr, r), 7u);
    EXPECT_EQ(Register{}.on_read, nullptr);
}

TEST_F(RegisterFileTest, TableProblemsAreFound)
{
    const Register overlapping[] = {
        {.name = "X", .offset = 0, .width = 4, .storage = 0},
        {.name = "Y", .offset = 2, .width = 2, .storage = 0},
    };
    EXPECT_THAT(regs::table_problem(regs::RegisterTable("t", overlapping), 8).value_or(""),
                HasSubstr("Y: overlaps X"));
    const Register outside[] = {{.name = "X", .offset = 0, .width = 4, .storage = 6}};
    EXPECT_THAT(regs::table_problem(regs::RegisterTable("t", outside), 8).value_or(""),
                HasSubstr("storage lies outside"));
    const Register unaligned[] = {{.name = "X", .offset = 2, .width = 4, .storage = 0}};
    EXPECT_THAT(regs::table_problem(regs::RegisterTable("t", unaligned), 8).value_or(""),
                HasSubstr("not a multiple"));
    const Register nowhere[] = {{.name = "X", .offset = 0, .width = 4}};
    const Register unordered[] = {
        {.name = "X", .offset = 4, .width = 4, .storage = 0},
        {.name = "Y", .offset = 0, .width = 4, .storage = 4},
    };
    EXPECT_THAT(regs::table_problem(regs::RegisterTable("t", unordered), 8).value_or(""),
                HasSubstr("Y: out of order"));
    EXPECT_THAT(regs::table_problem(regs::RegisterTable("t", nowhere), 8).value_or(""),
                HasSubstr("neither storage nor a write hook"));
}

// ---- Compile-time decoding: the same as the general path ---------------------
// RegisterFile::read<Table, Size>/write<Table, Size> decode a constant table
// at compile time (mtty's and DISPI's hot handlers use them). Every aligned
// and misaligned access of every size over the table's span, with values
// that hit plain, ro, rsvd and w1c bits, banks switched both ways, hooks
// that refuse, must return, store, log and trace exactly what the general
// path does.

// One device of a table: its state's bytes, a register file, a log.
struct EquivDevice {
    virtual ~EquivDevice() = default;
    virtual RegisterFile &file() = 0;
    virtual std::vector<std::uint8_t> bytes() const = 0;
    RecordingLog log;
};

template <class State>
std::vector<std::uint8_t> bytes_of(const State &s)
{
    const auto *p = reinterpret_cast<const std::uint8_t *>(&s);
    return {p, p + sizeof(s)};
}

class EquivSubject final : public EquivDevice {
public:
    EquivSubject() : rf_(Synth::table(), regs::storage_of(state_), &dev_, &log) { rf_.reset(); }
    RegisterFile &file() override { return rf_; }
    std::vector<std::uint8_t> bytes() const override { return bytes_of(state_); }

private:
    SynthState state_{};
    Synth dev_{state_};
    RegisterFile rf_;
};

class EquivUart final : public EquivDevice {
public:
    EquivUart() : rf_(uart_.registers()) { uart_.reset(); }
    RegisterFile &file() override { return rf_; }
    std::vector<std::uint8_t> bytes() const override { return bytes_of(state_); }

private:
    samples::MttyUartState state_{};
    samples::Uart16550 uart_{state_, &log};
    RegisterFile rf_;
};

class EquivDispi final : public EquivDevice {
public:
    EquivDispi() : rf_(dispi_.registers(&log)) { dispi_.reset(); }
    RegisterFile &file() override { return rf_; }
    std::vector<std::uint8_t> bytes() const override { return bytes_of(state_); }

private:
    samples::MbochsDeviceState state_{};
    samples::Dispi dispi_{state_, 16 << 20};
    RegisterFile rf_;
};

template <const regs::RegisterTable &Table>
std::uint64_t fixed_read(RegisterFile &rf, std::uint64_t offset, unsigned size)
{
    switch (size) {
    case 1:
        return rf.read<Table, 1>(offset);
    case 2:
        return rf.read<Table, 2>(offset);
    case 4:
        return rf.read<Table, 4>(offset);
    default:
        return rf.read<Table, 8>(offset);
    }
}

template <const regs::RegisterTable &Table>
bool fixed_write(RegisterFile &rf, std::uint64_t offset, std::uint64_t value, unsigned size)
{
    switch (size) {
    case 1:
        return rf.write<Table, 1>(offset, value);
    case 2:
        return rf.write<Table, 2>(offset, value);
    case 4:
        return rf.write<Table, 4>(offset, value);
    default:
        return rf.write<Table, 8>(offset, value);
    }
}

template <const regs::RegisterTable &Table, class Device>
void expect_fixed_same_as_general(std::uint64_t span)
{
    Device general;
    Device fixed;
    trace_record::take();
    _TRACE_MDEV_REG_READ_DSTATE = _TRACE_MDEV_REG_WRITE_DSTATE = 1;
    const std::uint64_t values[] = {0, 0x01, 0xff, 0x5a5a5a5a5a5a5a5aull, regs::kAllBits,
                                    0x0000ff00, 0x80};
    unsigned accesses = 0;
    for (unsigned size : {1u, 2u, 4u, 8u}) {
        for (std::uint64_t offset = 0; offset < span; offset++) {
            for (std::uint64_t value : values) {
                SCOPED_TRACE(::testing::Message() << "size " << size << " offset 0x" << std::hex
                                                  << offset << " value 0x" << value);
                const bool wg = general.file().write(offset, value, size);
                const std::vector<std::string> tg = trace_record::take();
                const bool wf = fixed_write<Table>(fixed.file(), offset, value, size);
                const std::vector<std::string> tf = trace_record::take();
                EXPECT_EQ(wg, wf);
                EXPECT_EQ(tg, tf);
                const std::uint64_t rg = general.file().read(offset, size);
                const std::vector<std::string> tg2 = trace_record::take();
                const std::uint64_t rf = fixed_read<Table>(fixed.file(), offset, size);
                const std::vector<std::string> tf2 = trace_record::take();
                EXPECT_EQ(rg, rf);
                EXPECT_EQ(tg2, tf2);
                ASSERT_EQ(general.bytes(), fixed.bytes());
                accesses += 2;
            }
        }
    }
    _TRACE_MDEV_REG_READ_DSTATE = _TRACE_MDEV_REG_WRITE_DSTATE = 0;
    EXPECT_EQ(general.log.errors, fixed.log.errors);
    EXPECT_FALSE(general.log.errors.empty()); // refusals were exercised
    EXPECT_EQ(accesses, 4 * span * std::size(values) * 2);
}

TEST(RegisterFileFixedTest, SyntheticTableDecodesAsTheGeneralPath)
{
    expect_fixed_same_as_general<Synth::table(), EquivSubject>(0x22);
}

TEST(RegisterFileFixedTest, UartTableDecodesAsTheGeneralPath)
{
    expect_fixed_same_as_general<samples::Uart16550::register_table(), EquivUart>(10);
}

TEST(RegisterFileFixedTest, DispiTableDecodesAsTheGeneralPath)
{
    expect_fixed_same_as_general<samples::Dispi::register_table(), EquivDispi>(0x18);
}

// The table's direct slots (the runtime path's first step) are built from
// the table: one per offset where a single unbanked register starts.
TEST(RegisterFileFixedTest, DirectSlotsAreWhereOneRegisterStarts)
{
    const regs::RegisterTable &t = Synth::table();
    EXPECT_EQ(t.read_slot(0x0).size, 4);    // CTRL
    EXPECT_EQ(t.write_slot(0x0).size, 4);
    EXPECT_EQ(t.read_slot(0x1).size, 0);    // inside CTRL
    EXPECT_EQ(t.write_slot(0x4).size, 0);   // STATUS: w1c and ro bits merge
    EXPECT_EQ(t.read_slot(0x4).size, 4);
    EXPECT_EQ(t.read_slot(0xa).size, 0);    // banked
    EXPECT_EQ(t.read_slot(0xd).size, 1);    // POP
    EXPECT_EQ(t.write_slot(0xd).size, 1);   // CMD
    EXPECT_STREQ(t.read_slot(0xd).reg->name, "POP");
    EXPECT_STREQ(t.write_slot(0xd).reg->name, "CMD");
    EXPECT_EQ(t.write_slot(0xe).size, 0);   // ID: read-only
    EXPECT_EQ(t.read_slot(0x10).size, 0);   // VERSION: no storage, no read hook
    EXPECT_EQ(t.read_slot(0x18).size, 8);
    EXPECT_EQ(regs::table_problem(t, sizeof(SynthState)), std::nullopt);
}

} // namespace
} // namespace mdev
