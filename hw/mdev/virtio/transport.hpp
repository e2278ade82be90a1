// SPDX-License-Identifier: GPL-2.0-or-later
// The virtio frontend's model of a virtio-pci modern (virtio 1.x) function
// over an mdev's virtio ops: the registers of the common, notify, ISR and
// device-config structures, every guest access to them checked before the
// device sees it, and the device's interrupts routed to MSI-X vectors or
// INTx. It knows nothing of QEMU (a host maps the BARs and builds the
// capability list from the layout of pci_caps.hpp: QEMU's glue, the
// vfio-user server) and nothing of any particular device.
#pragma once

#include "hw/mdev/device.hpp"
#include "hw/mdev/error.hpp"
#include "hw/mdev/host.hpp"
#include "hw/mdev/capi/virtio-pci.h"
#include "hw/mdev/virtio_ops.hpp"
#include "virtio/virtio_faults.hpp"

#include <array>
#include <cstdint>
#include <linux/virtio_pci.h>
#include <memory>

namespace mdev::virtio {

// Queues and vectors this transport models; qemu-mdev's own limit, not ABI.
inline constexpr unsigned kMaxQueues = MDEV_VIRTIO_MAX_QUEUES;
static_assert(MDEV_VIRTIO_NO_VECTOR == VIRTIO_MSI_NO_VECTOR);

// The common configuration structure's field offsets are <linux/virtio_pci.h>'s
// VIRTIO_PCI_COMMON_* (the driver's "guest feature" is GF, the driver area
// AVAIL and the device area USED there); its size is the glue's cap length.
static_assert(MDEV_VIRTIO_COMMON_SIZE == sizeof(struct virtio_pci_common_cfg));

// ISR status bits (virtio 1.x §4.1.4.5). <linux/virtio_pci.h> names only the
// config-change bit (VIRTIO_PCI_ISR_CONFIG); the queue bit has no name there.
inline constexpr std::uint8_t kIsrQueue = 1;

class Transport : public FrontendState {
public:
    // Refuses a device that is not of class virtio, has device id 0 or one
    // outside the modern PCI range, or no host.
    static Result<std::unique_ptr<Transport>> create(Device &dev);
    ~Transport() override;

    const MdevVirtioIdentity &identity() const { return identity_; }
    std::uint16_t num_queues() const { return num_queues_; }
    // Config vector plus one per queue.
    std::uint16_t num_vectors() const { return std::uint16_t(num_queues_ + 1); }
    MdevVirtioTransportState &state() { return state_; }

    // A guest access anywhere in the structure BAR. Bad sizes, offsets
    // between structures or past one are guest errors: logged, reads
    // return 0, writes are dropped.
    std::uint64_t bar_read(std::uint64_t offset, unsigned size);
    void bar_write(std::uint64_t offset, std::uint64_t value, unsigned size);

    void set_msix_enabled(bool enabled);

    // VIRTIO_F_ACCESS_PLATFORM (virtio 1.x §6.1), which the transport, not
    // the device, implements: offered only when the machine asks for it
    // (virtio-pci's iommu_platform=on), set before the guest runs. Offered,
    // it is required: FEATURES_OK is refused without it, as QEMU's
    // virtio-pci does, so a driver cannot step around the guest's IOMMU by
    // leaving it out.
    void set_access_platform(bool offered) { access_platform_ = offered; }
    bool access_platform() const { return access_platform_; }
    // The features the driver sees: the device's, plus ACCESS_PLATFORM
    // when offered.
    std::uint64_t offered_features() const;
    // Whether the driver negotiated ACCESS_PLATFORM (FEATURES_OK with it):
    // then the addresses in its rings and buffers are I/O virtual
    // addresses, which the machine translates through the function's IOMMU;
    // otherwise they are guest-physical.
    bool dma_translated() const;

    // Device reset: what writing 0 to device_status does, also on system reset.
    void reset();
    // Checks an incoming state and reconnects what it implies; false if it
    // is not one this device could have reached.
    bool post_load();

    // The device's interrupts (through the callbacks given to the ops).
    void queue_interrupt(std::uint16_t idx);
    void config_interrupt();

private:
    struct Token {
        explicit Token() = default;
    };

    class QueueCallback final : public Callback {
    public:
        void notify() override { transport->queue_interrupt(index); }
        Transport *transport = nullptr;
        std::uint16_t index = 0;
    };
    class ConfigCallback final : public Callback {
    public:
        void notify() override { transport->config_interrupt(); }
        Transport *transport = nullptr;
    };

public:
    Transport(Token, Device &dev, const VirtioOps &ops, Host &host);

private:
    Status discover();
    void reset_registers();

    std::uint64_t common_read(std::uint32_t offset, unsigned size);
    void common_write(std::uint32_t offset, std::uint32_t value, unsigned size);
    bool common_access_ok(std::uint32_t offset, unsigned size, bool write);
    std::uint8_t isr_read(std::uint64_t offset, unsigned size);
    std::uint64_t device_config_read(std::uint64_t offset, unsigned size);
    void device_config_write(std::uint64_t offset, std::uint64_t value, unsigned size);
    bool device_config_access_ok(std::uint64_t offset, unsigned size, const char *what);
    void notify_write(std::uint64_t offset, unsigned size);

    std::uint64_t device_features(std::uint64_t accepted) const;
    void write_status(std::uint8_t status);
    void enable_queue(std::uint16_t idx);
    MdevVirtioQueueState *selected_queue();
    void update_intx();

    Device &dev_;
    const VirtioOps &ops_;
    Host &host_;
    MdevVirtioIdentity identity_{};
    std::uint16_t num_queues_ = 0;
    std::array<std::uint16_t, kMaxQueues> queue_max_{};
    MdevVirtioTransportState state_{};
    std::array<QueueCallback, kMaxQueues> queue_cb_{};
    ConfigCallback config_cb_{};
    bool intx_level_ = false;
    // Fault injection (virtio_faults.hpp): needs-reset holds
    // DEVICE_NEEDS_RESET in device_status until the next reset.
    VirtioFaults faults_{};
    bool faults_declared_ = false;
    bool needs_reset_ = false;
    bool access_platform_ = false;
};

} // namespace mdev::virtio
