// SPDX-License-Identifier: GPL-2.0-or-later
// mtty's virtio face: a virtio-console device (id 3) with one port per UART
// port of the type (mtty-1: one, mtty-2: two), using MULTIPORT (virtio 1.x
// §5.3): control queues c_ivq/c_ovq and the add/ready/name/open protocol.
// Each port loops back what the guest writes to it, like the vfio face's
// UARTs, through a plain byte stream: the TX buffer's bytes go into the
// port's RX buffers as they come (no UART model in the way: a virtio port
// has no baud rate, FIFO or modem lines to emulate). Without MULTIPORT the
// device is a single console port 0.
#pragma once

#include "hw/mdev/virtio_ops.hpp"
#include "samples/mtty/mtty_virtio_state.hpp"
#include "samples/common/virtio_sample.hpp"

#include <array>
#include <linux/virtio_console.h>
#include <linux/virtio_ids.h>

namespace mdev::samples {

// virtio-console's ABI is <linux/virtio_console.h>'s (VIRTIO_CONSOLE_F_*,
// the control events, struct virtio_console_control and _config). It has no
// names for the queue numbers, so those are here.
namespace vcon {
// Queue numbers (virtio 1.x §5.3.2).
inline constexpr std::uint16_t kControlRx = 2; // c_ivq: device to driver
inline constexpr std::uint16_t kControlTx = 3; // c_ovq: driver to device
constexpr std::uint16_t rx_queue(unsigned port) { return port == 0 ? 0 : 2 * (port + 1); }
constexpr std::uint16_t tx_queue(unsigned port) { return rx_queue(port) + 1; }
} // namespace vcon

// What the face keeps per device besides its plain-data state: the
// transport's callbacks (set again by the transport, never migrated).
struct MttyVirtioFace {
    MttyVirtioState state{};
    std::array<virtio::Callback *, MTTY_VIRTIO_MAX_QUEUES> vq_cbs{};
    virtio::Callback *config_cb = nullptr;
};

// Power-on state of the face of a device with `ports` ports.
void mtty_virtio_init(MttyVirtioState &state, unsigned ports);
// Whether a loaded state is one the face can work on.
bool mtty_virtio_state_is_valid(const MttyVirtioState &state, unsigned ports);

class MttyVirtioOps final : public VirtioSampleOps {
public:
    std::uint32_t get_device_id(const Device &) const override { return VIRTIO_ID_CONSOLE; }
    std::uint32_t get_vendor_id(const Device &) const override { return 0; }
    std::uint64_t get_features(const Device &dev) const override;
    bool set_features(Device &dev, std::uint64_t features) const override;
    std::uint32_t get_config_size(const Device &) const override
    {
        return sizeof(struct virtio_console_config);
    }
    void get_config(const Device &dev, std::uint32_t offset,
                    std::span<std::uint8_t> out) const override;
    void set_config(Device &dev, std::uint32_t offset,
                    std::span<const std::uint8_t> in) const override;
    std::uint16_t get_vq_num_max(const Device &dev, std::uint16_t idx) const override;

    static std::uint64_t offered_features();

protected:
    VirtioView view(Device &dev) const override;
    void reset_device(Device &dev) const override;
    bool run(Device &dev) const override;

private:
    bool multiport(Device &dev) const;
    // Each returns false once a ring is broken.
    bool receive_control(Device &dev) const;
    bool send_control(Device &dev) const;
    bool loop_back(Device &dev, unsigned port) const;
    void handle_control(Device &dev, std::uint32_t id, std::uint16_t event,
                        std::uint16_t value) const;
};

} // namespace mdev::samples
