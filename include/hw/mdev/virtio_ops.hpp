// SPDX-License-Identifier: GPL-2.0-or-later
// The virtio class: the ops a parent implements so that its mdevs can be
// driven by a virtio transport (the series' virtio_mdev_device_ops, which
// became vDPA's vdpa_config_ops). The device reaches guest memory only
// through the Host's checked DMA calls (host.hpp) and raises interrupts only
// through the callbacks the transport hands it. Status bits and feature
// numbers are <linux/virtio_config.h>'s (VIRTIO_CONFIG_S_*, VIRTIO_F_*).
#pragma once

#include "hw/mdev/class_ops.hpp"

#include <cstddef>
#include <cstdint>
#include <linux/virtio_config.h>
#include <span>

namespace mdev {
class Device;
}

namespace mdev::virtio {

// An interrupt the device raises: one per virtqueue, one for config changes
// (the series' vq callback and config callback).
class Callback {
public:
    virtual ~Callback() = default;
    virtual void notify() = 0;
};

// The virtio class's `drop-used` fault (docs/fault-injection.md): the
// transport declares it for every mdev of the class, and the device's ring
// code checks it where it publishes a used entry (the samples' vring walker,
// samples/common/vring_device.hpp): the entry is not written and the used
// index not advanced. Its one parameter, "queue" (int), is at this index.
inline constexpr const char *kDropUsedFault = "drop-used";
inline constexpr std::size_t kDropUsedQueue = 0;

class VirtioOps {
public:
    virtual ~VirtioOps() = default;

    // The transport bound / unbound the device (the virtio driver's probe
    // and remove): where a parent declares its own faults in
    // dev.faults() and, on release, removes the actions and holds it set.
    virtual void open(Device &) const {}
    virtual void release(Device &) const {}

    // Identity: device id 0 means "no device" (the transport refuses it).
    virtual std::uint32_t get_device_id(const Device &dev) const = 0;
    virtual std::uint32_t get_vendor_id(const Device &dev) const = 0;

    // Feature negotiation. set_features may refuse a set (e.g. one without
    // VERSION_1); the transport then does not set FEATURES_OK.
    virtual std::uint64_t get_features(const Device &dev) const = 0;
    virtual bool set_features(Device &dev, std::uint64_t features) const = 0;

    // Status byte; writing 0 resets the device (queues, features, status).
    virtual std::uint8_t get_status(const Device &dev) const = 0;
    virtual void set_status(Device &dev, std::uint8_t status) const = 0;

    // Device-specific configuration space and its generation counter.
    virtual std::uint32_t get_config_size(const Device &dev) const = 0;
    virtual void get_config(const Device &dev, std::uint32_t offset,
                            std::span<std::uint8_t> out) const = 0;
    virtual void set_config(Device &dev, std::uint32_t offset,
                            std::span<const std::uint8_t> in) const = 0;
    virtual std::uint32_t get_generation(const Device &) const { return 0; }
    virtual void set_config_cb(Device &dev, Callback *cb) const = 0;

    // Virtqueues. get_vq_num_max() == 0 means there is no queue `idx`.
    virtual std::uint16_t get_vq_num_max(const Device &dev, std::uint16_t idx) const = 0;
    virtual void set_vq_num(Device &dev, std::uint16_t idx, std::uint16_t num) const = 0;
    virtual void set_vq_address(Device &dev, std::uint16_t idx, std::uint64_t desc_area,
                                std::uint64_t driver_area, std::uint64_t device_area) const = 0;
    virtual void set_vq_ready(Device &dev, std::uint16_t idx, bool ready) const = 0;
    virtual bool get_vq_ready(const Device &dev, std::uint16_t idx) const = 0;
    virtual void set_vq_cb(Device &dev, std::uint16_t idx, Callback *cb) const = 0;
    virtual void kick_vq(Device &dev, std::uint16_t idx) const = 0;
    // The last available index the device consumed (for migration).
    virtual void set_vq_state(Device &dev, std::uint16_t idx, std::uint16_t avail_idx) const = 0;
    virtual std::uint16_t get_vq_state(const Device &dev, std::uint16_t idx) const = 0;
    virtual std::uint32_t get_vq_align(const Device &) const { return 4096; }
};

} // namespace mdev::virtio
