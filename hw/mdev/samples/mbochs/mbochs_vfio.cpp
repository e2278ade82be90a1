// SPDX-License-Identifier: GPL-2.0-or-later
#include "samples/mbochs/mbochs_vfio.hpp"
#include "hw/mdev/pci_config.hpp"

#include "hw/mdev/device.hpp"
#include "samples/mbochs/mbochs.hpp"

#include <algorithm>
#include <cinttypes>

#include <linux/pci_regs.h>

namespace mdev::samples {

namespace {

constexpr std::uint16_t kQemuVendor = 0x1234;
constexpr std::uint16_t kBochsDisplay = 0x1111;
constexpr std::uint16_t kRedHatQumranet = 0x1af4;
constexpr std::uint16_t kQemuSubsystem = 0x1100;
constexpr std::uint16_t kClassDisplayOther = 0x0380; // the kernel's PCI_CLASS_DISPLAY_OTHER
constexpr std::uint8_t kRevision = 0x01;
constexpr std::uint32_t kMmioBar = 2;

// As the kernel sample: the command register reads IO|MEM and, like every
// byte but the two BARs' address bits, is read-only here (QEMU's PCI core
// keeps the command register the guest sees).
vfio::PciConfig config_of(std::uint64_t vram_size)
{
    return vfio::PciConfigBuilder()
        .ids(kQemuVendor, kBochsDisplay)
        .command(PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 0)
        .revision(kRevision)
        .class_code(kClassDisplayOther)
        .subsystem(kRedHatQumranet, kQemuSubsystem)
        .bar(0, vfio::PciBar::ram32(vram_size))        // the video memory: never traps
        .bar(kMmioBar, vfio::PciBar::mem32(kMbochsMmioSize)) // MMIO, trapped
        .build_or_abort();
}

std::uint64_t vram_size_of(const MbochsMdev &m)
{
    return std::uint64_t(m.spec().megabytes) << 20;
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

// A guest access to DISPI register `index`. The register file traces it by
// the register's name (mdev_reg_read/mdev_reg_write, with the UUID) and
// logs a refused write, naming the register and why.
// Always inlined: BAR2's direct handlers are little more than these.
[[gnu::always_inline]] inline std::uint16_t dispi_read(const Device &dev, MbochsMdev &m,
                                                       std::uint8_t index)
{
    return m.dispi().guest_read(2u * index, dev.host(), dev.uuid_text());
}

[[gnu::always_inline]] inline void dispi_write(Device &dev, MbochsMdev &m, std::uint8_t index,
                                               std::uint16_t v)
{
    m.dispi().guest_write(2u * index, v, dev.host(), dev.uuid_text());
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
        if (is_read) {
            const std::uint16_t v = dispi_read(dev, m, index);
            rdata[0] = static_cast<std::uint8_t>(v);
            rdata[1] = static_cast<std::uint8_t>(v >> 8);
            return true;
        }
        dispi_write(dev, m, index, static_cast<std::uint16_t>(wdata[0] | (wdata[1] << 8)));
        return true;
    }
    if (inside(offset, size, kMbochsEdidOffset, kMbochsEdidEnd)) {
        if (!is_read) {
            dev.guest_error("mbochs: BAR2: write at 0x%" PRIx64 " into the read-only EDID",
                            offset);
            return false;
        }
        const std::span<const std::uint8_t> edid = m.edid().blob();
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

// BAR2's direct handlers. The machine hands them 16-bit accesses only
// (min_size = max_size = 2, aligned), as QEMU's bochs-display takes its
// DISPI registers, and adapts other guest accesses as it does there: a
// byte access is widened to 16 bits at the same offset (a read gets the
// low byte of register (offset - 0x500) / 2, a write stores the byte
// zero-extended into it), a 32-bit one is split into two registers, a
// misaligned one never arrives. EDID bytes and the absent VGA and QEMU
// extended registers go through mmio_access(), two bytes at a time.
std::uint64_t mmio_read(void *opaque, std::uint64_t offset, unsigned size)
{
    const MbochsMdev::MmioHandle &h = *static_cast<const MbochsMdev::MmioHandle *>(opaque);
    if (offset - kMbochsDispiOffset < kMbochsDispiEnd - kMbochsDispiOffset) {
        return dispi_read(*h.dev, *h.mdev,
                          static_cast<std::uint8_t>((offset - kMbochsDispiOffset) / 2));
    }
    std::uint8_t buf[2] = {};
    if (!mmio_access(*h.dev, *h.mdev, offset, std::span(buf, size), {})) {
        return 0xffff; // no register here: as an unassigned I/O read
    }
    return buf[0] | (buf[1] << 8);
}

void mmio_write(void *opaque, std::uint64_t offset, std::uint64_t value, unsigned size)
{
    const MbochsMdev::MmioHandle &h = *static_cast<const MbochsMdev::MmioHandle *>(opaque);
    if (offset - kMbochsDispiOffset < kMbochsDispiEnd - kMbochsDispiOffset) {
        dispi_write(*h.dev, *h.mdev, static_cast<std::uint8_t>((offset - kMbochsDispiOffset) / 2),
                    static_cast<std::uint16_t>(value));
        return;
    }
    const std::uint8_t buf[2] = {static_cast<std::uint8_t>(value),
                                 static_cast<std::uint8_t>(value >> 8)};
    mmio_access(*h.dev, *h.mdev, offset, {}, std::span(buf, size));
}

} // namespace

void mbochs_config_init(MbochsDeviceState &s, std::uint64_t vram_size)
{
    config_of(vram_size).reset(s.config);
}

bool mbochs_config_is_valid(const MbochsDeviceState &s, std::uint64_t vram_size)
{
    return config_of(vram_size).reachable(s.config);
}

vfio::PciConfig MbochsVfioOps::pci_config(const Device &dev) const
{
    return config_of(vram_size_of(dev.vendor_state<MbochsMdev>()));
}

std::optional<vfio::PciConfig::Bytes> MbochsVfioOps::config_state(Device &dev) const
{
    return vfio::PciConfig::Bytes(mdev_of(dev).state().config);
}

// BAR2, the only BAR that traps.
vfio::BarAccessor MbochsVfioOps::bar_accessor(Device &dev, unsigned) const
{
    MbochsMdev &m = mdev_of(dev);
    m.mmio_handle() = MbochsMdev::MmioHandle{&dev, &m};
    return vfio::BarAccessor{.read = mmio_read,
                             .write = mmio_write,
                             .opaque = &m.mmio_handle(),
                             .min_size = 2,
                             .max_size = 2,
                             .unaligned = false};
}

// The frontend has put the config space back to its power-on bytes.
void MbochsVfioOps::reset(Device &dev) const
{
    mdev_of(dev).reset();
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
