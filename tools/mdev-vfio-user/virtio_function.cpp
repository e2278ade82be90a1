// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtio_function.hpp"

#include "hw/mdev/le_bytes.hpp"
#include "virtio/pci_caps.hpp"
#include "virtio/transport.hpp"
#include "virtio/virtio_driver.hpp"

#include <cstdio>
#include <linux/pci_regs.h>
#include <linux/virtio_pci.h>

namespace mdev::vfio_user {

namespace {

// PCI_COMMAND bits a driver may set (the rest read 0, as on a function
// without them).
constexpr std::uint16_t kCommandWritable = PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
                                           PCI_COMMAND_MASTER | PCI_COMMAND_PARITY |
                                           PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE;

// MSI-X Message Control bits the server keeps: the client emulates the
// capability and writes the guest's value through.
constexpr std::uint16_t kMsixControl = PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL;

constexpr std::uint32_t kCfgData = offsetof(virtio_pci_cfg_cap, pci_cfg_data);

static_assert((MDEV_VIRTIO_MAX_QUEUES + 1) * PCI_MSIX_ENTRY_SIZE <= MDEV_VIRTIO_MSIX_PBA_OFFSET,
              "the MSI-X table of the most vectors fits below the PBA");

// The widest naturally aligned access of at most `left` bytes at `offset`.
unsigned piece(std::uint64_t offset, std::size_t left, unsigned widest)
{
    for (unsigned size = widest; size > 1; size /= 2) {
        if (offset % size == 0 && left >= size) {
            return size;
        }
    }
    return 1;
}

vfio::PciConfig build_config(const virtio::Transport &t)
{
    const MdevVirtioIdentity &id = t.identity();
    const MdevVirtioCapLayout layout = virtio::cap_layout(id);
    vfio::PciConfigBuilder b;
    b.ids(id.vendor_id, id.device_id)
        .revision(id.revision)
        .class_code(id.class_code)
        .subsystem(id.subsystem_vendor_id, id.subsystem_id)
        .command(0, kCommandWritable)
        .interrupt_pin(1) // INTA#, the fallback without MSI-X
        .bar(MDEV_VIRTIO_MSIX_BAR, vfio::PciBar::mem32(MDEV_VIRTIO_MSIX_BAR_SIZE))
        .bar(MDEV_VIRTIO_STRUCT_BAR,
             vfio::PciBar{vfio::PciBar::Kind::mem64, true, MDEV_VIRTIO_STRUCT_BAR_SIZE});
    std::array<std::uint8_t, vfio::PciConfig::kSize> body{};
    std::array<std::uint8_t, vfio::PciConfig::kSize> mask{};
    for (unsigned i = 0; i < layout.count; i++) {
        const MdevVirtioCap &c = layout.cap[i];
        const std::size_t n = c.len - PCI_CAP_FLAGS;
        virtio::cap_bytes(c, {body.data(), n}, {mask.data(), n});
        b.add_capability(PCI_CAP_ID_VNDR, {body.data(), n}, {mask.data(), n});
    }
    b.msix(t.num_vectors(), MDEV_VIRTIO_MSIX_BAR, MDEV_VIRTIO_MSIX_TABLE_OFFSET,
           MDEV_VIRTIO_MSIX_BAR, MDEV_VIRTIO_MSIX_PBA_OFFSET);
    // The layout is fixed in the source: a refusal is a bug here.
    return b.build_or_abort();
}

} // namespace

std::unique_ptr<VirtioFunction> VirtioFunction::of(Device &dev)
{
    virtio::Transport *t = virtio::transport(dev);
    return t ? std::make_unique<VirtioFunction>(dev, *t) : nullptr;
}

VirtioFunction::VirtioFunction(Device &dev, virtio::Transport &transport)
    : dev_(dev), transport_(transport), config_(build_config(transport))
{
    const MdevVirtioCapLayout layout = virtio::cap_layout(transport.identity());
    msix_cap_ = config_.capability(PCI_CAP_ID_MSIX).value_or(0);
    cfg_cap_ = layout.cfg_cap;
    // The builder places capabilities as the layout does (0x40 upwards, in
    // order): the same offsets as inside our QEMU.
    if (msix_cap_ != layout.msix_pos) {
        std::fprintf(stderr, "virtio function: MSI-X at 0x%x, the layout says 0x%x\n", msix_cap_,
                     layout.msix_pos);
        std::abort();
    }
    config_.reset(live_);
}

std::uint32_t VirtioFunction::msix_vectors() const
{
    return transport_.num_vectors();
}

bool VirtioFunction::bus_master() const
{
    return load_le({live_.data() + PCI_COMMAND, 2}) & PCI_COMMAND_MASTER;
}

bool VirtioFunction::dma_translated() const
{
    return transport_.dma_translated();
}

void VirtioFunction::set_access_platform(bool offered)
{
    transport_.set_access_platform(offered);
}

void VirtioFunction::reset()
{
    config_.reset(live_);
    transport_.set_msix_enabled(false);
    transport_.reset();
}

bool VirtioFunction::touches(std::uint32_t offset, unsigned size, std::uint32_t at,
                             unsigned len) const
{
    return offset < at + len && at < offset + size;
}

bool VirtioFunction::cfg_window(std::uint32_t *offset, unsigned *size, bool write)
{
    MdevVirtioCfgWindow w{};
    if (!virtio::cfg_window({live_.data() + cfg_cap_, sizeof(virtio_pci_cfg_cap)}, w)) {
        dev_.guest_error("virtio: PCI cfg access %s of BAR%u offset 0x%x length %u: not a "
                         "1/2/4-byte aligned access inside BAR%u",
                         write ? "write" : "read", w.bar, w.offset, w.length,
                         MDEV_VIRTIO_STRUCT_BAR);
        return false;
    }
    *offset = w.offset;
    *size = w.length;
    return true;
}

std::uint32_t VirtioFunction::config_read(std::uint32_t offset, unsigned size, bool guest)
{
    // pci_cfg_data reads the structure BAR through the window (§4.1.4.8),
    // when the guest reads it; the client's own reads of the whole space
    // (at realize and reset) see the last value.
    std::uint32_t off = 0;
    unsigned len = 0;
    if (guest && touches(offset, size, cfg_cap_ + kCfgData, 4)) {
        const std::uint32_t value = cfg_window(&off, &len, false)
                                        ? std::uint32_t(transport_.bar_read(off, len))
                                        : 0;
        store_le({live_.data() + cfg_cap_ + kCfgData, 4}, value);
    }
    std::array<std::uint8_t, 4> out{};
    (void)config_.read(live_, offset, {out.data(), size});
    return std::uint32_t(load_le({out.data(), size}));
}

void VirtioFunction::config_write(std::uint32_t offset, std::uint32_t value, unsigned size)
{
    std::array<std::uint8_t, 4> in{};
    store_le({in.data(), size}, value);
    (void)config_.write(live_, offset, {in.data(), size});

    // MSI-X Message Control: read-only in the description (the frontend
    // inside our QEMU leaves it to QEMU's PCI core); Enable and Function
    // Mask are kept here and Enable tells the transport where interrupts go.
    const std::uint32_t control = msix_cap_ + PCI_MSIX_FLAGS;
    if (msix_cap_ && touches(offset, size, control, 2)) {
        std::uint16_t now = std::uint16_t(load_le({live_.data() + control, 2}));
        for (unsigned i = 0; i < size; i++) {
            const std::uint32_t at = offset + i;
            if (at == control || at == control + 1) {
                const unsigned shift = 8 * (at - control);
                const std::uint16_t mask = std::uint16_t((kMsixControl >> shift) & 0xff) << shift;
                const std::uint16_t byte = std::uint16_t(((value >> (8 * i)) & 0xff) << shift);
                now = std::uint16_t((now & ~mask) | (byte & mask));
            }
        }
        store_le({live_.data() + control, 2}, now);
        transport_.set_msix_enabled(now & PCI_MSIX_FLAGS_ENABLE);
    }

    std::uint32_t off = 0;
    unsigned len = 0;
    if (touches(offset, size, cfg_cap_ + kCfgData, 4) && cfg_window(&off, &len, true)) {
        const std::uint32_t data = std::uint32_t(load_le({live_.data() + cfg_cap_ + kCfgData, 4}));
        transport_.bar_write(off, len == 4 ? data : data & ((1u << (8 * len)) - 1), len);
    }
}

bool VirtioFunction::config_access(std::uint64_t offset, std::span<std::uint8_t> data, bool write)
{
    if (data.empty() || offset > vfio::PciConfig::kSize ||
        data.size() > vfio::PciConfig::kSize - offset) {
        return false;
    }
    // vfio-pci forwards each guest config access as it came: 1, 2 or 4
    // bytes. Longer ones are the client's own (it reads the whole space).
    const bool guest = data.size() <= 4;
    for (std::size_t done = 0; done < data.size();) {
        const std::uint32_t off = std::uint32_t(offset + done);
        const unsigned size = piece(off, data.size() - done, 4);
        std::span<std::uint8_t> bytes = data.subspan(done, size);
        if (write) {
            config_write(off, std::uint32_t(load_le(bytes)), size);
        } else {
            store_le(bytes, config_read(off, size, guest));
        }
        done += size;
    }
    return true;
}

bool VirtioFunction::bar_access(unsigned bar, std::uint64_t offset, std::span<std::uint8_t> data,
                                bool write)
{
    const std::uint64_t bar_size = config_.bar(bar).size;
    if (bar_size == 0 || data.empty() || offset > bar_size || data.size() > bar_size - offset) {
        return false;
    }
    const std::size_t n = data.size();
    for (std::size_t done = 0; done < n;) {
        const std::uint64_t off = offset + done;
        const std::size_t left = n - done;
        const unsigned size = done == 0 && (n == 1 || n == 2 || n == 4 || n == 8)
                                  ? unsigned(n)
                                  : piece(off, left, 8);
        std::span<std::uint8_t> bytes = data.subspan(done, size);
        if (bar == MDEV_VIRTIO_STRUCT_BAR) {
            if (write) {
                transport_.bar_write(off, load_le(bytes), size);
            } else {
                store_le(bytes, transport_.bar_read(off, size));
            }
        } else if (!write) {
            // The MSI-X BAR: the client keeps the table (it never forwards
            // the guest's accesses to it) and forwards PBA reads. Pending
            // bits are the client's too (it holds the masks), so here
            // nothing is pending.
            store_le(bytes, 0);
        }
        done += size;
    }
    return true;
}

} // namespace mdev::vfio_user
