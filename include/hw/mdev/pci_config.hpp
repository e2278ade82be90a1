// SPDX-License-Identifier: GPL-2.0-or-later
// A vfio-class parent's PCI function, described once: the parent says what
// its function is (ids, class, BARs with their kind and size, capabilities,
// interrupt pin, MSI/MSI-X) by calls on a builder, and gets back a
// PciConfig. From it the vfio frontend derives everything a VFIO user would
// ask the device for (device info, region info, IRQ info) and serves the
// config space itself: the parent writes no plumbing.
//
// PciConfig knows the power-on bytes and, per byte, which bits a guest may
// write. A parent whose config bytes can change and must migrate keeps the
// live copy in its own state (the `uint8_t config[256]` that its VMState
// migrates; VfioOps::config_state) and PciConfig only works on it, so a
// migration stream's layout does not depend on it:
//
//     PciConfig cfg = PciConfigBuilder()
//                         .ids(0x4348, 0x3253)
//                         .class_code(0x0700, 0x02) // PCI_CLASS_COMMUNICATION_SERIAL, 16550
//                         .interrupt_pin(1)         // INTA#
//                         .bar(0, PciBar::io(8))
//                         .build_or_abort();
//
// Offsets and bits are the kernel's UAPI names (<linux/pci_regs.h>), indexes
// and flags of the derived info <linux/vfio.h>'s.
#pragma once

#include "hw/mdev/error.hpp"

#include <linux/pci_regs.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <optional>
#include <span>
#include <string>

namespace mdev::vfio {

struct DeviceInfo {
    std::uint32_t flags;
    std::uint32_t num_regions;
    std::uint32_t num_irqs;
};

// What VFIO_DEVICE_GET_INFO, _GET_REGION_INFO and _GET_IRQ_INFO answer. The
// frontend derives them from a PciConfig (PciConfig::device_info() ...);
// no parent writes them.
//
// Region flags are VFIO_REGION_INFO_FLAG_* (READ, WRITE, MMAP), plus these
// BAR attributes of qemu-mdev's own, which <linux/vfio.h> does not have: a
// VFIO device leaves a BAR's type in its config-space register; here the
// region says it, so that a BAR's type shows in one place.
// They sit well above the bits VFIO defines (CAPS is 1 << 3).
inline constexpr std::uint32_t kRegionBarIo = 1u << 16;       // I/O space BAR
inline constexpr std::uint32_t kRegionBarMem64 = 1u << 17;    // 64-bit memory BAR
inline constexpr std::uint32_t kRegionBarPrefetch = 1u << 18; // prefetchable

struct RegionInfo {
    std::uint32_t flags;
    std::uint64_t size; // 0: the region does not exist
};

struct IrqInfo {
    std::uint32_t flags;
    std::uint32_t count; // 0: the device has no interrupts of this kind
};


// A BAR declared without a region (PciConfigBuilder::bar). `size` is a
// power of two: 4..256 bytes for I/O, at least 16 for memory, at most 2 GiB
// for a 32-bit one.
//
// A BAR either traps (every guest access goes to the parent's registers,
// VfioOps::bar_accessor) or is RAM-backed (`ram`: memory the parent hands
// out with VfioOps::mmap, which guest accesses reach without trapping: a
// framebuffer, say). I/O BARs always trap.
struct PciBar {
    enum class Kind : std::uint8_t { io, mem32, mem64 };
    Kind kind = Kind::mem32;
    bool prefetch = false; // memory BARs only
    std::uint64_t size = 0;
    bool ram = false;      // memory BARs only: RAM-backed, does not trap

    static constexpr PciBar io(std::uint64_t size) { return {Kind::io, false, size}; }
    static constexpr PciBar mem32(std::uint64_t size) { return {Kind::mem32, false, size}; }
    static constexpr PciBar mem64(std::uint64_t size) { return {Kind::mem64, false, size}; }
    // A prefetchable 32-bit BAR backed by the parent's memory (VfioOps::mmap).
    static constexpr PciBar ram32(std::uint64_t size) { return {Kind::mem32, true, size, true}; }

    // The BAR a region describes (kRegionBarIo / kRegionBarMem64 /
    // kRegionBarPrefetch, VFIO_REGION_INFO_FLAG_MMAP and its size).
    static PciBar of(const RegionInfo &region);
    // The region info a VFIO user would see for it (READ | WRITE, MMAP if
    // RAM-backed, and the kRegionBar* attributes).
    RegionInfo region() const;
};

// The config space of one kind of function: its power-on bytes and write
// masks, built by PciConfigBuilder. It holds no live state; every call takes
// the device's config bytes, so one PciConfig may serve many devices.
class PciConfig {
public:
    static constexpr std::size_t kSize = 256;
    using Bytes = std::span<std::uint8_t, kSize>;
    using ConstBytes = std::span<const std::uint8_t, kSize>;

    // Writes the power-on bytes into `live` (what VFIO_DEVICE_RESET and a
    // new device start from).
    void reset(Bytes live) const;

    // A config region read of data.size() bytes at `offset`: the live bytes
    // as they are (writes already applied the masks). False, and `data`
    // untouched, for a size other than 1, 2 or 4 or a range past the end.
    bool read(ConstBytes live, std::uint64_t offset, std::span<std::uint8_t> data) const;

    // A config region write: each bit changes only if the guest may write
    // it; every other bit keeps its value. So a BAR keeps its type bits and
    // the address bits above its size (writing all ones reads back the size
    // mask), ids stay, an unimplemented BAR stays 0. Refuses (false, nothing
    // written) what read() refuses.
    bool write(Bytes live, std::uint64_t offset, std::span<const std::uint8_t> data) const;

    // After a migration load: every bit the guest cannot write is set back
    // to its power-on value, every bit it can write is kept. The result is
    // always a state the guest could have reached.
    void resync(Bytes live) const;

    // Whether `live` is a state the guest could have reached: every bit it
    // cannot write has its power-on value. (For a parent that refuses a
    // migration stream rather than repairing it; resync() repairs.)
    bool reachable(ConstBytes live) const;

    // Offset of the first capability with this PCI_CAP_ID_*, if any.
    std::optional<std::uint8_t> capability(std::uint8_t id) const;

    ConstBytes image() const { return image_; }
    ConstBytes write_mask() const { return wmask_; }

    // BAR `index` as declared (size 0: none; the upper slot of a 64-bit BAR
    // is none too). Out of range: none.
    PciBar bar(unsigned index) const
    {
        return index < PCI_STD_NUM_BARS ? bars_[index] : PciBar{};
    }

    // What the function answers a VFIO user, derived from the description:
    //  - device_info: VFIO_DEVICE_FLAGS_PCI | _RESET, every PCI region and IRQ index;
    //  - region_info: the config region (256 bytes, read/write), each BAR as
    //    declared (PciBar::region(); size 0 where none), ROM and VGA absent;
    //    nullopt past VFIO_PCI_NUM_REGIONS;
    //  - irq_info: INTx with one vector if there is an interrupt pin, MSI with
    //    the capability's vectors, MSI-X with its table size, 0 otherwise;
    //    nullopt past VFIO_PCI_NUM_IRQS.
    DeviceInfo device_info() const;
    std::optional<RegionInfo> region_info(std::uint32_t index) const;
    std::optional<IrqInfo> irq_info(std::uint32_t index) const;

    // A config space given byte by byte rather than built (one captured
    // from hardware; a test of the frontend's own checks): the frontend
    // checks it as it would a VFIO device's config region and regions (BAR
    // sizes, capability lists), and refuses what it cannot show.
    static PciConfig from_bytes(ConstBytes image, ConstBytes write_mask,
                                std::span<const PciBar, PCI_STD_NUM_BARS> bars);

private:
    friend class PciConfigBuilder;
    std::array<std::uint8_t, kSize> image_{};
    std::array<std::uint8_t, kSize> wmask_{};
    std::array<PciBar, PCI_STD_NUM_BARS> bars_{};
};

// Says, call by call, what a function's config space holds. Every call
// returns the builder, so calls chain; a call with a value the builder
// cannot lay out (a BAR size that is not a power of two, capabilities that
// do not fit) is remembered, and build() reports the first one.
//
// Unless a call says otherwise, a byte is 0 and read-only. Header type 0,
// no BIST, no cache line size, no latency timer.
//
// Building allocates nothing unless a call is refused, and is two 256-byte
// arrays of work: the vfio frontend asks for a device's PciConfig once, when
// it binds the device, and a parent may build one whenever it needs it
// (to reset or resync its live copy) rather than keep one.
class PciConfigBuilder {
public:
    PciConfigBuilder();

    // PCI_VENDOR_ID, PCI_DEVICE_ID.
    PciConfigBuilder &ids(std::uint16_t vendor, std::uint16_t device);
    // PCI_REVISION_ID.
    PciConfigBuilder &revision(std::uint8_t revision);
    // PCI_CLASS_DEVICE (base class << 8 | subclass: the kernel's 16-bit
    // PCI_CLASS_* values of <linux/pci_ids.h>, which is not UAPI, so callers
    // write the number and name the macro) and PCI_CLASS_PROG.
    PciConfigBuilder &class_code(std::uint16_t class_device, std::uint8_t prog_if = 0);
    // PCI_SUBSYSTEM_VENDOR_ID, PCI_SUBSYSTEM_ID.
    PciConfigBuilder &subsystem(std::uint16_t vendor, std::uint16_t device);
    // PCI_COMMAND at power-on, and which of its bits the guest may write.
    // Default 0 and none: QEMU's PCI core keeps the command register the
    // guest sees; this is the device's own copy.
    PciConfigBuilder &command(std::uint16_t power_on, std::uint16_t guest_writable);
    // Read-only PCI_STATUS bits (e.g. PCI_STATUS_DEVSEL_MEDIUM).
    // PCI_STATUS_CAP_LIST is set by the capability calls, not here.
    PciConfigBuilder &status(std::uint16_t bits);
    // PCI_INTERRUPT_PIN (1 = INTA# .. 4 = INTD#). A function with a pin also
    // gets a guest-writable PCI_INTERRUPT_LINE; without one the line stays
    // a read-only 0.
    PciConfigBuilder &interrupt_pin(std::uint8_t pin);

    // BAR `index` (0..5). A 64-bit BAR also takes index + 1 (its upper
    // half). The RegionInfo form reads it as PciBar::of; a region of size 0
    // adds nothing.
    PciConfigBuilder &bar(unsigned index, const RegionInfo &region);
    PciConfigBuilder &bar(unsigned index, const PciBar &bar);

    // Capabilities go from 0x40 (PCI_STD_HEADER_SIZEOF) upwards, each on a
    // dword boundary, linked in the order of the calls, with
    // PCI_CAPABILITY_LIST pointing at the first and PCI_STATUS_CAP_LIST set.

    // MSI (PCI_CAP_ID_MSI) with `vectors` (1, 2, 4, .. 32) in Multiple
    // Message Capable, 64-bit addresses if `addr64`, per-vector masking if
    // `maskable`. Guest-writable: Enable and Multiple Message Enable in
    // PCI_MSI_FLAGS, the address (low 2 bits read 0), the 16-bit data, and
    // one mask bit per vector; Pending Bits are read-only.
    PciConfigBuilder &msi(unsigned vectors, bool addr64, bool maskable);
    // MSI-X (PCI_CAP_ID_MSIX) with `vectors` (1..2048) entries, the table at
    // `table_offset` in BAR `table_bar` and the Pending Bit Array at
    // `pba_offset` in BAR `pba_bar`. Every such layout the checks below let
    // through works in a guest: the table and PBA may sit at any 8-byte
    // aligned offset and share pages (or a BAR) with the device's registers
    // (the vfio frontend routes those pages by offset). Refused, one line
    // each: vectors outside 1..2048; a BAR not declared before the call, or
    // named by the upper half of a 64-bit BAR; an I/O BAR; a BAR whose
    // region is mmap-able (its bytes would not trap); an offset that is not
    // 8-byte aligned; a table (16 bytes per vector) or PBA (8 bytes per 64
    // vectors) past its BAR's end; the two overlapping. All read-only here:
    // the vfio frontend emulates Message Control (enable, function mask),
    // the table and the PBA.
    PciConfigBuilder &msix(unsigned vectors, unsigned table_bar, std::uint32_t table_offset,
                           unsigned pba_bar, std::uint32_t pba_offset);
    // A vendor-specific capability (PCI_CAP_ID_VNDR): ID, next, a length
    // byte (3 + payload.size()), then `payload`, read-only.
    PciConfigBuilder &vendor_capability(std::span<const std::uint8_t> payload);
    // Any other capability: ID, next, then `body` from offset
    // PCI_CAP_FLAGS. `guest_writable` is empty (all read-only) or one mask
    // byte per body byte.
    PciConfigBuilder &add_capability(std::uint8_t id, std::span<const std::uint8_t> body,
                                     std::span<const std::uint8_t> guest_writable = {});

    // The config space, or the first call it could not honour (Errc::
    // probe_failed: the vfio frontend could not show such a function).
    Result<PciConfig> build() const;
    // For a layout fixed in the source, where a refusal is a bug of the
    // parent: prints the reason and aborts, as a failed assertion does.
    PciConfig build_or_abort() const;

private:
    // Reserves `size` bytes of capability space and links them in; nullopt
    // (and the error remembered) if they do not fit.
    std::optional<std::uint8_t> add_cap(std::uint8_t id, std::size_t size);
    void put(std::size_t offset, std::size_t width, std::uint64_t value, std::uint64_t writable);
    void fail(std::string why);

    PciConfig cfg_;
    std::size_t next_cap_;  // where the next capability goes
    std::size_t link_;      // the byte that points at the next capability
    std::uint8_t bars_used_ = 0; // one bit per BAR slot
    std::uint8_t bars_mmap_ = 0; // BARs whose region is mmap-able
    std::array<std::uint64_t, PCI_STD_NUM_BARS> bar_size_{}; // 0: none or an upper half
    std::string error_;
};

} // namespace mdev::vfio
