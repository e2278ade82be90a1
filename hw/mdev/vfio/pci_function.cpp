// SPDX-License-Identifier: GPL-2.0-or-later
#include "vfio/pci_function.hpp"
#include "hw/mdev/le_bytes.hpp"
#include "vfio/vfio_driver.hpp"

#include <algorithm>
#include <bit>
#include <cinttypes>
#include <cstdio>

namespace mdev::vfio {

namespace {

// A capability list longer than this is a loop in the device's config space.
constexpr unsigned kMaxCapabilities = (PCI_CFG_SPACE_SIZE - PCI_STD_HEADER_SIZEOF) / 4;

std::uint64_t all_ones(unsigned size)
{
    return size >= 8 ? ~std::uint64_t(0) : (std::uint64_t(1) << (8 * size)) - 1;
}

bool valid_access_size(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

const char *irq_index_name(std::uint32_t index)
{
    switch (index) {
    case VFIO_PCI_INTX_IRQ_INDEX:
        return "INTx";
    case VFIO_PCI_MSI_IRQ_INDEX:
        return "MSI";
    case VFIO_PCI_MSIX_IRQ_INDEX:
        return "MSI-X";
    default:
        return "?";
    }
}

} // namespace

Result<std::unique_ptr<PciFunction>> PciFunction::create(Device &dev)
{
    const VfioOps *ops = dev.ops<VfioOps>();
    if (!ops) {
        return Error{Errc::probe_failed, "the mdev is not of class vfio"};
    }
    if (!dev.host()) {
        return Error{Errc::probe_failed, "no host to show the PCI function in"};
    }
    auto fn = std::make_unique<PciFunction>(Token{}, dev, *ops, *dev.host());
    Status found = fn->discover();
    if (!found) {
        return found.error();
    }
    ops->open(dev);
    fn->opened_ = true;
    fn->faults_ = VfioFaults::declare(dev.faults());
    dev.faults().set_action(fn->faults_.spurious_irq, [f = fn.get()](const FaultArgs &a) {
        f->spurious_irq(std::uint32_t(a.get_int(VfioFaults::kVector, 0)));
    });
    dev.faults().set_watch(fn->faults_.surprise_removal,
                           [f = fn.get()](bool armed) { f->set_removed(armed); });
    return fn;
}

PciFunction::~PciFunction()
{
    // A device refused by discover() was never opened.
    if (!opened_) {
        return;
    }
    // spurious-irq's action calls this function: a re-bound frontend sets
    // its own.
    dev_.faults().set_action(faults_.spurious_irq, nullptr);
    dev_.faults().set_watch(faults_.surprise_removal, nullptr);
    if (msix_) {
        ops_.set_irqs(dev_, VFIO_PCI_MSIX_IRQ_INDEX, nullptr);
    }
    ops_.set_irqs(dev_, VFIO_PCI_MSI_IRQ_INDEX, nullptr);
    ops_.set_irqs(dev_, VFIO_PCI_INTX_IRQ_INDEX, nullptr);
    ops_.release(dev_);
}

Status PciFunction::discover()
{
    config_ = ops_.pci_config(dev_);
    live_ = ops_.config_state(dev_);

    for (unsigned i = 0; i < PCI_STD_NUM_BARS; i++) {
        const PciBar b = config_.bar(i);
        if (b.size == 0) {
            continue;
        }
        Bar &bar = bars_[i];
        bar.size = b.size;
        bar.io = b.kind == PciBar::Kind::io;
        bar.mem64 = b.kind == PciBar::Kind::mem64;
        bar.prefetch = !bar.io && b.prefetch;
        bar.mmap = !bar.io && b.ram;
        bar.readable = bar.writable = true;
        const std::string name = "BAR" + std::to_string(i);
        // What PciConfigBuilder guarantees; checked again for a config
        // given byte by byte (PciConfig::from_bytes).
        if (!std::has_single_bit(bar.size)) {
            return Error{Errc::probe_failed,
                         name + " size " + std::to_string(bar.size) + " is not a power of two"};
        }
        if (bar.io && bar.size > 256) {
            return Error{Errc::probe_failed, "I/O " + name + " is larger than 256 bytes"};
        }
        if (bar.size < (bar.io ? 4u : 16u)) {
            return Error{Errc::probe_failed, name + " size " + std::to_string(bar.size) +
                                                 " is below the PCI minimum (4 bytes for I/O, "
                                                 "16 for memory)"};
        }
        if (bar.mem64 && (i + 1 >= PCI_STD_NUM_BARS || config_.bar(i + 1).size != 0)) {
            return Error{Errc::probe_failed, "64-bit " + name + " has no free upper slot"};
        }
        if (bar.mmap) {
            if (ops_.mmap(dev_, VFIO_PCI_BAR0_REGION_INDEX + i).size() < bar.size) {
                return Error{Errc::probe_failed, name + " is RAM-backed but the device's mmap "
                                                        "gives less memory than its size"};
            }
        } else {
            bar.accessor = ops_.bar_accessor(dev_, i);
            if (!bar.accessor.well_formed() || bar.accessor.min_size > bar.size) {
                return Error{Errc::probe_failed,
                             name + "'s registers are malformed (a handler missing, or sizes "
                                    "not 1 <= min <= max <= 8, powers of two)"};
            }
        }
        if (bar.mem64) {
            i++; // the upper half is part of this BAR
        }
    }

    intx_ = config_read(PCI_INTERRUPT_PIN, 1) != 0;
    discover_msi();
    if (Status msix = discover_msix(); !msix) {
        return msix.error();
    }
    display_ = ops_.has_display(dev_);
    return Ok{};
}

// The offset of the first capability `id` in the device's list, if the
// list is well formed up to it (a loop or a pointer past the config region
// ends the walk).
std::optional<std::uint32_t> PciFunction::find_capability(std::uint8_t id)
{
    if (!(config_read(PCI_STATUS, 2) & PCI_STATUS_CAP_LIST)) {
        return std::nullopt;
    }
    std::uint32_t pos = config_read(PCI_CAPABILITY_LIST, 1) & ~3u;
    for (unsigned n = 0; n < kMaxCapabilities && pos >= PCI_STD_HEADER_SIZEOF; n++) {
        if (pos + 4 > PCI_CFG_SPACE_SIZE) {
            return std::nullopt;
        }
        if (config_read(pos + PCI_CAP_LIST_ID, 1) == id) {
            return pos;
        }
        pos = config_read(pos + PCI_CAP_LIST_NEXT, 1) & ~3u;
    }
    return std::nullopt;
}

// MSI-X as the capability says; a device whose capability cannot be
// emulated (a table outside a trapped BAR, say) is refused rather than
// silently left on INTx: the parent's author wants to hear it at once.
Status PciFunction::discover_msix()
{
    std::optional<std::uint32_t> pos = find_capability(PCI_CAP_ID_MSIX);
    if (!pos) {
        return Ok{};
    }
    auto refuse = [](const std::string &why) {
        return Error{Errc::probe_failed, "MSI-X: " + why};
    };
    if (*pos + PCI_CAP_MSIX_SIZEOF > PCI_CFG_SPACE_SIZE) {
        return refuse("the capability does not fit in the config region");
    }
    MsixLayout l;
    l.cap = static_cast<std::uint8_t>(*pos);
    l.vectors = (config_read(*pos + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_QSIZE) + 1;
    const std::uint32_t table = config_read(*pos + PCI_MSIX_TABLE, 4);
    const std::uint32_t pba = config_read(*pos + PCI_MSIX_PBA, 4);
    l.table_bar = table & PCI_MSIX_TABLE_BIR;
    l.table_offset = table & PCI_MSIX_TABLE_OFFSET;
    l.pba_bar = pba & PCI_MSIX_PBA_BIR;
    l.pba_offset = pba & PCI_MSIX_PBA_OFFSET;
    struct Area {
        const char *name;
        unsigned bar;
        std::uint64_t offset, size;
    };
    for (const Area &a : {Area{"table", l.table_bar, l.table_offset, l.table_size()},
                          Area{"PBA", l.pba_bar, l.pba_offset, l.pba_size()}}) {
        const Bar *b = a.bar < PCI_STD_NUM_BARS ? &bars_[a.bar] : nullptr;
        const std::string where = std::string("the ") + a.name + " (BIR " +
                                  std::to_string(a.bar) + ")";
        if (!b || b->size == 0 || b->io || b->mmap) {
            return refuse(where + " is not in a memory BAR that traps (not I/O, not mmap-able)");
        }
        if (a.offset > b->size || a.size > b->size - a.offset) {
            return refuse(where + " does not fit in its BAR of " + std::to_string(b->size) +
                          " bytes");
        }
    }
    if (l.table_bar == l.pba_bar && l.table_offset < l.pba_offset + l.pba_size() &&
        l.pba_offset < l.table_offset + l.table_size()) {
        return refuse("the table and the PBA overlap");
    }
    msix_ = std::make_unique<Msix>(dev_, host_, l);
    return Ok{};
}

// MSI as the capability says.
void PciFunction::discover_msi()
{
    std::optional<std::uint32_t> found = find_capability(PCI_CAP_ID_MSI);
    if (!found) {
        return;
    }
    const std::uint32_t pos = *found;
    std::uint16_t flags = static_cast<std::uint16_t>(config_read(pos + PCI_MSI_FLAGS, 2));
    // The largest capability (64-bit, maskable) is 24 bytes.
    if (pos + 24 > PCI_CFG_SPACE_SIZE) {
        return;
    }
    // MSI allows 1..32 vectors, a power of two.
    const unsigned log2_capable =
        (flags & PCI_MSI_FLAGS_QMASK) >> std::countr_zero(unsigned{PCI_MSI_FLAGS_QMASK});
    std::uint32_t capable = 1u << std::min(log2_capable, 5u);
    msi_.offset = static_cast<std::uint8_t>(pos);
    msi_.vectors = capable;
    msi_.addr64 = flags & PCI_MSI_FLAGS_64BIT;
    msi_.per_vector_mask = flags & PCI_MSI_FLAGS_MASKBIT;
}

std::uint32_t PciFunction::config_read(std::uint32_t offset, unsigned size)
{
    if (size == 0 || size > 4 || offset >= PCI_CFG_SPACE_SIZE ||
        offset + size > PCI_CFG_SPACE_SIZE) {
        dev_.guest_error("mdev %s: %u-byte config read at 0x%x is outside config space",
                         dev_.type().id.c_str(), size, offset);
        return static_cast<std::uint32_t>(all_ones(size > 4 ? 4 : size));
    }
    if (removed_) [[unlikely]] {
        return static_cast<std::uint32_t>(all_ones(size)); // nobody answers
    }
    std::uint8_t buf[4] = {};
    config_.read(config_bytes(), offset, std::span(buf, size));
    // MSI-X Message Control's enable and function-mask bits are ours (the
    // device's copy has them read-only 0): they sit in its high byte.
    if (msix_) {
        const std::uint32_t hi = msix_->layout().cap + PCI_MSIX_FLAGS + 1;
        if (hi >= offset && hi < offset + size) {
            const std::uint8_t ours = static_cast<std::uint8_t>(msix_->control() >> 8);
            buf[hi - offset] = static_cast<std::uint8_t>((buf[hi - offset] & ~0xc0) | ours);
        }
    }
    return static_cast<std::uint32_t>(load_le(std::span(buf, size)));
}

void PciFunction::msix_control_write(std::uint32_t offset, std::uint32_t value, unsigned size)
{
    const std::uint32_t hi = msix_->layout().cap + PCI_MSIX_FLAGS + 1;
    if (hi < offset || hi >= offset + size) {
        return;
    }
    const std::uint8_t byte = static_cast<std::uint8_t>(value >> (8 * (hi - offset)));
    const bool could_send = msix_->enabled() && !msix_->function_masked();
    if (msix_->write_control(static_cast<std::uint16_t>(byte << 8))) {
        if (msix_->enabled() && msi_enabled_) {
            dev_.guest_error("mdev %s: MSI-X enabled while MSI is enabled (the PCI spec "
                             "forbids both): MSI-X is used",
                             dev_.type().id.c_str());
        }
        apply_irq_mode();
    }
    // Enabling, or clearing the function mask, sends what became deliverable.
    if (!could_send && msix_->enabled() && !msix_->function_masked()) {
        msix_->deliver_pending();
    }
}

void PciFunction::config_write(std::uint32_t offset, std::uint32_t value, unsigned size)
{
    if (size == 0 || size > 4 || offset >= PCI_CFG_SPACE_SIZE ||
        offset + size > PCI_CFG_SPACE_SIZE) {
        dev_.guest_error("mdev %s: %u-byte config write at 0x%x is outside config space",
                         dev_.type().id.c_str(), size, offset);
        return;
    }
    if (removed_) [[unlikely]] {
        return;
    }
    if (live_) {
        std::uint8_t buf[4];
        store_le(std::span(buf, size), value);
        config_.write(*live_, offset, std::span<const std::uint8_t>(buf, size));
    }
    if (msix_) {
        msix_control_write(offset, value, size);
    }
}

PciConfig::ConstBytes PciFunction::config_bytes() const
{
    return live_ ? PciConfig::ConstBytes(*live_) : config_.image();
}

// What QEMU's memory core lets through to the BAR: the accessor's rules
// for a trapped BAR; for a RAM-backed one, those of memory that takes
// every width and alignment.
bool PciFunction::access_ok(const char *what, unsigned bar, std::uint64_t offset,
                            unsigned size)
{
    static constexpr BarAccessor kMemory{.min_size = 1, .max_size = 8, .unaligned = true};
    const Bar &b = bars_[bar];
    const char *why = (b.has_accessor() ? b.accessor : kMemory).refusal(offset, size, b.size);
    if (why) {
        dev_.guest_error("mdev %s: BAR%u: %u-byte %s at offset 0x%" PRIx64
                         " %s (region is 0x%" PRIx64 " bytes)",
                         dev_.type().id.c_str(), bar, size, what, offset, why, b.size);
        return false;
    }
    return true;
}

// The MSI-X area an access touches with any of its bytes: such an access
// never reaches the device, which does not implement those bytes.
std::optional<MdevVfioMsixArea> PciFunction::msix_area(unsigned bar, std::uint64_t offset,
                                                       unsigned size) const
{
    if (!msix_) {
        return std::nullopt;
    }
    const MsixLayout &l = msix_->layout();
    const std::uint64_t end = offset + std::max(size, 1u);
    if (bar == l.table_bar && offset < l.table_offset + l.table_size() && end > l.table_offset) {
        return MDEV_VFIO_MSIX_TABLE;
    }
    if (bar == l.pba_bar && offset < l.pba_offset + l.pba_size() && end > l.pba_offset) {
        return MDEV_VFIO_MSIX_PBA;
    }
    return std::nullopt;
}

// A BAR access that touches the MSI-X table or PBA: handled there if it
// lies inside the area, else (straddling its edge) a guest error.
bool PciFunction::msix_bar_access(const char *what, unsigned bar, std::uint64_t offset,
                                  unsigned size, std::uint64_t *value, bool write)
{
    const MdevVfioMsixArea area = *msix_area(bar, offset, size);
    const MsixLayout &l = msix_->layout();
    const std::uint64_t start = area == MDEV_VFIO_MSIX_TABLE ? l.table_offset : l.pba_offset;
    if (offset < start) {
        dev_.guest_error("mdev %s: BAR%u: %u-byte %s at offset 0x%" PRIx64
                         " straddles the start of the MSI-X %s",
                         dev_.type().id.c_str(), bar, size, what, offset,
                         area == MDEV_VFIO_MSIX_TABLE ? "table" : "PBA");
        return false;
    }
    if (removed_) [[unlikely]] {
        // Nobody answers; a malformed access is still the guest's mistake.
        if (write) {
            (void)msix_->write_ok(area, offset - start, size);
        } else {
            (void)msix_->read_ok(area, offset - start, size);
            *value = all_ones(size);
        }
        return true;
    }
    if (write) {
        msix_->write(area, offset - start, *value, size);
    } else {
        *value = msix_->read(area, offset - start, size);
    }
    return true;
}

std::uint64_t PciFunction::msix_read(MdevVfioMsixArea area, std::uint64_t offset, unsigned size)
{
    if (!msix_) {
        dev_.guest_error("mdev %s: MSI-X read, but the function has no MSI-X",
                         dev_.type().id.c_str());
        return all_ones(size);
    }
    if (removed_) [[unlikely]] {
        (void)msix_->read_ok(area, offset, size);
        return all_ones(size);
    }
    return msix_->read(area, offset, size);
}

void PciFunction::msix_write(MdevVfioMsixArea area, std::uint64_t offset, std::uint64_t value,
                             unsigned size)
{
    if (!msix_) {
        dev_.guest_error("mdev %s: MSI-X write, but the function has no MSI-X",
                         dev_.type().id.c_str());
        return;
    }
    if (removed_) [[unlikely]] {
        (void)msix_->write_ok(area, offset, size);
        return;
    }
    msix_->write(area, offset, value, size);
}

std::uint64_t PciFunction::bar_read(unsigned bar, std::uint64_t offset, unsigned size)
{
    if (bar >= PCI_STD_NUM_BARS || bars_[bar].size == 0) {
        dev_.guest_error("mdev %s: read from BAR%u, which does not exist",
                         dev_.type().id.c_str(), bar);
        return all_ones(size);
    }
    if (std::optional<MdevVfioMsixArea> area = msix_area(bar, offset, size)) {
        std::uint64_t value = all_ones(size);
        msix_bar_access("read", bar, offset, size, &value, false);
        return value;
    }
    const Bar &b = bars_[bar];
    if (!access_ok("read", bar, offset, size)) {
        // Inside the BAR, refused by the rules: QEMU's memory core reads 0.
        const bool inside = valid_access_size(size) && offset < b.size && size <= b.size - offset;
        return inside ? 0 : all_ones(size);
    }
    if (removed_) [[unlikely]] {
        return all_ones(size); // nobody answers (a refused access went as before)
    }
    if (b.has_accessor()) {
        return b.accessor.adapted_read(offset, size);
    }
    return load_le(bar_memory(bar).subspan(offset, size));
}

void PciFunction::bar_write(unsigned bar, std::uint64_t offset, std::uint64_t value,
                            unsigned size)
{
    if (bar >= PCI_STD_NUM_BARS || bars_[bar].size == 0) {
        dev_.guest_error("mdev %s: write to BAR%u, which does not exist",
                         dev_.type().id.c_str(), bar);
        return;
    }
    if (msix_area(bar, offset, size)) {
        msix_bar_access("write", bar, offset, size, &value, true);
        return;
    }
    if (!access_ok("write", bar, offset, size)) {
        return;
    }
    if (removed_) [[unlikely]] {
        return;
    }
    if (bars_[bar].has_accessor()) {
        bars_[bar].accessor.adapted_write(offset, value, size);
        return;
    }
    store_le(bar_memory(bar).subspan(offset, size), value);
}

std::span<std::uint8_t> PciFunction::bar_memory(unsigned bar)
{
    if (bar >= PCI_STD_NUM_BARS || !bars_[bar].mmap) {
        return {};
    }
    std::span<std::uint8_t> mem = ops_.mmap(dev_, VFIO_PCI_BAR0_REGION_INDEX + bar);
    return mem.size() >= bars_[bar].size ? mem.first(bars_[bar].size) : std::span<std::uint8_t>{};
}

namespace {

bool same_plane(const GfxPlane &a, const GfxPlane &b)
{
    return a.drm_format == b.drm_format && a.width == b.width && a.height == b.height &&
           a.stride == b.stride && a.region == b.region && a.offset == b.offset;
}

} // namespace

Result<std::optional<DisplayPlane>> PciFunction::display_plane()
{
    if (!display_) {
        return std::optional<DisplayPlane>{};
    }
    std::optional<GfxPlane> plane = ops_.query_gfx_plane(dev_);
    if (!plane) {
        rejected_plane_.reset();
        return std::optional<DisplayPlane>{};
    }
    std::uint64_t bar_size = 0;
    // Unsigned: a region below BAR0 wraps to a large number.
    if (plane->region - VFIO_PCI_BAR0_REGION_INDEX < PCI_STD_NUM_BARS) {
        bar_size = bar_memory(plane->region - VFIO_PCI_BAR0_REGION_INDEX).size();
    }
    Result<DisplayPlane> checked = check_plane(*plane, bar_size);
    if (!checked) {
        if (!rejected_plane_ || !same_plane(*rejected_plane_, *plane)) {
            rejected_plane_ = *plane;
            dev_.guest_error("mdev %s: %s", dev_.type().id.c_str(),
                             checked.error().message.c_str());
        }
        return checked.error();
    }
    rejected_plane_.reset();
    return std::optional<DisplayPlane>{*checked};
}

void PciFunction::reset()
{
    // Back to INTx before the device resets, as a VFIO user tears its
    // MSI/MSI-X triggers down before VFIO_DEVICE_RESET.
    if (msix_) {
        msix_->reset();
    }
    msi_enabled_ = false;
    msi_vectors_enabled_ = 0;
    apply_irq_mode();
    if (live_) {
        config_.reset(*live_);
    }
    ops_.reset(dev_);
}

// surprise-removal's watch. Each branch ends with the host's call, which
// may remove the device (and this function with it): nothing of `this` is
// touched after it.
void PciFunction::set_removed(bool removed)
{
    if (removed) {
        removed_ = true;
        if (mode_ == VFIO_PCI_INTX_IRQ_INDEX && intx_level_) {
            host_.set_intx(false); // the pin floats low with the card gone
        }
        host_.set_present(false);
        return;
    }
    removed_ = false;
    if (!host_.set_present(true)) {
        // A machine without a slot to reset: the card comes back as after
        // a reset of its own.
        reset();
    }
}

void PciFunction::connect_irqs()
{
    irqs_connected_ = true;
    apply_irq_mode();
}

void PciFunction::apply_irq_mode()
{
    if (!irqs_connected_) {
        return;
    }
    std::uint32_t want = kNoIrq;
    if (msix_ && msix_->enabled()) {
        want = VFIO_PCI_MSIX_IRQ_INDEX;
    } else if (msi_enabled_) {
        want = VFIO_PCI_MSI_IRQ_INDEX;
    } else if (intx_) {
        want = VFIO_PCI_INTX_IRQ_INDEX;
    }
    if (want == mode_) {
        return;
    }
    const std::uint32_t old = mode_;
    // Set first: the device may signal from inside set_irqs().
    mode_ = want;
    if (old != kNoIrq) {
        ops_.set_irqs(dev_, old, nullptr);
        if (old == VFIO_PCI_INTX_IRQ_INDEX) {
            host_.set_intx(false); // the pin is released with INTx
        }
    }
    if (want != kNoIrq && !ops_.set_irqs(dev_, want, this)) {
        // The device refused an index its own capabilities offer (the
        // parent's defect, met through the guest's config write): nothing
        // is routed, as for a VFIO user whose SET_IRQS failed, and the
        // next switch starts from no index.
        mode_ = kNoIrq;
        dev_.guest_error("mdev %s: the device refused interrupts of index %u (%s); none "
                         "are delivered until the guest switches again",
                         dev_.type().id.c_str(), want, irq_index_name(want));
    }
}

void PciFunction::set_msi(bool enabled, std::uint32_t vectors)
{
    if (enabled && msi_.offset == 0) {
        return;
    }
    msi_vectors_enabled_ = enabled ? std::min(vectors, msi_.vectors) : 0;
    if (enabled == msi_enabled_) {
        return;
    }
    msi_enabled_ = enabled;
    if (enabled && msix_ && msix_->enabled()) {
        dev_.guest_error("mdev %s: MSI enabled while MSI-X is enabled (the PCI spec forbids "
                         "both): MSI-X stays in use",
                         dev_.type().id.c_str());
    }
    apply_irq_mode();
}

void PciFunction::irqs_loaded(bool msi_enabled, std::uint32_t msi_vectors)
{
    if (msi_.offset != 0) {
        msi_enabled_ = msi_enabled;
        msi_vectors_enabled_ = msi_enabled ? std::min(msi_vectors, msi_.vectors) : 0;
    }
    apply_irq_mode();
}

void PciFunction::set_level(bool asserted)
{
    if (removed_) [[unlikely]] {
        intx_level_ = asserted; // the device's view; the pin stays low
        return;
    }
    if (asserted && !intx_level_ && mode_ == VFIO_PCI_INTX_IRQ_INDEX &&
        irq_dropped(0, "INTx")) {
        // The assertion is lost; the next one (after the device lowers the
        // line) goes through.
        return;
    }
    intx_level_ = asserted;
    if (mode_ == VFIO_PCI_INTX_IRQ_INDEX) {
        host_.set_intx(asserted);
    }
}

bool PciFunction::irq_dropped(std::uint32_t vector, const char *kind)
{
    FaultSet &faults = dev_.faults();
    if (!faults.any_armed()) [[likely]] {
        return false;
    }
    const FaultArgs *a = faults.armed(faults_.drop_irq);
    if (!a || !a->matches_int(VfioFaults::kVector, vector)) {
        return false;
    }
    char event[48];
    std::snprintf(event, sizeof(event), "%s vector %u", kind, vector);
    return faults.fire(faults_.drop_irq, event);
}

void PciFunction::spurious_irq(std::uint32_t vector)
{
    if (removed_) {
        return; // a card out of its slot signals nothing
    }
    switch (mode_) {
    case VFIO_PCI_MSIX_IRQ_INDEX:
    case VFIO_PCI_MSI_IRQ_INDEX:
        notify(vector);
        return;
    case VFIO_PCI_INTX_IRQ_INDEX:
        // A pulse; a line the device holds up already signals.
        if (!intx_level_) {
            host_.set_intx(true);
            host_.set_intx(false);
        }
        return;
    default:
        dev_.guest_error("mdev %s: spurious-irq injected while no interrupt is enabled: "
                         "nothing sent",
                         dev_.type().id.c_str());
    }
}

bool PciFunction::dma_failed(bool write, std::uint64_t addr, std::size_t len)
{
    FaultSet &faults = dev_.faults();
    if (!faults.any_armed()) [[likely]] {
        return false;
    }
    const FaultArgs *a = faults.armed(faults_.dma_error);
    if (!a) {
        return false;
    }
    const std::string_view dir = a->get_str(VfioFaults::kDirection, "any");
    if (dir != "any" && dir != (write ? "write" : "read")) {
        return false;
    }
    char event[80];
    std::snprintf(event, sizeof(event), "DMA %s of %zu bytes at 0x%" PRIx64,
                  write ? "write" : "read", len, addr);
    return faults.fire(faults_.dma_error, event);
}

void PciFunction::notify(std::uint32_t vector)
{
    if (removed_) [[unlikely]] {
        return;
    }
    if (irq_dropped(vector, mode_ == VFIO_PCI_MSIX_IRQ_INDEX ? "MSI-X" : "MSI")) {
        return;
    }
    if (mode_ == VFIO_PCI_MSIX_IRQ_INDEX) {
        msix_->notify(vector);
        return;
    }
    if (mode_ != VFIO_PCI_MSI_IRQ_INDEX || vector >= msi_vectors_enabled_) {
        dev_.guest_error("mdev %s: MSI vector %u signalled while MSI is %s",
                         dev_.type().id.c_str(), vector,
                         mode_ == VFIO_PCI_MSI_IRQ_INDEX ? "narrower" : "off");
        return;
    }
    host_.notify_msi(vector);
}

// ---- Bus-master DMA (vfio_ops.hpp) ----------------------------------------

bool PciFunction::bus_master_for_dma(const char *what, std::uint64_t addr, std::size_t len)
{
    if (host_.bus_master()) {
        bme_off_logged_ = false;
        return true;
    }
    if (!bme_off_logged_) {
        bme_off_logged_ = true;
        dev_.guest_error("mdev %s: DMA %s of %zu bytes at 0x%" PRIx64
                         " refused: Bus Master Enable is off in PCI_COMMAND (further "
                         "refusals are not logged until it is on again)",
                         dev_.type().id.c_str(), what, len, addr);
    }
    return false;
}

bool PciFunction::dma(std::uint64_t addr, std::span<std::uint8_t> out)
{
    if (removed_) [[unlikely]] {
        return false; // a card out of its slot does no DMA
    }
    if (!bus_master_for_dma("read", addr, out.size())) {
        return false;
    }
    if (out.empty()) {
        return true;
    }
    if (dma_failed(false, addr, out.size())) {
        return false;
    }
    if (!host_.dma_read(addr, out)) {
        dev_.guest_error("mdev %s: DMA read of %zu bytes at 0x%" PRIx64
                         " refused: the range is not all guest RAM, or the guest's IOMMU does "
                         "not map all of it for the function",
                         dev_.type().id.c_str(), out.size(), addr);
        return false;
    }
    return true;
}

bool PciFunction::dma(std::uint64_t addr, std::span<const std::uint8_t> in)
{
    if (removed_) [[unlikely]] {
        return false;
    }
    if (!bus_master_for_dma("write", addr, in.size())) {
        return false;
    }
    if (in.empty()) {
        return true;
    }
    if (dma_failed(true, addr, in.size())) {
        return false;
    }
    if (!host_.dma_write(addr, in)) {
        dev_.guest_error("mdev %s: DMA write of %zu bytes at 0x%" PRIx64
                         " refused: the range is not all guest RAM, or the guest's IOMMU does "
                         "not map all of it for the function",
                         dev_.type().id.c_str(), in.size(), addr);
        return false;
    }
    return true;
}

bool dma_read(Device &dev, std::uint64_t addr, std::span<std::uint8_t> out)
{
    PciFunction *fn = pci_function(dev);
    return fn && !dev.removed() && fn->dma(addr, out);
}

bool dma_write(Device &dev, std::uint64_t addr, std::span<const std::uint8_t> data)
{
    PciFunction *fn = pci_function(dev);
    return fn && !dev.removed() && fn->dma(addr, data);
}

} // namespace mdev::vfio
