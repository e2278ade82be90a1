// SPDX-License-Identifier: GPL-2.0-or-later
// The vfio frontend's model of one PCI function built from an mdev's vfio
// ops: which BARs exist and of what kind, whether it has INTx or MSI (all
// derived from the device's PciConfig), config space served from that
// description, and every guest access to a BAR, checked and adapted to the
// device's registers (BarAccessor) before the device sees it. It knows nothing of QEMU (the glue maps BARs and config space)
// and nothing of any particular sample.
#pragma once

#include "hw/mdev/device.hpp"
#include "hw/mdev/error.hpp"
#include "hw/mdev/host.hpp"
#include "hw/mdev/capi/vfio-pci.h"
#include "hw/mdev/vfio_ops.hpp"
#include "vfio/display_plane.hpp"
#include "vfio/msix.hpp"
#include "vfio/vfio_faults.hpp"

#include <array>
#include <cstdint>
#include <linux/pci_regs.h>
#include <memory>

namespace mdev::vfio {

// Config-space sizes and offsets are <linux/pci_regs.h>'s (PCI_STD_NUM_BARS,
// PCI_CFG_SPACE_SIZE, PCI_STD_HEADER_SIZEOF, PCI_STATUS, ...).
static_assert(MDEV_VFIO_NUM_BARS == PCI_STD_NUM_BARS);

struct Bar {
    std::uint64_t size = 0; // 0: no BAR in this slot
    bool io = false;
    bool mem64 = false;     // occupies this slot and the next
    bool prefetch = false;
    bool mmap = false;      // RAM-backed: guest accesses do not trap
    bool readable = false;  // every BAR is both (VFIO region flags)
    bool writable = false;
    // The registers of a trapped BAR (VfioOps::bar_accessor), resolved once
    // at bind; accessor.read is null for a RAM-backed BAR.
    BarAccessor accessor{};
    bool has_accessor() const { return accessor.read != nullptr; }
};

struct MsiCap {
    std::uint8_t offset = 0; // 0: no MSI capability
    std::uint32_t vectors = 0;
    bool addr64 = false;
    bool per_vector_mask = false;
};

class PciFunction : public FrontendState, private IrqSink {
public:
    // Reads the device's description (VfioOps::pci_config) and each trapped
    // BAR's registers, and opens it. Refuses a device whose BARs cannot be
    // served or whose MSI-X cannot be emulated.
    static Result<std::unique_ptr<PciFunction>> create(Device &dev);
    ~PciFunction() override;

    const Bar &bar(unsigned index) const { return bars_.at(index); }
    bool has_intx() const { return intx_; }
    const MsiCap &msi() const { return msi_; }
    // The MSI-X function, nullptr if the device has none.
    Msix *msix() { return msix_.get(); }
    const Msix *msix() const { return msix_.get(); }

    // Which interrupt index the device's sink is on now: none (before
    // connect_irqs, or a function with no INTx and nothing enabled),
    // VFIO_PCI_INTX_IRQ_INDEX, _MSI_ or _MSIX_.
    static constexpr std::uint32_t kNoIrq = ~std::uint32_t(0);
    std::uint32_t irq_index() const { return mode_; }

    // The device's description, as given at bind; its region_info,
    // irq_info and device_info are what a VFIO user would be told.
    const PciConfig &pci_config() const { return config_; }

    // Config space, served from the description: the device's live copy
    // (VfioOps::config_state) or the power-on bytes. Sizes 1, 2 and 4 inside
    // the 256 bytes; a 3-byte access reads zeros and writes nothing. Writes
    // change only guest-writable bits of the live copy.
    std::uint32_t config_read(std::uint32_t offset, unsigned size);
    void config_write(std::uint32_t offset, std::uint32_t value, unsigned size);

    // A guest access to a BAR, as QEMU's memory core makes it. On a trapped
    // BAR it goes to the device's registers, checked and adapted to their
    // sizes by the BarAccessor's rules (misaligned ones included when they
    // take those; a misaligned access they do not take, or an 8-byte one
    // when they take at most 4, is logged and reads 0); on a RAM-backed BAR
    // it reads or writes the memory. A size other than 1, 2, 4 or 8, or
    // bytes past the BAR, are guest errors: logged, reads return all ones.
    std::uint64_t bar_read(unsigned bar, std::uint64_t offset, unsigned size);
    void bar_write(unsigned bar, std::uint64_t offset, std::uint64_t value, unsigned size);

    // A trapped BAR's registers, for the glue to hand to the machine as the
    // BAR's MemoryRegionOps (the machine adapting sizes as BarAccessor says).
    // nullptr for a RAM-backed BAR or none.
    const BarAccessor *bar_accessor(unsigned bar) const
    {
        return bar < PCI_STD_NUM_BARS && bars_[bar].has_accessor() ? &bars_[bar].accessor
                                                                   : nullptr;
    }

    // Host memory behind an mmap-able BAR (empty if it is not one).
    std::span<std::uint8_t> bar_memory(unsigned bar);

    // Display devices: whether the device has a primary plane at all, and
    // the plane it shows now, checked against its BAR (display_plane.hpp).
    // nullopt: the device shows nothing (no mode set yet). An Error: its
    // plane does not fit; the first query that returns a given bad plane
    // logs it as a guest error, repeats of it do not (the UI asks ~30 times
    // a second).
    bool has_display() const { return display_; }
    Result<std::optional<DisplayPlane>> display_plane();

    // System reset: the device returns to its power-on state. A function
    // surprise-removed stays out of its slot.
    void reset();

    // Whether the surprise-removal fault holds: config space and BARs read
    // all ones, writes are ignored, no DMA and no interrupt.
    bool surprise_removed() const { return removed_; }

    // Route the device's INTx to the host. The glue calls this once the
    // function is in place (its interrupt pin set up), as a VFIO user calls
    // SET_IRQS after mapping the device; the device then reports its level.
    void connect_irqs();

    // MSI as the guest set it in the capability QEMU emulates (enabled,
    // and how many vectors it enabled). MSI is routed while enabled and
    // MSI-X is not; INTx is off meanwhile. set_msi_enabled(true) enables
    // every vector the capability has.
    void set_msi(bool enabled, std::uint32_t vectors);
    void set_msi_enabled(bool enabled) { set_msi(enabled, msi_.vectors); }

    // Guest accesses to the MSI-X table or PBA (the glue's regions over
    // them); offsets inside the area.
    std::uint64_t msix_read(MdevVfioMsixArea area, std::uint64_t offset, unsigned size);
    void msix_write(MdevVfioMsixArea area, std::uint64_t offset, std::uint64_t value,
                    unsigned size);

    // After a migration load (the MSI-X state and QEMU's MSI capability are
    // in place): routes the device's interrupts as the loaded state says.
    void irqs_loaded(bool msi_enabled, std::uint32_t msi_vectors);

    // vfio::dma_read/dma_write (vfio_ops.hpp) for this function.
    bool dma(std::uint64_t addr, std::span<std::uint8_t> out);
    bool dma(std::uint64_t addr, std::span<const std::uint8_t> in);

private:
    // Only create() makes one: it must run discover() before anyone uses it.
    struct Token {
        explicit Token() = default;
    };

public:
    PciFunction(Token, Device &dev, const VfioOps &ops, Host &host)
        : dev_(dev), ops_(ops), host_(host)
    {
    }

private:
    Status discover();
    void discover_msi();
    Status discover_msix();
    std::optional<std::uint32_t> find_capability(std::uint8_t id);
    bool bus_master_for_dma(const char *what, std::uint64_t addr, std::size_t len);
    // The MSI-X area an access to a BAR touches, if any.
    std::optional<MdevVfioMsixArea> msix_area(unsigned bar, std::uint64_t offset,
                                              unsigned size) const;
    bool msix_bar_access(const char *what, unsigned bar, std::uint64_t offset, unsigned size,
                         std::uint64_t *value, bool write);
    void msix_control_write(std::uint32_t offset, std::uint32_t value, unsigned size);
    // Puts the device's sink on the index the guest's settings choose.
    void apply_irq_mode();
    bool access_ok(const char *what, unsigned bar, std::uint64_t offset, unsigned size);
    PciConfig::ConstBytes config_bytes() const;

    // Fault injection (vfio_faults.hpp): whether the fault drops this
    // interrupt / fails this DMA; spurious-irq's action.
    bool irq_dropped(std::uint32_t vector, const char *kind);
    bool dma_failed(bool write, std::uint64_t addr, std::size_t len);
    void spurious_irq(std::uint32_t vector);
    // surprise-removal's watch: pulled out (true) or put back (false).
    void set_removed(bool removed);

    // IrqSink: the device's interrupts arrive here.
    void set_level(bool asserted) override;
    void notify(std::uint32_t vector) override;

    Device &dev_;
    const VfioOps &ops_;
    Host &host_;
    std::array<Bar, PCI_STD_NUM_BARS> bars_{};
    PciConfig config_{};
    std::optional<PciConfig::Bytes> live_; // the device's config bytes, if it keeps them
    bool intx_ = false;
    MsiCap msi_{};
    bool msi_enabled_ = false;
    std::uint32_t msi_vectors_enabled_ = 0;
    std::unique_ptr<Msix> msix_;
    bool irqs_connected_ = false;
    bool intx_level_ = false; // what the device last set its INTx to
    VfioFaults faults_{};
    std::uint32_t mode_ = kNoIrq;
    bool bme_off_logged_ = false; // a DMA refused for bus mastering off was logged
    bool removed_ = false; // surprise-removal holds
    bool opened_ = false; // ops_.open() was called: the destructor must undo it
    bool display_ = false;
    std::optional<GfxPlane> rejected_plane_; // the last plane refused and logged
};

} // namespace mdev::vfio
