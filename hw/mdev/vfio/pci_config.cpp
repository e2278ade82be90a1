// SPDX-License-Identifier: GPL-2.0-or-later
#include "hw/mdev/pci_config.hpp"
#include "hw/mdev/le_bytes.hpp"

#include <linux/pci_regs.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstdlib>

namespace mdev::vfio {

namespace {

// I/O BARs above 256 bytes are refused by the vfio frontend too (PCI allows
// them, but no device we model needs them and x86 I/O space is small).
constexpr std::uint64_t kMaxIoBar = 256;
// The low bits of a BAR say its type, so the smallest BAR covers them.
constexpr std::uint64_t kMinIoBar = 4;
constexpr std::uint64_t kMinMemBar = 16;
constexpr std::uint64_t kMaxMem32Bar = std::uint64_t(1) << 31;

// Config accesses are dword-based with byte enables: 1, 2 or 4 bytes.
bool access_ok(std::uint64_t offset, std::size_t size)
{
    return (size == 1 || size == 2 || size == 4) && offset <= PciConfig::kSize &&
           size <= PciConfig::kSize - offset;
}

// MSI capability size (pci_regs.h has no PCI_MSI_SIZEOF): up to the
// Pending Bits when maskable, else up to the 16-bit data.
std::size_t msi_size(bool addr64, bool maskable)
{
    if (maskable) {
        return (addr64 ? PCI_MSI_PENDING_64 : PCI_MSI_PENDING_32) + 4;
    }
    return (addr64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32) + 2;
}

} // namespace

PciBar PciBar::of(const RegionInfo &region)
{
    PciBar bar;
    bar.size = region.size;
    if (region.flags & kRegionBarIo) {
        bar.kind = Kind::io;
        return bar;
    }
    bar.kind = (region.flags & kRegionBarMem64) ? Kind::mem64 : Kind::mem32;
    bar.prefetch = region.flags & kRegionBarPrefetch;
    bar.ram = region.flags & VFIO_REGION_INFO_FLAG_MMAP;
    return bar;
}

RegionInfo PciBar::region() const
{
    if (size == 0) {
        return {0, 0};
    }
    std::uint32_t flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
    if (kind == Kind::io) {
        flags |= kRegionBarIo;
    } else {
        flags |= (kind == Kind::mem64 ? kRegionBarMem64 : 0) |
                 (prefetch ? kRegionBarPrefetch : 0) | (ram ? VFIO_REGION_INFO_FLAG_MMAP : 0);
    }
    return {flags, size};
}

PciConfig PciConfig::from_bytes(ConstBytes image, ConstBytes write_mask,
                                std::span<const PciBar, PCI_STD_NUM_BARS> bars)
{
    PciConfig c;
    std::copy(image.begin(), image.end(), c.image_.begin());
    std::copy(write_mask.begin(), write_mask.end(), c.wmask_.begin());
    std::copy(bars.begin(), bars.end(), c.bars_.begin());
    return c;
}

DeviceInfo PciConfig::device_info() const
{
    return {VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET, VFIO_PCI_NUM_REGIONS,
            VFIO_PCI_NUM_IRQS};
}

std::optional<RegionInfo> PciConfig::region_info(std::uint32_t index) const
{
    if (index == VFIO_PCI_CONFIG_REGION_INDEX) {
        return RegionInfo{VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE, kSize};
    }
    if (index < PCI_STD_NUM_BARS) {
        return bars_[index].region();
    }
    if (index < VFIO_PCI_NUM_REGIONS) {
        return RegionInfo{0, 0}; // no ROM, no VGA
    }
    return std::nullopt;
}

std::optional<IrqInfo> PciConfig::irq_info(std::uint32_t index) const
{
    std::uint32_t count = 0;
    std::uint32_t flags = VFIO_IRQ_INFO_EVENTFD;
    if (index == VFIO_PCI_INTX_IRQ_INDEX) {
        count = image_[PCI_INTERRUPT_PIN] != 0 ? 1 : 0;
        flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
    } else if (index == VFIO_PCI_MSI_IRQ_INDEX) {
        std::optional<std::uint8_t> at = capability(PCI_CAP_ID_MSI);
        if (at && *at + 4u <= kSize) {
            const unsigned mmc = (image_[*at + PCI_MSI_FLAGS] & PCI_MSI_FLAGS_QMASK) >> 1;
            count = 1u << std::min(mmc, 5u); // reserved values: 32
        }
    } else if (index == VFIO_PCI_MSIX_IRQ_INDEX) {
        std::optional<std::uint8_t> at = capability(PCI_CAP_ID_MSIX);
        if (at && *at + 4u <= kSize) {
            const unsigned flags_word = image_[*at + PCI_MSIX_FLAGS] |
                                        (image_[*at + PCI_MSIX_FLAGS + 1] << 8);
            count = (flags_word & PCI_MSIX_FLAGS_QSIZE) + 1;
        }
    } else if (index >= VFIO_PCI_NUM_IRQS) {
        return std::nullopt;
    }
    return IrqInfo{count ? flags : 0, count};
}

void PciConfig::reset(Bytes live) const
{
    std::copy(image_.begin(), image_.end(), live.begin());
}

bool PciConfig::read(ConstBytes live, std::uint64_t offset, std::span<std::uint8_t> data) const
{
    if (!access_ok(offset, data.size())) {
        return false;
    }
    std::copy_n(live.begin() + offset, data.size(), data.begin());
    return true;
}

bool PciConfig::write(Bytes live, std::uint64_t offset, std::span<const std::uint8_t> data) const
{
    if (!access_ok(offset, data.size())) {
        return false;
    }
    for (std::size_t i = 0; i < data.size(); i++) {
        const std::uint8_t m = wmask_[offset + i];
        live[offset + i] = static_cast<std::uint8_t>((live[offset + i] & ~m) | (data[i] & m));
    }
    return true;
}

void PciConfig::resync(Bytes live) const
{
    for (std::size_t i = 0; i < kSize; i++) {
        live[i] = static_cast<std::uint8_t>((image_[i] & ~wmask_[i]) | (live[i] & wmask_[i]));
    }
}

bool PciConfig::reachable(ConstBytes live) const
{
    for (std::size_t i = 0; i < kSize; i++) {
        if ((live[i] & ~wmask_[i]) != (image_[i] & ~wmask_[i])) {
            return false;
        }
    }
    return true;
}

std::optional<std::uint8_t> PciConfig::capability(std::uint8_t id) const
{
    if (!(image_[PCI_STATUS] & PCI_STATUS_CAP_LIST)) {
        return std::nullopt;
    }
    // The builder links capabilities forwards only, so the walk ends; the
    // bound is for an image that did not come from it.
    std::uint8_t pos = image_[PCI_CAPABILITY_LIST];
    for (unsigned n = 0; n < kSize / PCI_CAP_SIZEOF && pos >= PCI_STD_HEADER_SIZEOF &&
                         std::size_t(pos) + PCI_CAP_LIST_NEXT < kSize;
         n++) {
        if (image_[pos + PCI_CAP_LIST_ID] == id) {
            return pos;
        }
        pos = image_[pos + PCI_CAP_LIST_NEXT];
    }
    return std::nullopt;
}

PciConfigBuilder::PciConfigBuilder()
    : next_cap_(PCI_STD_HEADER_SIZEOF), link_(PCI_CAPABILITY_LIST)
{
}

void PciConfigBuilder::put(std::size_t offset, std::size_t width, std::uint64_t value,
                           std::uint64_t writable)
{
    store_le(std::span(cfg_.image_).subspan(offset, width), value);
    store_le(std::span(cfg_.wmask_).subspan(offset, width), writable);
}

void PciConfigBuilder::fail(std::string why)
{
    if (error_.empty()) {
        error_ = std::move(why);
    }
}

PciConfigBuilder &PciConfigBuilder::ids(std::uint16_t vendor, std::uint16_t device)
{
    put(PCI_VENDOR_ID, 2, vendor, 0);
    put(PCI_DEVICE_ID, 2, device, 0);
    return *this;
}

PciConfigBuilder &PciConfigBuilder::revision(std::uint8_t revision)
{
    put(PCI_REVISION_ID, 1, revision, 0);
    return *this;
}

PciConfigBuilder &PciConfigBuilder::class_code(std::uint16_t class_device, std::uint8_t prog_if)
{
    put(PCI_CLASS_PROG, 1, prog_if, 0);
    put(PCI_CLASS_DEVICE, 2, class_device, 0);
    return *this;
}

PciConfigBuilder &PciConfigBuilder::subsystem(std::uint16_t vendor, std::uint16_t device)
{
    put(PCI_SUBSYSTEM_VENDOR_ID, 2, vendor, 0);
    put(PCI_SUBSYSTEM_ID, 2, device, 0);
    return *this;
}

PciConfigBuilder &PciConfigBuilder::command(std::uint16_t power_on, std::uint16_t guest_writable)
{
    put(PCI_COMMAND, 2, power_on, guest_writable);
    return *this;
}

PciConfigBuilder &PciConfigBuilder::status(std::uint16_t bits)
{
    // Keep CAP_LIST as the capability calls left it, whatever the order.
    const std::uint16_t cap_list = cfg_.image_[PCI_STATUS] & PCI_STATUS_CAP_LIST;
    put(PCI_STATUS, 2, (bits & ~PCI_STATUS_CAP_LIST) | cap_list, 0);
    return *this;
}

PciConfigBuilder &PciConfigBuilder::interrupt_pin(std::uint8_t pin)
{
    if (pin > 4) {
        fail("interrupt pin " + std::to_string(pin) + " is not 0..4 (none, INTA#..INTD#)");
        return *this;
    }
    put(PCI_INTERRUPT_PIN, 1, pin, 0);
    put(PCI_INTERRUPT_LINE, 1, 0, pin ? 0xff : 0);
    return *this;
}

PciConfigBuilder &PciConfigBuilder::bar(unsigned index, const RegionInfo &region)
{
    if (region.size == 0) {
        return *this;
    }
    bar(index, PciBar::of(region));
    if ((region.flags & VFIO_REGION_INFO_FLAG_MMAP) && index < PCI_STD_NUM_BARS) {
        bars_mmap_ |= static_cast<std::uint8_t>(1u << index);
    }
    return *this;
}

PciConfigBuilder &PciConfigBuilder::bar(unsigned index, const PciBar &b)
{
    // Only a refusal needs the name: building stays free of allocations.
    const auto name = [index] { return "BAR" + std::to_string(index); };
    const bool io = b.kind == PciBar::Kind::io;
    const bool mem64 = b.kind == PciBar::Kind::mem64;
    const unsigned slots = mem64 ? 2 : 1;
    if (index + slots > PCI_STD_NUM_BARS) {
        fail(name() +
             (mem64 ? " is 64-bit and has no slot for its upper half" : " does not exist"));
        return *this;
    }
    const std::uint8_t bits = static_cast<std::uint8_t>(((1u << slots) - 1) << index);
    if (bars_used_ & bits) {
        fail(name() + " overlaps a BAR declared before");
        return *this;
    }
    if (!std::has_single_bit(b.size) || b.size < (io ? kMinIoBar : kMinMemBar) ||
        (io && b.size > kMaxIoBar) || (b.kind == PciBar::Kind::mem32 && b.size > kMaxMem32Bar)) {
        fail(name() + " size " + std::to_string(b.size) +
             (io ? " is not a power of two from 4 to 256" : " is not a power of two of at least "
                                                            "16 (at most 2 GiB for 32-bit)"));
        return *this;
    }
    bars_used_ |= bits;
    bar_size_[index] = b.size;

    // The type bits read back fixed; the address bits below the size read
    // 0; the rest is the guest's, so that all ones reads back ~(size - 1)
    // plus the type bits: how a guest sizes a BAR.
    const std::uint64_t type = io ? PCI_BASE_ADDRESS_SPACE_IO
                                  : (PCI_BASE_ADDRESS_SPACE_MEMORY |
                                     (mem64 ? PCI_BASE_ADDRESS_MEM_TYPE_64 : 0) |
                                     (b.prefetch ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0));
    const std::uint64_t address = ~(b.size - 1) & (io ? std::uint64_t(PCI_BASE_ADDRESS_IO_MASK)
                                                      : std::uint64_t(PCI_BASE_ADDRESS_MEM_MASK));
    const std::uint64_t width_mask = mem64 ? ~std::uint64_t(0) : 0xffffffffu;
    put(PCI_BASE_ADDRESS_0 + 4 * index, 4 * slots, type, address & width_mask);
    cfg_.bars_[index] = b;
    if (io) {
        cfg_.bars_[index].prefetch = cfg_.bars_[index].ram = false;
    }
    return *this;
}

std::optional<std::uint8_t> PciConfigBuilder::add_cap(std::uint8_t id, std::size_t size)
{
    const std::size_t at = next_cap_;
    if (size > PciConfig::kSize - at) {
        fail("capability " + std::to_string(id) + " (" + std::to_string(size) +
             " bytes) does not fit in config space past offset " + std::to_string(at));
        return std::nullopt;
    }
    // The low two bits of a capability pointer are reserved: dword-aligned.
    next_cap_ = (at + size + 3) & ~std::size_t(3);
    put(link_, 1, at, 0);
    put(at + PCI_CAP_LIST_ID, 1, id, 0);
    put(at + PCI_CAP_LIST_NEXT, 1, 0, 0); // the end, until another is linked
    link_ = at + PCI_CAP_LIST_NEXT;
    cfg_.image_[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
    return static_cast<std::uint8_t>(at);
}

PciConfigBuilder &PciConfigBuilder::msi(unsigned vectors, bool addr64, bool maskable)
{
    if (vectors == 0 || vectors > 32 || !std::has_single_bit(vectors)) {
        fail("MSI with " + std::to_string(vectors) + " vectors: MSI has 1, 2, 4, 8, 16 or 32");
        return *this;
    }
    const std::optional<std::uint8_t> at = add_cap(PCI_CAP_ID_MSI, msi_size(addr64, maskable));
    if (!at) {
        return *this;
    }
    const std::uint16_t mmc = static_cast<std::uint16_t>(std::countr_zero(vectors) << 1);
    const std::uint16_t flags = static_cast<std::uint16_t>(
        (mmc & PCI_MSI_FLAGS_QMASK) | (addr64 ? PCI_MSI_FLAGS_64BIT : 0) |
        (maskable ? PCI_MSI_FLAGS_MASKBIT : 0));
    put(*at + PCI_MSI_FLAGS, 2, flags, PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
    put(*at + PCI_MSI_ADDRESS_LO, 4, 0, 0xfffffffcu); // dword-aligned messages
    if (addr64) {
        put(*at + PCI_MSI_ADDRESS_HI, 4, 0, 0xffffffffu);
    }
    put(*at + (addr64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32), 2, 0, 0xffff);
    if (maskable) {
        const std::uint64_t per_vector = (std::uint64_t(1) << vectors) - 1;
        put(*at + (addr64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32), 4, 0, per_vector);
    }
    return *this;
}

PciConfigBuilder &PciConfigBuilder::msix(unsigned vectors, unsigned table_bar,
                                         std::uint32_t table_offset, unsigned pba_bar,
                                         std::uint32_t pba_offset)
{
    const std::string what = "MSI-X with " + std::to_string(vectors) + " vectors";
    if (vectors == 0 || vectors > PCI_MSIX_FLAGS_QSIZE + 1u) {
        fail(what + ": MSI-X has 1 to " + std::to_string(PCI_MSIX_FLAGS_QSIZE + 1) + " vectors");
        return *this;
    }
    struct Area {
        const char *name;
        unsigned bar;
        std::uint32_t offset;
        std::uint64_t size;
    };
    const Area areas[] = {
        {"table", table_bar, table_offset, std::uint64_t(vectors) * PCI_MSIX_ENTRY_SIZE},
        {"PBA", pba_bar, pba_offset, (std::uint64_t(vectors) + 63) / 64 * 8},
    };
    for (const Area &a : areas) {
        const std::string where = what + ": the " + a.name + " in BAR" + std::to_string(a.bar);
        // bar_size_ is 0 for an upper half: a BIR must name the BAR itself.
        if (a.bar >= PCI_STD_NUM_BARS || bar_size_[a.bar] == 0) {
            fail(where + ": no such BAR declared before the capability");
            return *this;
        }
        if (cfg_.image_[PCI_BASE_ADDRESS_0 + 4 * a.bar] & PCI_BASE_ADDRESS_SPACE_IO) {
            fail(where + ": an I/O BAR (MSI-X lives in memory BARs)");
            return *this;
        }
        if (bars_mmap_ & (1u << a.bar)) {
            fail(where + ": the BAR is mmap-able (RAM to the guest), so accesses to it would not "
                         "reach the emulated " + a.name);
            return *this;
        }
        if (a.offset & ~std::uint32_t(PCI_MSIX_TABLE_OFFSET)) {
            fail(where + " at offset " + std::to_string(a.offset) + ": not 8-byte aligned");
            return *this;
        }
        if (a.offset > bar_size_[a.bar] || a.size > bar_size_[a.bar] - a.offset) {
            fail(where + ": offset " + std::to_string(a.offset) + " + " +
                 std::to_string(a.size) + " bytes is past the BAR's " +
                 std::to_string(bar_size_[a.bar]) + " bytes");
            return *this;
        }
    }
    if (table_bar == pba_bar && areas[0].offset < areas[1].offset + areas[1].size &&
        areas[1].offset < areas[0].offset + areas[0].size) {
        fail(what + ": the table and the PBA overlap in BAR" + std::to_string(table_bar));
        return *this;
    }
    const std::optional<std::uint8_t> at = add_cap(PCI_CAP_ID_MSIX, PCI_CAP_MSIX_SIZEOF);
    if (!at) {
        return *this;
    }
    // Read-only in the device's copy: the frontend owns Message Control.
    put(*at + PCI_MSIX_FLAGS, 2, vectors - 1, 0);
    put(*at + PCI_MSIX_TABLE, 4, table_offset | table_bar, 0);
    put(*at + PCI_MSIX_PBA, 4, pba_offset | pba_bar, 0);
    return *this;
}

PciConfigBuilder &PciConfigBuilder::vendor_capability(std::span<const std::uint8_t> payload)
{
    constexpr std::size_t kHeader = PCI_CAP_FLAGS + 1; // ID, next, length
    const std::optional<std::uint8_t> at = add_cap(PCI_CAP_ID_VNDR, kHeader + payload.size());
    if (!at) {
        return *this;
    }
    put(*at + PCI_CAP_FLAGS, 1, kHeader + payload.size(), 0);
    std::copy(payload.begin(), payload.end(), cfg_.image_.begin() + *at + kHeader);
    return *this;
}

PciConfigBuilder &PciConfigBuilder::add_capability(std::uint8_t id,
                                                   std::span<const std::uint8_t> body,
                                                   std::span<const std::uint8_t> guest_writable)
{
    if (!guest_writable.empty() && guest_writable.size() != body.size()) {
        fail("capability " + std::to_string(id) + ": " + std::to_string(guest_writable.size()) +
             " write-mask bytes for " + std::to_string(body.size()) + " body bytes");
        return *this;
    }
    const std::optional<std::uint8_t> at = add_cap(id, PCI_CAP_FLAGS + body.size());
    if (!at) {
        return *this;
    }
    std::copy(body.begin(), body.end(), cfg_.image_.begin() + *at + PCI_CAP_FLAGS);
    std::copy(guest_writable.begin(), guest_writable.end(),
              cfg_.wmask_.begin() + *at + PCI_CAP_FLAGS);
    return *this;
}

Result<PciConfig> PciConfigBuilder::build() const
{
    if (!error_.empty()) {
        return Error{Errc::probe_failed, "PCI config space: " + error_};
    }
    return cfg_;
}

PciConfig PciConfigBuilder::build_or_abort() const
{
    Result<PciConfig> r = build();
    if (!r) {
        std::fprintf(stderr, "%s\n", r.error().message.c_str());
        std::abort();
    }
    return *r;
}

} // namespace mdev::vfio
