// SPDX-License-Identifier: GPL-2.0-or-later
// mvnet: the 2019 virtio-mdev series' sample, a virtio-net device that loops
// every frame the driver transmits back into its own receive queue. One
// type, "mvnet-virtio", and only virtio ops (no vfio face).
//
// Unlike the kernel sample it offers MAC and STATUS (link up) so the guest
// sees a stable address, does not require ACCESS_PLATFORM, moves frames only
// while DRIVER_OK, honours the queue size the driver sets, and never trusts
// the rings (vring_device.hpp).
#pragma once

#include "hw/mdev/core.hpp"
#include "hw/mdev/uapi/virtio_net.hpp"
#include "samples/mvnet/mvnet_faults.hpp"
#include "samples/mvnet/mvnet_state.hpp"
#include "samples/common/virtio_sample.hpp"

#include <array>
#include <cstddef>
#include <vector>

namespace mdev::samples {

// virtio-net's ABI is <linux/virtio_net.h>'s (VIRTIO_NET_F_*, VIRTIO_NET_S_*,
// struct virtio_net_hdr_v1, struct virtio_net_config); only what it leaves
// to the device is here.
namespace vnet {
// With VERSION_1 every frame carries a struct virtio_net_hdr_v1 (12 bytes).
inline constexpr std::size_t kHdrLen = sizeof(struct virtio_net_hdr_v1);
// The MTU offered with VIRTIO_NET_F_MTU. Linux 6.1's virtio_net makes it
// the interface's max_mtu, and without MRG_RXBUF or guest GSO, and with an
// mtu of at most ETH_DATA_LEN, it posts "small" RX buffers of the header +
// 1518 bytes (GOOD_PACKET_LEN: Ethernet header, a VLAN tag, 1500). A larger
// mtu would let the guest send frames that no RX buffer it posts can hold,
// which the device could only drop; 1500 makes `ip link set mtu 9000` fail
// in the guest instead.
inline constexpr std::uint16_t kMtu = 1500;
// struct virtio_net_config as shown: up to and including mtu (mac[6],
// status, max_virtqueue_pairs, mtu); later fields belong to features not
// offered.
inline constexpr std::uint32_t kConfigSize =
    offsetof(struct virtio_net_config, mtu) + sizeof(virtio_net_config::mtu);
// The largest frame (header included) the device moves; bigger ones are
// dropped. No GSO is offered, so a real driver stays far below.
inline constexpr std::uint64_t kMaxFrame = kHdrLen + 65535;
} // namespace vnet

class MvnetMdev final : public VendorState {
public:
    explicit MvnetMdev(const std::array<std::uint8_t, MVNET_MAC_LEN> &mac);

    MvnetState &state() { return state_; }
    const MvnetState &state() const { return state_; }

    // Checks a state loaded from a migration stream.
    bool state_is_valid() const;

    std::vector<migration::Data> migrated(const Device &) override;
    bool post_load(Device &) override { return state_is_valid(); }
    // "mac": the station address in effect.
    std::optional<std::string> property(std::string_view name) const override;

    // Transport callbacks: not state, set again by the transport.
    std::array<virtio::Callback *, MVNET_NUM_QUEUES> vq_cbs{};
    virtio::Callback *config_cb = nullptr;
    // Its own faults (mvnet_faults.hpp), declared while the transport has
    // it open; not state (armed faults block migration).
    MvnetFaults faults;

private:
    MvnetState state_{};
};

class MvnetVirtioOps final : public VirtioSampleOps {
public:
    std::uint32_t get_device_id(const Device &) const override { return VIRTIO_ID_NET; }
    std::uint32_t get_vendor_id(const Device &) const override { return 0; }
    std::uint64_t get_features(const Device &dev) const override;
    bool set_features(Device &dev, std::uint64_t features) const override;
    std::uint32_t get_config_size(const Device &) const override { return vnet::kConfigSize; }
    void get_config(const Device &dev, std::uint32_t offset,
                    std::span<std::uint8_t> out) const override;
    void set_config(Device &dev, std::uint32_t offset,
                    std::span<const std::uint8_t> in) const override;
    std::uint16_t get_vq_num_max(const Device &dev, std::uint16_t idx) const override;
    // Declare and withdraw mvnet's faults.
    void open(Device &dev) const override;
    void release(Device &dev) const override;

    static std::uint64_t offered_features();

protected:
    VirtioView view(Device &dev) const override;
    void reset_device(Device &dev) const override;
    bool run(Device &dev) const override;
};

class MvnetParent final : public Parent {
public:
    MvnetParent();

    std::string_view name() const override { return "mvnet"; }
    std::span<const MdevType> types() const override { return types_; }
    // No budget: a loopback costs nothing but memory (the kernel's INT_MAX).
    unsigned available_instances(const MdevType &) const override { return 1u << 30; }
    Result<std::unique_ptr<VendorState>> create(const CreateArgs &args) override;
    void remove(VendorState &) override {}

    // Registers the virtio ops only: class=vfio is refused by the core.
    Status register_ops(Core &core) const override;

    // The default station address of an mdev: locally administered,
    // unicast, from the UUID's last five bytes, so a fixed UUID gives a
    // fixed address.
    static std::array<std::uint8_t, MVNET_MAC_LEN> mac_from_uuid(const Uuid &uuid);

private:
    std::vector<MdevType> types_;
    MvnetVirtioOps virtio_ops_;
};

} // namespace mdev::samples
