// SPDX-License-Identifier: GPL-2.0-or-later
#include "samples/mbochs/mbochs_vfio.hpp"
#include "hw/mdev/le_bytes.hpp"

#include "hw/mdev/device.hpp"
#include "samples/mbochs/mbochs.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstring>

namespace mdev::samples {

namespace {

// Config-space offsets (pci_regs.h names).
constexpr std::uint32_t kVendorId = 0x00;
constexpr std::uint32_t kDeviceId = 0x02;
constexpr std::uint32_t kCommand = 0x04;
constexpr std::uint32_t kRevision = 0x08;
constexpr std::uint32_t kClassDevice = 0x0a;
constexpr std::uint32_t kBar0 = 0x10;
constexpr std::uint32_t kBar2 = 0x18;
constexpr std::uint32_t kSubsystemVendorId = 0x2c;
constexpr std::uint32_t kSubsystemId = 0x2e;

constexpr std::uint16_t kQemuVendor = 0x1234;
constexpr std::uint16_t kBochsDisplay = 0x1111;
constexpr std::uint16_t kRedHatQumranet = 0x1af4;
constexpr std::uint16_t kQemuSubsystem = 0x1100;
constexpr std::uint16_t kCommandIoMem = 0x0003;
constexpr std::uint16_t kClassDisplayOther = 0x0380;
constexpr std::uint32_t kBarMemPrefetch = 0x08; // 32-bit memory, prefetchable

void put16(std::uint8_t *c, std::uint32_t off, std::uint16_t v)
{
    store_le(std::span(c + off, 2), v);
}

void put32(std::uint8_t *c, std::uint32_t off, std::uint32_t v)
{
    store_le(std::span(c + off, 4), v);
}

std::uint32_t get32(const std::uint8_t *c, std::uint32_t off)
{
    return static_cast<std::uint32_t>(load_le(std::span(c + off, 4)));
}

// A memory BAR register keeps the address bits above its size and reads
// its type bits fixed, so writing all ones reads back the size mask.
std::uint32_t decode_bar(std::uint32_t value, std::uint64_t size, std::uint32_t type_bits)
{
    return (value & ~static_cast<std::uint32_t>(size - 1)) | type_bits;
}

void config_write_byte(MbochsMdev &m, std::uint32_t off, std::uint8_t value)
{
    std::uint8_t *c = m.state().config;
    const std::uint32_t reg = off & ~3u;
    if (reg != kBar0 && reg != kBar2) {
        return; // only the two BARs are writable, as in the kernel sample
    }
    std::uint32_t v = get32(c, reg);
    const unsigned shift = 8 * (off - reg);
    v = (v & ~(0xffu << shift)) | (std::uint32_t(value) << shift);
    put32(c, reg, reg == kBar0 ? decode_bar(v, m.vram().size(), kBarMemPrefetch)
                               : decode_bar(v, kMbochsMmioSize, 0));
}

MbochsMdev &mdev_of(Device &dev)
{
    return dev.vendor_state<MbochsMdev>();
}

bool overlaps(std::uint64_t offset, std::size_t size, std::uint32_t begin, std::uint32_t end)
{
    return offset < end && offset + size > begin;
}

bool inside(std::uint64_t offset, std::size_t size, std::uint32_t begin, std::uint32_t end)
{
    return offset >= begin && offset + size <= end;
}

// One access to the MMIO BAR; `rdata` for a read, `wdata` for a write.
bool mmio_access(Device &dev, MbochsMdev &m, std::uint64_t offset, std::span<std::uint8_t> rdata,
                 std::span<const std::uint8_t> wdata)
{
    const bool is_read = !rdata.empty();
    const std::size_t size = is_read ? rdata.size() : wdata.size();
    const char *what = is_read ? "read" : "write";
    if (offset >= kMbochsMmioSize || size > kMbochsMmioSize - offset) {
        return false;
    }
    if (overlaps(offset, size, kMbochsDispiOffset, kMbochsDispiEnd)) {
        if (size != 2 || !inside(offset, size, kMbochsDispiOffset, kMbochsDispiEnd)) {
            dev.guest_error("mbochs: BAR2: %zu-byte %s at 0x%" PRIx64
                            "; the DISPI registers take 16-bit accesses only",
                            size, what, offset);
            return false;
        }
        const auto index = static_cast<std::uint8_t>((offset - kMbochsDispiOffset) / 2);
        Dispi dispi = m.dispi();
        if (is_read) {
            const std::uint16_t v = dispi.read(index);
            rdata[0] = static_cast<std::uint8_t>(v);
            rdata[1] = static_cast<std::uint8_t>(v >> 8);
            return true;
        }
        const auto v = static_cast<std::uint16_t>(wdata[0] | (wdata[1] << 8));
        if (!dispi.write(index, v)) {
            dev.guest_error("mbochs: DISPI register 0x%x is read-only or 0x%04x is not a "
                            "value it takes",
                            index, v);
        }
        return true;
    }
    if (inside(offset, size, kMbochsEdidOffset, kMbochsEdidEnd)) {
        if (!is_read) {
            dev.guest_error("mbochs: BAR2: write at 0x%" PRIx64 " into the read-only EDID",
                            offset);
            return false;
        }
        const EdidBlock &edid = m.edid();
        for (std::size_t i = 0; i < size; i++) {
            const std::uint64_t at = offset + i;
            rdata[i] = at < edid.size() ? edid[at] : 0;
        }
        return true;
    }
    if (inside(offset, size, kMbochsVgaOffset, kMbochsVgaEnd) ||
        inside(offset, size, kMbochsQextOffset, kMbochsQextEnd)) {
        // Legacy VGA ports and QEMU's extended registers: not implemented;
        // a zero QEXT size register tells a driver they are absent.
        std::fill(rdata.begin(), rdata.end(), 0);
        return true;
    }
    dev.guest_error("mbochs: BAR2: %zu-byte %s at 0x%" PRIx64 " hits no register", size, what,
                    offset);
    std::fill(rdata.begin(), rdata.end(), 0);
    return false;
}

bool config_range_ok(std::uint64_t offset, std::size_t size)
{
    return offset <= MBOCHS_CONFIG_SPACE_SIZE && size <= MBOCHS_CONFIG_SPACE_SIZE - offset;
}

bool vram_range_ok(const MbochsMdev &m, std::uint64_t offset, std::size_t size)
{
    const std::uint64_t vram = std::uint64_t(m.spec().megabytes) << 20;
    return offset <= vram && size <= vram - offset;
}

} // namespace

void mbochs_config_init(MbochsDeviceState &s)
{
    std::uint8_t *c = s.config;
    std::memset(c, 0, MBOCHS_CONFIG_SPACE_SIZE);
    put16(c, kVendorId, kQemuVendor);
    put16(c, kDeviceId, kBochsDisplay);
    put16(c, kCommand, kCommandIoMem);
    c[kRevision] = 0x01;
    put16(c, kClassDevice, kClassDisplayOther);
    put32(c, kBar0, kBarMemPrefetch);
    put32(c, kBar2, 0);
    put16(c, kSubsystemVendorId, kRedHatQumranet);
    put16(c, kSubsystemId, kQemuSubsystem);
}

bool mbochs_config_is_valid(const MbochsDeviceState &s, std::uint64_t vram_size)
{
    MbochsDeviceState fresh;
    mbochs_config_init(fresh);
    const std::uint32_t bar0 = get32(s.config, kBar0);
    const std::uint32_t bar2 = get32(s.config, kBar2);
    if (bar0 != decode_bar(bar0, vram_size, kBarMemPrefetch) ||
        bar2 != decode_bar(bar2, kMbochsMmioSize, 0)) {
        return false;
    }
    put32(fresh.config, kBar0, bar0);
    put32(fresh.config, kBar2, bar2);
    return std::memcmp(fresh.config, s.config, MBOCHS_CONFIG_SPACE_SIZE) == 0;
}

vfio::DeviceInfo MbochsVfioOps::device_info(const Device &) const
{
    return {VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET, VFIO_PCI_NUM_REGIONS,
            VFIO_PCI_NUM_IRQS};
}

std::optional<vfio::RegionInfo> MbochsVfioOps::region_info(const Device &dev,
                                                           std::uint32_t index) const
{
    if (index >= VFIO_PCI_NUM_REGIONS) {
        return std::nullopt;
    }
    constexpr std::uint32_t rw = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
    switch (index) {
    case VFIO_PCI_CONFIG_REGION_INDEX:
        return vfio::RegionInfo{rw, MBOCHS_CONFIG_SPACE_SIZE};
    case VFIO_PCI_BAR0_REGION_INDEX:
        return vfio::RegionInfo{rw | VFIO_REGION_INFO_FLAG_MMAP | vfio::kRegionBarPrefetch,
                                std::uint64_t(dev.vendor_state<MbochsMdev>().spec().megabytes)
                                    << 20};
    case VFIO_PCI_BAR0_REGION_INDEX + 2:
        return vfio::RegionInfo{rw, kMbochsMmioSize};
    default:
        return vfio::RegionInfo{0, 0};
    }
}

std::optional<vfio::IrqInfo> MbochsVfioOps::irq_info(const Device &, std::uint32_t index) const
{
    if (index >= VFIO_PCI_NUM_IRQS) {
        return std::nullopt;
    }
    return vfio::IrqInfo{0, 0}; // a display without interrupts
}

bool MbochsVfioOps::read(Device &dev, std::uint32_t region, std::uint64_t offset,
                         std::span<std::uint8_t> data) const
{
    MbochsMdev &m = mdev_of(dev);
    switch (region) {
    case VFIO_PCI_CONFIG_REGION_INDEX:
        if (!config_range_ok(offset, data.size())) {
            return false;
        }
        std::memcpy(data.data(), m.state().config + offset, data.size());
        return true;
    case VFIO_PCI_BAR0_REGION_INDEX:
        // Where the BAR is not mapped (or through the VFIO fd): the bytes
        // at exactly `offset` of the video memory.
        if (!vram_range_ok(m, offset, data.size())) {
            return false;
        }
        std::memcpy(data.data(), m.vram().data() + offset, data.size());
        return true;
    case VFIO_PCI_BAR0_REGION_INDEX + 2:
        if (data.empty()) {
            return false;
        }
        return mmio_access(dev, m, offset, data, {});
    default:
        return false;
    }
}

bool MbochsVfioOps::write(Device &dev, std::uint32_t region, std::uint64_t offset,
                          std::span<const std::uint8_t> data) const
{
    MbochsMdev &m = mdev_of(dev);
    switch (region) {
    case VFIO_PCI_CONFIG_REGION_INDEX:
        if (!config_range_ok(offset, data.size())) {
            return false;
        }
        for (std::size_t i = 0; i < data.size(); i++) {
            config_write_byte(m, static_cast<std::uint32_t>(offset + i), data[i]);
        }
        return true;
    case VFIO_PCI_BAR0_REGION_INDEX:
        if (!vram_range_ok(m, offset, data.size())) {
            return false;
        }
        std::memcpy(m.vram().data() + offset, data.data(), data.size());
        return true;
    case VFIO_PCI_BAR0_REGION_INDEX + 2:
        if (data.empty()) {
            return false;
        }
        return mmio_access(dev, m, offset, {}, data);
    default:
        return false;
    }
}

bool MbochsVfioOps::set_irqs(Device &, std::uint32_t, vfio::IrqSink *) const
{
    return false;
}

void MbochsVfioOps::reset(Device &dev) const
{
    MbochsMdev &m = mdev_of(dev);
    mbochs_config_init(m.state());
    m.reset();
}

std::span<std::uint8_t> MbochsVfioOps::mmap(Device &dev, std::uint32_t region) const
{
    return region == VFIO_PCI_BAR0_REGION_INDEX ? mdev_of(dev).vram() : std::span<std::uint8_t>{};
}

std::optional<vfio::GfxPlane> MbochsVfioOps::query_gfx_plane(Device &dev) const
{
    return mdev_of(dev).dispi().primary_plane();
}

} // namespace mdev::samples
