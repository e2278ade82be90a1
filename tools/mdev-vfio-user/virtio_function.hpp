// SPDX-License-Identifier: GPL-2.0-or-later
// The virtio class served over vfio-user: the modern virtio-pci function
// that the virtio frontend's Transport models (hw/mdev/virtio/transport.hpp),
// as the PCI function a VFIO user sees. Its config space is built here from
// the transport's identity and the capability layout the QEMU glue uses too
// (hw/mdev/virtio/pci_caps.hpp): the vendor-specific virtio capabilities,
// MSI-X, an interrupt pin. The structure BAR (BAR4) traps into
// Transport::bar_read/bar_write; the MSI-X BAR (BAR1) holds a table the
// client keeps itself (as vfio-pci does), so only its PBA reads arrive.
//
// No libvfio-user here: ServedDevice (server.cpp) maps its regions and
// interrupts onto these calls, and unit tests drive them directly.
#pragma once

#include "hw/mdev/device.hpp"
#include "hw/mdev/pci_config.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <span>

namespace mdev::virtio {
class Transport;
}

namespace mdev::vfio_user {

class VirtioFunction {
public:
    // The served function of `dev`: nullptr if the virtio frontend did not
    // bind it (a device of another class).
    static std::unique_ptr<VirtioFunction> of(Device &dev);

    // BAR `index` as the client sees it (size 0: none).
    vfio::PciBar bar(unsigned index) const { return config_.bar(index); }
    std::uint32_t msix_vectors() const;
    // The config space as built (power-on bytes and write masks).
    const vfio::PciConfig &pci_config() const { return config_; }

    // Bus Master Enable, as the client last wrote PCI_COMMAND: the virtio
    // device's DMA is refused without it, as inside our QEMU.
    bool bus_master() const;
    // Whether the driver negotiated ACCESS_PLATFORM: its ring and buffer
    // addresses are then I/O virtual addresses, the space the client's
    // DMA_MAP regions are in behind a vIOMMU; otherwise guest-physical.
    bool dma_translated() const;
    // iommu_platform=on: the transport offers (and requires) ACCESS_PLATFORM.
    void set_access_platform(bool offered);

    // A config-space access of data.size() bytes at `offset`, split into
    // naturally aligned pieces of up to 4 bytes. Writes change only the
    // bits a driver may write; MSI-X Enable and Function Mask are kept
    // here (the client emulates the capability and passes the guest's
    // writes on) and Enable switches the transport between MSI-X vectors
    // and INTx; the configuration access capability's pci_cfg_data reads
    // and writes the structure BAR (reads only in an access of at most 4
    // bytes: a guest's; the client reads the whole space for itself).
    // False, nothing done: outside the 256 bytes, or empty.
    bool config_access(std::uint64_t offset, std::span<std::uint8_t> data, bool write);

    // A BAR access as the client forwards it: 1, 2, 4 or 8 bytes in one
    // piece (the transport judges size and alignment, as inside our QEMU),
    // anything else split into naturally aligned pieces. False, nothing
    // done: no such BAR, or bytes past its end.
    bool bar_access(unsigned bar, std::uint64_t offset, std::span<std::uint8_t> data, bool write);

    // VFIO_USER_DEVICE_RESET: the config space to its power-on bytes
    // (MSI-X off, bus mastering off) and the transport and device reset.
    void reset();

    VirtioFunction(Device &dev, virtio::Transport &transport);

private:
    std::uint32_t config_read(std::uint32_t offset, unsigned size, bool guest);
    void config_write(std::uint32_t offset, std::uint32_t value, unsigned size);
    bool touches(std::uint32_t offset, unsigned size, std::uint32_t at, unsigned len) const;
    bool cfg_window(std::uint32_t *offset, unsigned *size, bool write);

    Device &dev_;
    virtio::Transport &transport_;
    vfio::PciConfig config_;
    std::array<std::uint8_t, vfio::PciConfig::kSize> live_{};
    std::uint8_t msix_cap_ = 0;
    std::uint8_t cfg_cap_ = 0;
};

} // namespace mdev::vfio_user
