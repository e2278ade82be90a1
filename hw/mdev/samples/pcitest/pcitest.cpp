// SPDX-License-Identifier: GPL-2.0-or-later
// pcitest: the vfio frontend's MSI, MSI-X and DMA as a guest sees them.
// Read it in order: the registers (PcitestMdev), the config space (built
// per device from its msi-vectors / msix-vectors), the vfio ops, the
// parent, the declaration. The interrupt modes, masks and pending bits are
// all the frontend's (vfio/pci_function.cpp, vfio/msix.cpp): the device
// only keeps the sink of the index the frontend enabled and signals on it,
// as any vfio-class parent does.
#include "samples/pcitest/pcitest.hpp"

#include "hw/mdev/declaration.hpp"
#include "hw/mdev/device.hpp"
#include "hw/mdev/le_bytes.hpp"

#include <linux/pci_regs.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cinttypes>
#include <string>

namespace mdev::samples {

using namespace pcitest;

namespace {

// PCI ids: QEMU's docs/specs/pci-ids.rst leaves 1af4:10f0..10ff for
// experimental devices without registration, which a test function is.
constexpr std::uint16_t kVendor = 0x1af4;
constexpr std::uint16_t kDevice = 0x10f0;
constexpr std::uint16_t kClassUnassigned = 0xff00;
constexpr std::uint8_t kPinIntA = 1;

constexpr vfio::RegionInfo kBar0Region = {VFIO_REGION_INFO_FLAG_READ |
                                              VFIO_REGION_INFO_FLAG_WRITE,
                                          kBar0Size};

// Room for the table and, if it is there too, the PBA: at least a page.
std::uint64_t table_bar_size_for(const PcitestMsix &x)
{
    std::uint64_t end = std::uint64_t(x.table_offset) + std::uint64_t(x.vectors) * PCI_MSIX_ENTRY_SIZE;
    if (x.pba_bar == kTableBar) {
        end = std::max(end, std::uint64_t(x.pba_offset) + (x.vectors + 63) / 64 * 8);
    }
    return std::max<std::uint64_t>(0x1000, std::bit_ceil(end));
}

vfio::RegionInfo table_bar_region(const PcitestMsix &x)
{
    if (x.vectors == 0) {
        return {0, 0};
    }
    return {VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE, table_bar_size_for(x)};
}

// The builder refuses what it cannot lay out (a PBA past BAR0's end, over
// the table, at an offset that is not 8-byte aligned): that refusal is the
// device's, at creation.
Result<vfio::PciConfig> build_config(std::uint32_t msi_vectors, const PcitestMsix &x)
{
    vfio::PciConfigBuilder b;
    b.ids(kVendor, kDevice)
        .class_code(kClassUnassigned)
        .subsystem(kVendor, kDevice)
        .bar(0, kBar0Region)
        .interrupt_pin(kPinIntA);
    if (x.vectors) {
        b.bar(kTableBar, table_bar_region(x));
        b.msix(x.vectors, kTableBar, x.table_offset, x.pba_bar, x.pba_offset);
    }
    if (msi_vectors) {
        b.msi(msi_vectors, true, true);
    }
    return b.build();
}

} // namespace

// ---- 1. Registers -----------------------------------------------------------

PcitestMdev::PcitestMdev(std::uint32_t msi_vectors, const PcitestMsix &msix,
                         vfio::PciConfig config)
    : msi_vectors_(msi_vectors), msix_(msix), config_(config)
{
}

std::uint64_t PcitestMdev::table_bar_size() const
{
    return table_bar_region(msix_).size;
}

std::uint32_t PcitestMdev::read(std::uint64_t offset)
{
    if (offset >= kBuf && offset < kBuf + kBufSize) {
        return static_cast<std::uint32_t>(load_le(std::span(regs_.buf).subspan(offset - kBuf, 4)));
    }
    switch (offset) {
    case kMagic:
        return kMagicValue;
    case kIrqIndex:
        return index_;
    case kDmaAddrLo:
        return regs_.dma_addr_lo;
    case kDmaAddrHi:
        return regs_.dma_addr_hi;
    case kDmaLen:
        return regs_.dma_len;
    case kDmaStatus:
        return regs_.dma_status;
    case kRaised:
        return regs_.raised;
    }
    return 0; // unimplemented registers read 0
}

bool PcitestMdev::write(Device &dev, std::uint64_t offset, std::uint32_t value)
{
    if (offset >= kBuf && offset < kBuf + kBufSize) {
        store_le(std::span(regs_.buf).subspan(offset - kBuf, 4), value);
        return true;
    }
    switch (offset) {
    case kRaise:
        raise(value);
        return true;
    case kIntxClear:
        set_intx(false);
        return true;
    case kDmaAddrLo:
        regs_.dma_addr_lo = value;
        return true;
    case kDmaAddrHi:
        regs_.dma_addr_hi = value;
        return true;
    case kDmaLen:
        regs_.dma_len = std::min(value, kBufSize);
        return true;
    case kDmaCmd:
        run_dma(dev, value);
        return true;
    }
    return false;
}

// On the index the frontend enabled: INTx is a level (asserted until
// kIntxClear), MSI and MSI-X a message per raise.
void PcitestMdev::raise(std::uint32_t vector)
{
    regs_.raised++;
    if (index_ == VFIO_PCI_INTX_IRQ_INDEX) {
        set_intx(true);
    } else if (sink_) {
        sink_->notify(vector);
    }
}

void PcitestMdev::set_intx(bool level)
{
    regs_.intx_level = level;
    if (index_ == VFIO_PCI_INTX_IRQ_INDEX && sink_) {
        sink_->set_level(level);
    }
}

// Through the frontend's checked call: bus mastering off or a range that
// is not all RAM fails the command, and the status says so.
void PcitestMdev::run_dma(Device &dev, std::uint32_t cmd)
{
    const std::uint64_t addr = (std::uint64_t(regs_.dma_addr_hi) << 32) | regs_.dma_addr_lo;
    const std::span<std::uint8_t> buf = std::span(regs_.buf).first(regs_.dma_len);
    bool ok = false;
    if (cmd == kDmaFromGuest) {
        ok = vfio::dma_read(dev, addr, buf);
    } else if (cmd == kDmaToGuest) {
        ok = vfio::dma_write(dev, addr, buf);
    } else {
        dev.guest_error("pcitest: DMA command %u is neither %u nor %u", cmd, kDmaFromGuest,
                        kDmaToGuest);
    }
    regs_.dma_status = ok ? kDmaDone : kDmaFailed;
}

void PcitestMdev::set_sink(std::uint32_t index, vfio::IrqSink *sink)
{
    if (!sink) {
        if (index == index_) {
            sink_ = nullptr;
            index_ = ~std::uint32_t(0);
        }
        return;
    }
    index_ = index;
    sink_ = sink;
    if (index == VFIO_PCI_INTX_IRQ_INDEX) {
        sink_->set_level(regs_.intx_level); // a new sink learns the level
    }
}

void PcitestMdev::reset()
{
    regs_ = PcitestRegs{};
    if (index_ == VFIO_PCI_INTX_IRQ_INDEX && sink_) {
        sink_->set_level(false);
    }
}

bool PcitestMdev::post_load(Device &dev)
{
    regs_.intx_level = regs_.intx_level ? 1 : 0;
    regs_.dma_len = std::min(regs_.dma_len, kBufSize);
    if (regs_.dma_status > kDmaFailed) {
        dev.guest_error("pcitest: migrated DMA status %u is none the device sets: refused",
                        unsigned(regs_.dma_status));
        return false;
    }
    if (index_ == VFIO_PCI_INTX_IRQ_INDEX && sink_) {
        sink_->set_level(regs_.intx_level);
    }
    return true;
}

// ---- 2. The vfio ops --------------------------------------------------------

namespace {

PcitestMdev &mdev_of(Device &dev)
{
    return dev.vendor_state<PcitestMdev>();
}

bool reg_access_ok(Device &dev, const char *what, std::uint64_t offset, unsigned size)
{
    if (offset >= kPbaOffset) {
        dev.guest_error("pcitest: %s at region %u offset 0x%" PRIx64 ": no register there",
                        what, unsigned(VFIO_PCI_BAR0_REGION_INDEX), offset);
        return false;
    }
    if (size != 4) {
        dev.guest_error("pcitest: BAR0: %u-byte %s at offset 0x%" PRIx64
                        "; the registers are 32 bits wide",
                        size, what, offset);
        return false;
    }
    return true;
}

// BAR0's registers are 32 bits wide; the frontend has checked that an
// access lies inside BAR0.
std::uint64_t bar0_read(Device &dev, std::uint64_t offset, unsigned size)
{
    if (!reg_access_ok(dev, "read", offset, size)) {
        return ~std::uint64_t(0);
    }
    return mdev_of(dev).read(offset);
}

void bar0_write(Device &dev, std::uint64_t offset, std::uint64_t value, unsigned size)
{
    if (reg_access_ok(dev, "write", offset, size) &&
        !mdev_of(dev).write(dev, offset, static_cast<std::uint32_t>(value))) {
        dev.guest_error("pcitest: BAR0: write of 0x%x to read-only register 0x%" PRIx64,
                        static_cast<std::uint32_t>(value), offset);
    }
}

// BAR2, the MSI-X table's (the frontend serves the table and the PBA):
// below kPbaOffset the registers of BAR0 again, so that a table placed
// there shares its page with registers; past it zeros.
std::uint64_t table_bar_read(Device &dev, std::uint64_t offset, unsigned size)
{
    return offset >= kPbaOffset ? 0 : bar0_read(dev, offset, size);
}

void table_bar_write(Device &dev, std::uint64_t offset, std::uint64_t value, unsigned size)
{
    if (offset < kPbaOffset) {
        bar0_write(dev, offset, value, size);
    }
}

class PcitestVfioOps final : public vfio::VfioOps {
public:
    vfio::PciConfig pci_config(const Device &dev) const override
    {
        return dev.vendor_state<PcitestMdev>().config();
    }
    vfio::BarAccessor bar_accessor(Device &dev, unsigned bar) const override
    {
        if (bar == kTableBar) {
            return vfio::BarAccessor::of<table_bar_read, table_bar_write>(dev, 1, 8, false);
        }
        return vfio::BarAccessor::of<bar0_read, bar0_write>(dev, 1, 8, false);
    }
    bool set_irqs(Device &dev, std::uint32_t index, vfio::IrqSink *sink) const override
    {
        if (index > VFIO_PCI_MSIX_IRQ_INDEX) {
            return false;
        }
        mdev_of(dev).set_sink(index, sink);
        return true;
    }
    void reset(Device &dev) const override { mdev_of(dev).reset(); }
};

const PcitestVfioOps kVfioOps;

// A number (QEMU's property parser took hex too and hands over decimal);
// `fallback` when unset.
Result<std::uint32_t> number_property(const CreateArgs &args, const char *name,
                                      std::uint32_t fallback)
{
    std::optional<std::string_view> text = args.properties.get(name);
    if (!text) {
        return fallback;
    }
    std::uint32_t v = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
    if (ec != std::errc{} || end != text->data() + text->size()) {
        return Error{Errc::invalid_property, std::string("property '") + name + "': not a number"};
    }
    return v;
}

Result<std::uint32_t> vector_property(const CreateArgs &args, const char *name,
                                      std::uint32_t max, bool power_of_two)
{
    Result<std::uint32_t> n = number_property(args, name, 0);
    if (!n) {
        return n.error();
    }
    const std::uint32_t v = *n;
    if (v > max || (power_of_two && v != 0 && !std::has_single_bit(v))) {
        return Error{Errc::invalid_property,
                     std::string("property '") + name + "': " + std::to_string(v) +
                         " vectors; accepted: 0 (none)" +
                         (power_of_two ? ", 1, 2, 4, 8, 16 or 32" : " to " + std::to_string(max))};
    }
    return v;
}

Result<PcitestMsix> msix_properties(const CreateArgs &args)
{
    PcitestMsix x;
    Result<std::uint32_t> vectors =
        vector_property(args, "msix-vectors", PCI_MSIX_FLAGS_QSIZE + 1, false);
    if (!vectors) {
        return vectors.error();
    }
    x.vectors = *vectors;
    const struct {
        const char *name;
        std::uint32_t *value;
        std::uint32_t max;
    } places[] = {
        {"msix-table-offset", &x.table_offset, kMaxMsixOffset},
        {"msix-pba-bar", &x.pba_bar, kTableBar},
        {"msix-pba-offset", &x.pba_offset, kMaxMsixOffset},
    };
    for (const auto &p : places) {
        Result<std::uint32_t> v = number_property(args, p.name, *p.value);
        if (!v) {
            return v.error();
        }
        if (*v > p.max || (p.value == &x.pba_bar && *v != 0 && *v != kTableBar)) {
            return Error{Errc::invalid_property,
                         std::string("property '") + p.name + "': " + std::to_string(*v) +
                             (p.value == &x.pba_bar ? "; accepted: 0 or 2"
                                                    : "; accepted: at most " +
                                                          std::to_string(p.max))};
        }
        *p.value = *v;
    }
    return x;
}

} // namespace

// ---- 3. The parent ----------------------------------------------------------

PcitestParent::PcitestParent()
{
    types_.push_back({"pcitest", "PCI test function",
                      "registers that raise interrupts and run DMA, optional MSI and MSI-X",
                      "vfio-pci"});
}

unsigned PcitestParent::available_instances(const MdevType &) const
{
    return kPcitestCount - created_;
}

Result<std::unique_ptr<VendorState>> PcitestParent::create(const CreateArgs &args)
{
    if (args.type.id != types_[0].id) {
        return Error{Errc::unknown_type, "parent 'pcitest' has no type '" + args.type.id + "'"};
    }
    if (created_ >= kPcitestCount) {
        return Error{Errc::budget_exhausted, "parent 'pcitest' has room for " +
                                                 std::to_string(kPcitestCount) +
                                                 " functions, all in use"};
    }
    Result<std::uint32_t> msi = vector_property(args, "msi-vectors", 32, true);
    if (!msi) {
        return msi.error();
    }
    Result<PcitestMsix> msix = msix_properties(args);
    if (!msix) {
        return msix.error();
    }
    Result<vfio::PciConfig> config = build_config(*msi, *msix);
    if (!config) {
        return config.error();
    }
    created_++;
    return std::unique_ptr<VendorState>(std::make_unique<PcitestMdev>(*msi, *msix, *config));
}

void PcitestParent::remove(VendorState &)
{
    created_--;
}

Status PcitestParent::register_ops(Core &core) const
{
    return core.register_ops(id(), kVfioOps);
}

// ---- 4. The declaration -----------------------------------------------------

namespace {

constexpr migration::Field kRegsFields[] = {
    MDEV_MIGRATE(PcitestRegs, dma_addr_lo), MDEV_MIGRATE(PcitestRegs, dma_addr_hi),
    MDEV_MIGRATE(PcitestRegs, dma_len),     MDEV_MIGRATE(PcitestRegs, dma_status),
    MDEV_MIGRATE(PcitestRegs, raised),      MDEV_MIGRATE(PcitestRegs, intx_level),
    MDEV_MIGRATE(PcitestRegs, buf),
};
constexpr migration::Struct kRegs =
    migration::describe<PcitestRegs>("pcitest/regs", 1, kRegsFields);
constexpr const migration::Struct *kState[] = {&kRegs};

constexpr PropertyDecl kProperties[] = {
    {"msi-vectors", MDEV_PROP_UINT32,
     "MSI vectors in the MSI capability (0: no MSI; 1, 2, 4, .. 32)", "0"},
    {"msix-vectors", MDEV_PROP_UINT32,
     "MSI-X table entries (0: no MSI-X; 1..2048; table in BAR2, PBA at BAR0+0x800)", "0"},
    {"msix-table-offset", MDEV_PROP_UINT32,
     "MSI-X table offset in BAR2 (8-byte aligned; BAR2 grows to fit)", "0"},
    {"msix-pba-bar", MDEV_PROP_UINT32, "BAR of the MSI-X PBA (0 or 2)", "0"},
    {"msix-pba-offset", MDEV_PROP_UINT32,
     "MSI-X PBA offset in its BAR (8-byte aligned; BAR0 is 4 KiB)", "2048"},
};

constexpr ParentDeclaration kPcitest = {
    .name = "pcitest",
    .description = "mdev test parent: raises INTx/MSI/MSI-X and runs DMA on request",
    .category = MDEV_CATEGORY_MISC,
    .make = make_parent<PcitestParent>,
    .budget_help = "The parent has room for 8 functions",
    .properties = kProperties,
    .state = kState,
};
const Registration kRegisterPcitest(kPcitest);

} // namespace

std::vector<migration::Data> PcitestMdev::migrated(const Device &)
{
    return {{kRegs, regs_}};
}

} // namespace mdev::samples
