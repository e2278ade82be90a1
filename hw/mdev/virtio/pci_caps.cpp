// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtio/pci_caps.hpp"

#include "hw/mdev/le_bytes.hpp"

#include <algorithm>
#include <cstddef>
#include <linux/pci_regs.h>
#include <linux/virtio_pci.h>

namespace mdev::virtio {

namespace {

// virtio 1.x §4.1.4: the members of struct virtio_pci_cap and of its
// notify and configuration-access extensions, from the kernel's UAPI header.
constexpr std::size_t kCapLen = offsetof(virtio_pci_cap, cap_len);
constexpr std::size_t kCfgType = offsetof(virtio_pci_cap, cfg_type);
constexpr std::size_t kBar = offsetof(virtio_pci_cap, bar);
constexpr std::size_t kId = offsetof(virtio_pci_cap, id);
constexpr std::size_t kOffset = offsetof(virtio_pci_cap, offset);
constexpr std::size_t kLength = offsetof(virtio_pci_cap, length);
constexpr std::size_t kMultiplier = offsetof(virtio_pci_notify_cap, notify_off_multiplier);
constexpr std::size_t kCfgData = offsetof(virtio_pci_cfg_cap, pci_cfg_data);
static_assert(kCapLen == PCI_CAP_FLAGS);

std::uint8_t cap_size(std::uint8_t cfg_type)
{
    switch (cfg_type) {
    case VIRTIO_PCI_CAP_NOTIFY_CFG:
        return sizeof(virtio_pci_notify_cap);
    case VIRTIO_PCI_CAP_PCI_CFG:
        return sizeof(virtio_pci_cfg_cap);
    default:
        return sizeof(virtio_pci_cap);
    }
}

void put32(std::span<std::uint8_t> bytes, std::size_t at, std::uint32_t value)
{
    store_le(bytes.subspan(at, 4), value);
}

} // namespace

MdevVirtioCapLayout cap_layout(const MdevVirtioIdentity &id)
{
    MdevVirtioCapLayout l{};
    unsigned pos = PCI_STD_HEADER_SIZEOF;
    auto add = [&](std::uint8_t type, std::uint32_t offset, std::uint32_t length,
                   std::uint32_t multiplier) {
        MdevVirtioCap &c = l.cap[l.count++];
        c.pos = std::uint8_t(pos);
        c.cfg_type = type;
        c.len = cap_size(type);
        c.bar = MDEV_VIRTIO_STRUCT_BAR;
        c.offset = offset;
        c.length = length;
        c.notify_off_multiplier = multiplier;
        pos = (pos + c.len + 3) & ~3u;
        return c.pos;
    };
    const std::uint32_t cfg_size = std::min<std::uint32_t>(id.config_size, MDEV_VIRTIO_PAGE);
    // One doorbell per queue (queue_notify_off = index); a device with no
    // queue still gets one, as a zero-length structure is not allowed.
    const std::uint32_t notify_len =
        std::max<std::uint32_t>(id.num_queues, 1) * MDEV_VIRTIO_NOTIFY_MULTIPLIER;
    add(VIRTIO_PCI_CAP_COMMON_CFG, MDEV_VIRTIO_COMMON_OFFSET, MDEV_VIRTIO_COMMON_SIZE, 0);
    add(VIRTIO_PCI_CAP_ISR_CFG, MDEV_VIRTIO_ISR_OFFSET, MDEV_VIRTIO_ISR_SIZE, 0);
    if (cfg_size) {
        add(VIRTIO_PCI_CAP_DEVICE_CFG, MDEV_VIRTIO_DEVICE_OFFSET, cfg_size, 0);
    }
    add(VIRTIO_PCI_CAP_NOTIFY_CFG, MDEV_VIRTIO_NOTIFY_OFFSET, notify_len,
        MDEV_VIRTIO_NOTIFY_MULTIPLIER);
    // bar, offset and length are the driver's to set (§4.1.4.8).
    l.cfg_cap = add(VIRTIO_PCI_CAP_PCI_CFG, 0, 0, 0);
    l.msix_pos = std::uint8_t(pos);
    return l;
}

void cap_bytes(const MdevVirtioCap &cap, std::span<std::uint8_t> body,
               std::span<std::uint8_t> write_mask)
{
    // Offsets below are from the capability's start; the spans start at
    // PCI_CAP_FLAGS.
    auto at = [](std::size_t member) { return member - kCapLen; };
    std::fill(body.begin(), body.end(), 0);
    std::fill(write_mask.begin(), write_mask.end(), 0);
    body[at(kCapLen)] = cap.len;
    body[at(kCfgType)] = cap.cfg_type;
    body[at(kBar)] = cap.bar;
    body[at(kId)] = 0;
    put32(body, at(kOffset), cap.offset);
    put32(body, at(kLength), cap.length);
    if (cap.cfg_type == VIRTIO_PCI_CAP_NOTIFY_CFG) {
        put32(body, at(kMultiplier), cap.notify_off_multiplier);
    }
    if (cap.cfg_type == VIRTIO_PCI_CAP_PCI_CFG) {
        write_mask[at(kBar)] = 0xff;
        put32(write_mask, at(kOffset), 0xffffffff);
        put32(write_mask, at(kLength), 0xffffffff);
        put32(write_mask, at(kCfgData), 0xffffffff);
    }
}

bool cfg_window(std::span<const std::uint8_t> cap, MdevVirtioCfgWindow &out)
{
    out.bar = cap[kBar];
    out.offset = std::uint32_t(load_le(cap.subspan(kOffset, 4)));
    out.length = std::uint32_t(load_le(cap.subspan(kLength, 4)));
    return out.bar == MDEV_VIRTIO_STRUCT_BAR &&
           (out.length == 1 || out.length == 2 || out.length == 4) &&
           out.offset % out.length == 0 && out.offset < MDEV_VIRTIO_STRUCT_BAR_SIZE;
}

} // namespace mdev::virtio
