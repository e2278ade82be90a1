// SPDX-License-Identifier: GPL-2.0-or-later
// gpio: the tutorial sample. Each mdev is an ACCES PCI-IDIO-16 digital I/O
// card (PCI 494f:0dc8, bound by Linux's gpio-pci-idio-16): 16 FET outputs,
// 16 isolated inputs and a change-of-state interrupt, with a loopback plug
// wired on its connector so that output n drives input n. gpio.cpp is the
// whole device, its declaration included; read it top to bottom. This header
// only shows the types that its unit test needs.
#pragma once

#include "hw/mdev/core.hpp"
#include "hw/mdev/fault.hpp"
#include "hw/mdev/regfile.hpp"
#include "hw/mdev/vfio_ops.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace mdev::samples {

// Everything about one card that a migration must carry, as plain
// fixed-width fields: gpio.cpp describes it field by field (MDEV_MIGRATE).
// The inputs are not here: through the loopback plug they always equal the
// outputs.
struct GpioRegs {
    std::uint16_t out;         // FET outputs: bit n set = output n switched on
    std::uint8_t irq_enabled;  // 1 after the driver read "Enable IRQ" (base+2)
    std::uint8_t irq_status;   // base+6: kIrqStatus* bits latched since the last clear
    std::uint8_t filters_on;   // 1 after a read of base+3 (all 16 input filters)
    std::uint8_t filter_mask;  // base+7: per-input filters of inputs 0-7
};

// BAR2's registers (one byte each) and the interrupt status bits.
namespace idio16 {
inline constexpr std::uint64_t kOut0_7 = 0;     // r/w: outputs 0-7
inline constexpr std::uint64_t kIn0_7 = 1;      // r: inputs 0-7; w: clear interrupt
inline constexpr std::uint64_t kIrqCtl = 2;     // r: enable IRQ; w: disable IRQ
inline constexpr std::uint64_t kFilterCtl = 3;  // r: filters on; w: filters off
inline constexpr std::uint64_t kOut8_15 = 4;    // r/w: outputs 8-15
inline constexpr std::uint64_t kIn8_15 = 5;     // r: inputs 8-15
inline constexpr std::uint64_t kIrqStatus = 6;  // r: interrupt status
inline constexpr std::uint64_t kFilterMask = 7; // r/w: filters of inputs 0-7
inline constexpr std::uint64_t kBarSize = 8;
inline constexpr std::uint32_t kBar = 2;        // the driver maps BAR2

inline constexpr std::uint8_t kIrqStatusLow = 1u << 0;  // an input 0-7 changed
inline constexpr std::uint8_t kIrqStatusHigh = 1u << 1; // an input 8-15 changed
inline constexpr std::uint8_t kIrqStatusPending = 1u << 2; // interrupt latched
} // namespace idio16

// The per-mdev state (the kernel's drvdata): the registers, and where the
// INTx line goes once the frontend has connected it.
class GpioMdev final : public VendorState {
public:
    GpioMdev() { reset(); }

    const GpioRegs &regs() const { return regs_; }

    // One byte of BAR2, through the card's register table. Offsets are
    // < kBarSize.
    std::uint8_t read(std::uint64_t offset);
    // False if the register is read-only; nothing is logged (the vfio ops
    // use registers(log) instead, which logs the refusal by register name).
    bool write(std::uint64_t offset, std::uint8_t value);

    // BAR2's declared registers (gpio.cpp), and a register file over this
    // card's GpioRegs; guest errors go to `log` if there is one, traces
    // name the card by `who` (its UUID).
    static const regs::RegisterTable &register_table() { return kRegisterTable; }
    regs::RegisterFile registers(GuestLog *log = nullptr, const char *who = "")
    {
        return regs::RegisterFile(kRegisterTable, regs::storage_of(regs_), this, log, who);
    }

    // Power-on state: outputs off, interrupt disabled and clear, no filters.
    void reset();
    // What migrates: the registers (VendorState::migrated()).
    std::vector<migration::Data> migrated(const Device &) override;
    // After a migration load: drops bits no register can hold, then tells the
    // INTx line the level the loaded registers mean.
    bool post_load(Device &) override;

    void set_intx_sink(vfio::IrqSink *sink);

    // The card's faults (gpio.cpp, section 6): declared in the device's set
    // when the frontend opens the card, detached when it releases it.
    void attach_faults(FaultSet &set);
    void detach_faults();
    // What inputs 0-15 read: the outputs, through the loopback plug, except
    // an input the stuck-input fault holds.
    std::uint16_t inputs() const
    {
        return static_cast<std::uint16_t>((regs_.out & ~stuck_mask_) | (stuck_value_ & stuck_mask_));
    }

private:
    static const regs::Register kRegisters[];
    static const regs::RegisterTable kRegisterTable;

    // The registers whose access is a command (the table's hooks).
    std::uint64_t read_outputs(const regs::Register &reg);
    std::uint64_t read_inputs(const regs::Register &reg);
    const char *write_outputs(const regs::Register &reg, std::uint64_t value);
    const char *clear_interrupt(const regs::Register &reg, std::uint64_t value);
    std::uint64_t enable_irq(const regs::Register &reg);
    const char *disable_irq(const regs::Register &reg, std::uint64_t value);
    std::uint64_t filters_on(const regs::Register &reg);
    const char *filters_off(const regs::Register &reg, std::uint64_t value);

    void set_outputs(std::uint16_t out);
    void latch_change(std::uint16_t changed);
    void update_intx(bool force = false);
    void stick(bool armed);
    bool interrupt_lost(std::uint16_t changed);

    GpioRegs regs_{};
    vfio::IrqSink *intx_ = nullptr;
    bool intx_level_ = false;
    // Faults (not migrated: an armed fault blocks migration).
    FaultSet *faults_ = nullptr;
    FaultSet::Id stuck_input_ = 0, lost_interrupt_ = 0;
    std::uint16_t stuck_mask_ = 0;  // the input stuck-input holds (one bit, or none)
    std::uint16_t stuck_value_ = 0; // and the level it holds it at
};

// How many cards the parent has room for, all together.
inline constexpr unsigned kGpioDefaultCount = 4;

class GpioParent final : public Parent {
public:
    explicit GpioParent(unsigned count = kGpioDefaultCount);

    std::string_view name() const override { return "gpio"; }
    std::span<const MdevType> types() const override { return types_; }
    unsigned available_instances(const MdevType &type) const override;
    Result<std::unique_ptr<VendorState>> create(const CreateArgs &args) override;
    void remove(VendorState &state) override;

    // Registers this parent's ops with `core`: class vfio only.
    Status register_ops(Core &core) const override;

private:
    std::vector<MdevType> types_;
    unsigned count_;
    unsigned created_ = 0;
};

} // namespace mdev::samples
