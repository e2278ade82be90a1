// SPDX-License-Identifier: GPL-2.0-or-later
// What the virtio faces of the samples share: the status byte, the
// negotiated features, the split virtqueues and the transport's callbacks,
// with the ops that only store them (vDPA's simulator keeps the same). A
// sample says where its state lives (view()), what a reset clears beyond
// this, and what runs when the driver kicks or the device becomes live.
#pragma once

#include "hw/mdev/device.hpp"
#include "hw/mdev/virtio_ops.hpp"
#include "samples/common/vring_device.hpp"

#include <cstdint>
#include <span>

namespace mdev::samples {

// The parts of a sample's state the shared ops work on, by reference.
struct VirtioView {
    std::uint8_t &status;
    std::uint64_t &features;
    std::span<VringState> vqs;
    std::span<virtio::Callback *> vq_cbs; // one per queue
    virtio::Callback *&config_cb;
};

class VirtioSampleOps : public virtio::VirtioOps {
public:
    std::uint8_t get_status(const Device &dev) const override;
    void set_status(Device &dev, std::uint8_t status) const override;
    void set_config_cb(Device &dev, virtio::Callback *cb) const override;
    void set_vq_num(Device &dev, std::uint16_t idx, std::uint16_t num) const override;
    void set_vq_address(Device &dev, std::uint16_t idx, std::uint64_t desc_area,
                        std::uint64_t driver_area, std::uint64_t device_area) const override;
    void set_vq_ready(Device &dev, std::uint16_t idx, bool ready) const override;
    bool get_vq_ready(const Device &dev, std::uint16_t idx) const override;
    void set_vq_cb(Device &dev, std::uint16_t idx, virtio::Callback *cb) const override;
    void kick_vq(Device &dev, std::uint16_t idx) const override;
    void set_vq_state(Device &dev, std::uint16_t idx, std::uint16_t avail_idx) const override;
    std::uint16_t get_vq_state(const Device &dev, std::uint16_t idx) const override;

    // The datapath may run: DRIVER_OK set, NEEDS_RESET not.
    static bool live(std::uint8_t status);

protected:
    virtual VirtioView view(Device &dev) const = 0;
    // Clears the sample's own state on a reset (status, features and queues
    // are already at their power-on values).
    virtual void reset_device(Device &dev) const = 0;
    // Runs the device after a kick or when it becomes live; does a bounded
    // amount of work. False: the driver broke a ring (the walker said why).
    virtual bool run(Device &dev) const = 0;

    // A walker for queue `idx` (which must exist) over the device's host.
    VringDevice ring(Device &dev, std::uint16_t idx, const char *name) const;
    // After the guest broke a ring: NEEDS_RESET and a config interrupt
    // (virtio 1.x §2.1.2), once.
    void needs_reset(Device &dev) const;
    // run() and, if it failed, needs_reset() -- unless the device was reset
    // while it ran (its own MSI or a nested access did it): that failure
    // was a stale walk stopping, not the new driver's doing.
    void drive(Device &dev) const;
    // Changes whenever any queue of the device is reset.
    std::uint32_t resets(Device &dev) const;
    // Interrupts queue `idx`'s driver if it asked for interrupts and `ring`
    // published an entry (an entry drop-used took gets none).
    void notify_vq(Device &dev, std::uint16_t idx, VringDevice &ring) const;
    // Resets everything: queues to their maximum size, status, features.
    void reset(Device &dev) const;

private:
    bool queue_exists(Device &dev, std::uint16_t idx, const char *what) const;
};

} // namespace mdev::samples
