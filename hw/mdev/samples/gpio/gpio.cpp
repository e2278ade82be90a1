// SPDX-License-Identifier: GPL-2.0-or-later
// gpio: an ACCES PCI-IDIO-16 as an mdev parent, the smallest complete one.
// Read it in order:
//   1. the card's registers (GpioMdev): what the guest's driver programs;
//   2. its PCI config space: how the guest finds it;
//   3. its vfio ops (GpioVfioOps): BAR2's registers (1), INTx and reset;
//   4. the parent (GpioParent): types, budget, creating and removing mdevs;
//   5. its declaration: what makes it -device mdev-gpio, and what migrates;
//   6. its faults: a stuck input and a lost interrupt, armed from QMP.
//
// What Linux 6.1's gpio-pci-idio-16 does with the card (the model follows it,
// and the card's manual where the manual says more):
//   - probe maps BAR2 and writes base+3 (input filters off); while adding the
//     gpiochip it writes base+2 (IRQ off) and base+1 (clear a pending IRQ);
//   - lines 0-15 are the outputs (read back from base+0/+4, set by a
//     read-modify-write of them), lines 16-31 the inputs (base+1/+5);
//   - unmasking the first input interrupt reads base+2 (IRQ on), masking the
//     last writes it (IRQ off);
//   - its shared INTx handler reads base+6 and claims the interrupt only if
//     bit 2 and one of bits 0-1 are set, then writes base+1 to clear it.
//
// Where the model departs from, or has to guess at, the real card:
//   - Only BAR2 exists. The card's PCI bridge (a PLX PCI9050) also has BAR0
//     and BAR1 for its own registers, which the Linux driver never touches.
//   - Registers take 1-byte accesses only (the driver uses nothing else); a
//     wider access is a guest error, reads all ones and writes nothing.
//   - Inputs follow outputs at once, and the input filters are registers
//     with no effect: a loopback plug has no bounce or noise to filter.
//   - The manual names base+6 "Interrupt Status" without its bits; bits 0-1
//     (which half of the inputs changed) and 2 (interrupt latched) are what
//     the driver tests, so that is what the model sets.
//   - While the IRQ is disabled a change latches nothing, and disabling
//     lowers the line but keeps a latched interrupt until the clear (as
//     ACCES documents for its sibling PCI-IDI cards); the PCI-IDIO-16 manual
//     does not say.
//   - The class code is "unassigned" (0xff00), the subsystem ids repeat the
//     card's ids, and the power-on state is all zeros: the card's own values
//     are not documented where this model was written.
#include "samples/gpio/gpio.hpp"

#include "hw/mdev/declaration.hpp"
#include "hw/mdev/device.hpp"
#include "hw/mdev/pci_config.hpp"

#include <cinttypes>
#include <cstddef>
#include <cstdio>
#include <string>

namespace mdev::samples {

using namespace idio16;

// ---- 1. The card's registers --------------------------------------------
// Declared once: name, offset, width, masks, where the value is kept in
// GpioRegs, and a hook for each register whose access is a command. The
// register file (hw/mdev/regfile.hpp) decodes accesses from the table.

using regs::Register;

const Register GpioMdev::kRegisters[] = {
    // Outputs 0-7, read back and set by the driver's read-modify-write;
    // with OUT8_15, the two halves of GpioRegs::out, so hooks, not storage.
    {.name = "OUT0_7", .offset = kOut0_7, .on_read = regs::read_hook<&GpioMdev::read_outputs>,
     .on_write = regs::write_hook<&GpioMdev::write_outputs>},
    // The loopback plug: input n is energized while output n is on. Writing
    // base+1 is a command: clear the interrupt.
    {.name = "IN0_7", .offset = kIn0_7, .ro = regs::kAllBits,
     .on_read = regs::read_hook<&GpioMdev::read_inputs>,
     .on_write = regs::write_hook<&GpioMdev::clear_interrupt>},
    // Reading these two is a command and reads 0; writing them is another.
    {.name = "IRQ_CTL", .offset = kIrqCtl, .ro = regs::kAllBits,
     .on_read = regs::read_hook<&GpioMdev::enable_irq>,
     .on_write = regs::write_hook<&GpioMdev::disable_irq>},
    {.name = "FILTER_CTL", .offset = kFilterCtl, .ro = regs::kAllBits,
     .on_read = regs::read_hook<&GpioMdev::filters_on>,
     .on_write = regs::write_hook<&GpioMdev::filters_off>},
    {.name = "OUT8_15", .offset = kOut8_15, .on_read = regs::read_hook<&GpioMdev::read_outputs>,
     .on_write = regs::write_hook<&GpioMdev::write_outputs>},
    // Read-only: a write is refused.
    {.name = "IN8_15", .offset = kIn8_15, .ro = regs::kAllBits,
     .on_read = regs::read_hook<&GpioMdev::read_inputs>},
    {.name = "IRQ_STATUS", .offset = kIrqStatus, .ro = regs::kAllBits,
     .storage = offsetof(GpioRegs, irq_status)},
    {.name = "FILTER_MASK", .offset = kFilterMask, .storage = offsetof(GpioRegs, filter_mask)},
};
const regs::RegisterTable GpioMdev::kRegisterTable{"gpio: BAR2", kRegisters};

std::uint8_t GpioMdev::read(std::uint64_t offset)
{
    return static_cast<std::uint8_t>(registers().read(offset, 1));
}

bool GpioMdev::write(std::uint64_t offset, std::uint8_t value)
{
    return registers().write(offset, value, 1);
}

std::uint64_t GpioMdev::read_outputs(const Register &reg)
{
    return reg.offset == kOut8_15 ? regs_.out >> 8 : regs_.out & 0xff;
}

std::uint64_t GpioMdev::read_inputs(const Register &reg)
{
    return reg.offset == kIn8_15 ? inputs() >> 8 : inputs() & 0xff;
}

const char *GpioMdev::write_outputs(const Register &reg, std::uint64_t value)
{
    const auto byte = static_cast<std::uint16_t>(value);
    set_outputs(reg.offset == kOut8_15 ? static_cast<std::uint16_t>((regs_.out & 0x00ff) | byte << 8)
                                       : static_cast<std::uint16_t>((regs_.out & 0xff00) | byte));
    return nullptr;
}

const char *GpioMdev::clear_interrupt(const Register &, std::uint64_t)
{
    regs_.irq_status = 0;
    update_intx();
    return nullptr;
}

std::uint64_t GpioMdev::enable_irq(const Register &)
{
    regs_.irq_enabled = 1;
    update_intx();
    return 0;
}

// A latched interrupt stays latched.
const char *GpioMdev::disable_irq(const Register &, std::uint64_t)
{
    regs_.irq_enabled = 0;
    update_intx();
    return nullptr;
}

std::uint64_t GpioMdev::filters_on(const Register &)
{
    regs_.filters_on = 1;
    return 0;
}

const char *GpioMdev::filters_off(const Register &, std::uint64_t)
{
    regs_.filters_on = 0;
    return nullptr;
}

// With the loopback plug, the inputs change when the outputs do (all but a
// stuck one).
void GpioMdev::set_outputs(std::uint16_t out)
{
    const std::uint16_t before = inputs();
    regs_.out = out;
    latch_change(before ^ inputs());
}

// A change of state on any input latches an interrupt, if enabled.
void GpioMdev::latch_change(std::uint16_t changed)
{
    if (changed == 0 || !regs_.irq_enabled || interrupt_lost(changed)) {
        return;
    }
    if (changed & 0x00ff) {
        regs_.irq_status |= kIrqStatusLow;
    }
    if (changed & 0xff00) {
        regs_.irq_status |= kIrqStatusHigh;
    }
    regs_.irq_status |= kIrqStatusPending;
    update_intx();
}

void GpioMdev::reset()
{
    regs_ = GpioRegs{};    // the state no register keeps: outputs, enables
    registers().reset(); // the declared reset values (all zero too)
    update_intx();
}

bool GpioMdev::post_load(Device &)
{
    regs_.irq_enabled = regs_.irq_enabled ? 1 : 0;
    regs_.filters_on = regs_.filters_on ? 1 : 0;
    regs_.irq_status &= kIrqStatusLow | kIrqStatusHigh | kIrqStatusPending;
    update_intx(true);
    return true; // every loaded value was made one the card can hold
}

void GpioMdev::set_intx_sink(vfio::IrqSink *sink)
{
    intx_ = sink;
    update_intx(true); // a new sink learns the current level
}

// INTx is a level (PCI interrupts are shared and level-triggered): asserted
// while an interrupt is latched and enabled, until the driver clears it.
void GpioMdev::update_intx(bool force)
{
    const bool level = regs_.irq_enabled && (regs_.irq_status & kIrqStatusPending);
    if (level == intx_level_ && !force) {
        return;
    }
    intx_level_ = level;
    if (intx_) {
        intx_->set_level(level);
    }
}

// ---- 2. PCI config space -------------------------------------------------
// What the guest's PCI scan finds, and all the vfio frontend needs to show
// the card: its ids, a class code, BAR2 (eight one-byte I/O registers) and
// INTA. The frontend derives the card's region and IRQ info from it and
// serves config space; QEMU's PCI core owns the live copy (BAR addresses,
// command register), so the card keeps none of its own.

namespace {

constexpr std::uint16_t kVendorAcces = 0x494f;
constexpr std::uint16_t kDevicePciIdio16 = 0x0dc8;
constexpr std::uint16_t kClassUnassigned = 0xff00; // see the deviations above
constexpr std::uint8_t kPinIntA = 1;

vfio::PciConfig config_space()
{
    return vfio::PciConfigBuilder()
        .ids(kVendorAcces, kDevicePciIdio16)
        .class_code(kClassUnassigned)
        .subsystem(kVendorAcces, kDevicePciIdio16)
        .bar(kBar, vfio::PciBar::io(kBarSize))
        .interrupt_pin(kPinIntA)
        .build_or_abort();
}

} // namespace

// ---- 3. The vfio ops -----------------------------------------------------
// BAR2's registers, INTx and reset. The frontend has already checked that an
// access lies inside BAR2; the card knows that its registers are one byte
// wide and which are read-only.

namespace {

GpioMdev &mdev_of(Device &dev)
{
    return dev.vendor_state<GpioMdev>();
}

bool one_byte(Device &dev, const char *what, std::uint64_t offset, unsigned size)
{
    if (size != 1) {
        dev.guest_error("gpio: BAR2: %u-byte %s at offset 0x%" PRIx64
                        "; the card's registers are one byte wide",
                        size, what, offset);
    }
    return size == 1;
}

// The register file logs a refused write itself, naming the register, and
// traces each access (mdev_reg_read/mdev_reg_write) with the card's UUID.
std::uint64_t bar2_read(Device &dev, std::uint64_t offset, unsigned size)
{
    if (!one_byte(dev, "read", offset, size)) {
        return ~std::uint64_t(0);
    }
    return mdev_of(dev).registers(dev.host(), dev.uuid_text()).read(offset, 1);
}

void bar2_write(Device &dev, std::uint64_t offset, std::uint64_t value, unsigned size)
{
    if (one_byte(dev, "write", offset, size)) {
        mdev_of(dev).registers(dev.host(), dev.uuid_text()).write(offset, value & 0xff, 1);
    }
}

class GpioVfioOps final : public vfio::VfioOps {
public:
    vfio::PciConfig pci_config(const Device &) const override { return config_space(); }

    vfio::BarAccessor bar_accessor(Device &dev, unsigned) const override
    {
        return vfio::BarAccessor::of<bar2_read, bar2_write>(dev);
    }

    bool set_irqs(Device &dev, std::uint32_t index, vfio::IrqSink *sink) const override
    {
        if (index != VFIO_PCI_INTX_IRQ_INDEX) {
            return false;
        }
        mdev_of(dev).set_intx_sink(sink);
        return true;
    }

    void reset(Device &dev) const override { mdev_of(dev).reset(); }

    // The card's faults live while the frontend has it open.
    void open(Device &dev) const override { mdev_of(dev).attach_faults(dev.faults()); }
    void release(Device &dev) const override { mdev_of(dev).detach_faults(); }
};

const GpioVfioOps kVfioOps;

} // namespace

// ---- 4. The parent -------------------------------------------------------

GpioParent::GpioParent(unsigned count) : count_(count)
{
    types_.push_back({"gpio-idio16", "PCI-IDIO-16",
                      "16 isolated inputs and 16 FET outputs, wired in loopback",
                      "vfio-pci"});
}

unsigned GpioParent::available_instances(const MdevType &) const
{
    return count_ - created_;
}

Result<std::unique_ptr<VendorState>> GpioParent::create(const CreateArgs &args)
{
    if (args.type.id != types_[0].id) {
        return Error{Errc::unknown_type, "parent 'gpio' has no type '" + args.type.id + "'"};
    }
    if (created_ >= count_) {
        return Error{Errc::budget_exhausted, "parent 'gpio' has room for " +
                                                 std::to_string(count_) + " cards, all in use"};
    }
    created_++;
    return std::unique_ptr<VendorState>(std::make_unique<GpioMdev>());
}

void GpioParent::remove(VendorState &)
{
    created_--;
}

Status GpioParent::register_ops(Core &core) const
{
    return core.register_ops(id(), kVfioOps);
}

// ---- 5. The declaration --------------------------------------------------
// The one generic QOM glue makes -device mdev-gpio from this: its help text,
// its properties (class, mdev-type, uuid; class defaults to vfio, the only
// class with ops above) and its VMState, built from the layout of GpioRegs.

namespace {

constexpr migration::Field kRegsFields[] = {
    MDEV_MIGRATE(GpioRegs, out),
    MDEV_MIGRATE(GpioRegs, irq_enabled),
    MDEV_MIGRATE(GpioRegs, irq_status),
    MDEV_MIGRATE(GpioRegs, filters_on),
    MDEV_MIGRATE(GpioRegs, filter_mask),
};
constexpr migration::Struct kRegs = migration::describe<GpioRegs>("gpio/regs", 1, kRegsFields);
constexpr const migration::Struct *kState[] = {&kRegs};

constexpr ParentDeclaration kGpio = {
    .name = "gpio",
    .description = "mdev sample: ACCES PCI-IDIO-16 digital I/O card, outputs wired to inputs",
    .category = MDEV_CATEGORY_MISC,
    .make = make_parent<GpioParent>,
    .budget_help = "The parent has room for 4 cards",
    .state = kState,
};
const Registration kRegisterGpio(kGpio);

} // namespace

std::vector<migration::Data> GpioMdev::migrated(const Device &)
{
    return {{kRegs, regs_}};
}

// ---- 6. Faults -----------------------------------------------------------
// What the card can be told to get wrong, from QMP (mdev-fault-inject; see
// docs/fault-injection.md), so that a driver's error paths can be tested:
// a fault is declared (name, one line of help, typed parameters) and
// checked where the card does the thing it spoils.

namespace {

constexpr FaultParam kStuckParams[] = {
    {"line", FaultParamType::integer, "the input, 0-15 (Linux's gpio line 16 + n; default 0)",
     {}, 0, 15},
    {"value", FaultParamType::boolean, "the level it is stuck at (default true: energized)"},
};
constexpr std::size_t kStuckLine = 0, kStuckValue = 1;

const FaultDecl kStuckInput{
    "stuck-input",
    "until cleared, one input reads a fixed level and ignores its output (a broken wire)",
    kStuckParams};
const FaultDecl kLostInterrupt{
    "lost-interrupt",
    "the next change of the inputs latches no interrupt (no status bit, INTx stays low)"};

} // namespace

void GpioMdev::attach_faults(FaultSet &set)
{
    faults_ = &set;
    stuck_input_ = set.declare(kStuckInput);
    lost_interrupt_ = set.declare(kLostInterrupt);
    // stuck-input holds until cleared: told when it begins and ends.
    set.set_watch(stuck_input_, [this](bool armed) { stick(armed); });
}

void GpioMdev::detach_faults()
{
    if (faults_) {
        faults_->set_watch(stuck_input_, nullptr);
        faults_ = nullptr;
    }
    stuck_mask_ = 0;
}

// The input sticks, or comes loose: a change of its level is a change of
// state like any other.
void GpioMdev::stick(bool armed)
{
    const std::uint16_t before = inputs();
    stuck_mask_ = 0;
    if (const FaultArgs *a = armed ? faults_->armed(stuck_input_) : nullptr) {
        stuck_mask_ = static_cast<std::uint16_t>(1u << a->get_int(kStuckLine, 0));
        stuck_value_ = a->get_bool(kStuckValue, true) ? stuck_mask_ : 0;
    }
    latch_change(before ^ inputs());
}

// The hook point of lost-interrupt: one load and a branch while nothing of
// the card is armed.
bool GpioMdev::interrupt_lost(std::uint16_t changed)
{
    if (!faults_ || !faults_->any_armed()) [[likely]] {
        return false;
    }
    if (!faults_->armed(lost_interrupt_)) {
        return false;
    }
    char event[40];
    std::snprintf(event, sizeof(event), "change of inputs 0x%04x", changed);
    return faults_->fire(lost_interrupt_, event);
}

} // namespace mdev::samples
