// SPDX-License-Identifier: GPL-2.0-or-later
#include "samples/mvnet/mvnet.hpp"
#include "hw/mdev/le_bytes.hpp"

#include "hw/mdev/declaration.hpp"
#include "hw/mdev/hex.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <optional>
#include <cstring>
#include <string>

namespace mdev::samples {

namespace {

MvnetMdev &mdev_of(const Device &dev)
{
    return dev.vendor_state<MvnetMdev>();
}

constexpr std::uint64_t bit(unsigned n)
{
    return std::uint64_t(1) << n;
}

} // namespace

MvnetMdev::MvnetMdev(const std::array<std::uint8_t, MVNET_MAC_LEN> &mac)
{
    std::copy(mac.begin(), mac.end(), state_.mac);
    for (VringState &q : state_.vq) {
        VringDevice::reset(q, MVNET_QUEUE_MAX);
    }
}

bool MvnetMdev::state_is_valid() const
{
    if (state_.features & ~MvnetVirtioOps::offered_features()) {
        return false;
    }
    for (const VringState &q : state_.vq) {
        if (!VringDevice::valid_num(q.num, MVNET_QUEUE_MAX)) {
            return false;
        }
    }
    return true;
}

std::uint64_t MvnetVirtioOps::offered_features()
{
    return bit(VIRTIO_F_VERSION_1) | bit(VIRTIO_NET_F_MAC) | bit(VIRTIO_NET_F_STATUS) |
           bit(VIRTIO_NET_F_MTU);
}

std::uint64_t MvnetVirtioOps::get_features(const Device &) const
{
    return offered_features();
}

bool MvnetVirtioOps::set_features(Device &dev, std::uint64_t features) const
{
    if (!(features & bit(VIRTIO_F_VERSION_1))) {
        dev.guest_error("mvnet: features 0x%" PRIx64 " lack VERSION_1; refused", features);
        return false;
    }
    if (features & ~offered_features()) {
        dev.guest_error("mvnet: features 0x%" PRIx64 " include some not offered; refused",
                        features);
        return false;
    }
    mdev_of(dev).state().features = features;
    return true;
}

void MvnetVirtioOps::get_config(const Device &dev, std::uint32_t offset,
                                std::span<std::uint8_t> out) const
{
    const MvnetState &s = mdev_of(dev).state();
    std::uint8_t cfg[vnet::kConfigSize];
    static_assert(MVNET_MAC_LEN == sizeof(virtio_net_config::mac));
    std::memcpy(cfg + offsetof(struct virtio_net_config, mac), s.mac, MVNET_MAC_LEN);
    // The link is up unless link-down holds it down.
    store_le(std::span(cfg + offsetof(struct virtio_net_config, status), 2),
             mdev_of(dev).faults.link_down() ? 0 : VIRTIO_NET_S_LINK_UP);
    store_le(std::span(cfg + offsetof(struct virtio_net_config, max_virtqueue_pairs), 2), 1);
    store_le(std::span(cfg + offsetof(struct virtio_net_config, mtu), 2), vnet::kMtu);
    for (std::size_t i = 0; i < out.size(); i++) {
        const std::uint64_t at = std::uint64_t(offset) + i;
        out[i] = at < vnet::kConfigSize ? cfg[at] : 0;
    }
}

void MvnetVirtioOps::set_config(Device &dev, std::uint32_t offset,
                                std::span<const std::uint8_t> in) const
{
    // VERSION_1 drivers set the address through the control queue
    // (not offered); the config space is read-only (virtio 1.x §5.1.4).
    dev.guest_error("mvnet: config write of %zu bytes at %u ignored: read-only", in.size(),
                    offset);
}

std::uint16_t MvnetVirtioOps::get_vq_num_max(const Device &, std::uint16_t idx) const
{
    return idx < MVNET_NUM_QUEUES ? MVNET_QUEUE_MAX : 0;
}

void MvnetVirtioOps::open(Device &dev) const
{
    MvnetMdev &m = mdev_of(dev);
    // The link changed: the driver learns it from a configuration change
    // interrupt (virtio 1.x §5.1.4.2), and re-reads the status.
    m.faults.attach(dev.faults(), [&m] {
        if (m.config_cb) {
            m.config_cb->notify();
        }
    });
}

void MvnetVirtioOps::release(Device &dev) const
{
    mdev_of(dev).faults.detach();
}

VirtioView MvnetVirtioOps::view(Device &dev) const
{
    MvnetMdev &m = mdev_of(dev);
    return {m.state().status, m.state().features, m.state().vq, m.vq_cbs, m.config_cb};
}

void MvnetVirtioOps::reset_device(Device &) const
{
    // The address survives a reset; nothing else is kept.
}

// One pass of the loopback: each TX frame goes into the next RX buffer.
// Every TX chain is completed, whether its frame is delivered or not: a
// frame with no RX buffer to go to, or too long for the next one, is
// dropped and counted (as a NIC's missed/length errors), because a driver
// may post TX with no RX at all (QEMU's virtio-net-test does, and Linux's
// vdpa_sim_net completes and drops the same way) and must get its buffers
// back. At most one queue's worth of TX chains per call, which is all a ring
// can hold, so a hostile driver cannot keep the device busy.
bool MvnetVirtioOps::run(Device &dev) const
{
    MvnetState &s = mdev_of(dev).state();
    if (!dev.host() || !live(s.status)) {
        return true;
    }
    VringDevice rx = ring(dev, MVNET_QUEUE_RX, "mvnet rx");
    VringDevice tx = ring(dev, MVNET_QUEUE_TX, "mvnet tx");
    // An RX queue not (yet) enabled is no reason to hold TX: its frames are
    // dropped like those that find the RX ring empty (peek says empty).
    if (!tx.usable()) {
        return true;
    }

    bool tx_used = false;
    bool rx_used = false;
    bool broken = false;
    std::vector<std::uint8_t> frame;
    for (unsigned n = 0; n < s.vq[MVNET_QUEUE_TX].num && !broken; n++) {
        VringChain t;
        VringPop pt = tx.pop(t);
        if (pt != VringPop::chain) {
            broken = pt == VringPop::error;
            break;
        }
        const std::uint64_t len = t.readable_bytes;
        MvnetFaults &faults = mdev_of(dev).faults;
        if (len < vnet::kHdrLen || len > vnet::kMaxFrame) {
            // Not a frame at all: the driver's mistake, so it is logged.
            dev.guest_error("mvnet: TX frame of %" PRIu64 " bytes (header included) is not "
                            "in %zu..%" PRIu64 "; dropped",
                            len, vnet::kHdrLen, vnet::kMaxFrame);
            s.tx_dropped++;
        } else if (faults.armed() && faults.link_down()) {
            // No link: what is sent is lost, as on a NIC with its cable out.
            s.tx_dropped++;
        } else {
            // The faults look at the frame before it goes out: read it now
            // (without faults it is read only once an RX buffer takes it).
            bool have_frame = false;
            if (faults.armed()) {
                frame.resize(len);
                if (tx.read_from(t, 0, frame) != static_cast<std::int64_t>(len)) {
                    broken = true;
                    break;
                }
                have_frame = true;
            }
            const auto ether = [&frame] {
                return std::span(frame).subspan(vnet::kHdrLen);
            };
            VringChain r;
            VringPop pr = VringPop::empty;
            if (have_frame && faults.drop_frame(MvnetFaults::Leg::tx, ether())) {
                s.tx_dropped++; // lost on its way out
            } else if ((pr = rx.peek(r)) == VringPop::error) {
                broken = true;
                break;
            } else if (pr == VringPop::empty || r.writable_bytes < len) {
                // No room (or, without MRG_RXBUF, no buffer large enough:
                // a frame must fit one): ordinary traffic loss, not a
                // guest error, so only counted; an RX buffer too small
                // stays for the next frame.
                s.tx_dropped++;
            } else if (have_frame && faults.drop_frame(MvnetFaults::Leg::rx, ether())) {
                s.tx_dropped++; // lost on its way in: the RX buffer stays
            } else {
                if (!have_frame) {
                    frame.resize(len);
                    if (tx.read_from(t, 0, frame) != static_cast<std::int64_t>(len)) {
                        broken = true;
                        break;
                    }
                }
                if (faults.armed()) {
                    (void)faults.corrupt_frame(ether());
                }
                store_le(std::span(frame.data() +
                                       offsetof(struct virtio_net_hdr_v1, num_buffers),
                                   2),
                         1);
                rx.consume(r);
                if (rx.write_to(r, 0, frame) != static_cast<std::int64_t>(len) ||
                    !rx.push(r.head, static_cast<std::uint32_t>(len))) {
                    broken = true;
                    break;
                }
                rx_used = true;
            }
        }
        if (!tx.push(t.head, 0)) {
            broken = true;
            break;
        }
        tx_used = true;
    }

    // A walker gone stale (the device's own DMA reset it) or broken: stop
    // before touching guest memory again.
    if (broken || tx.stale() || rx.stale() || !tx.usable() ||
        s.vq[MVNET_QUEUE_RX].broken) {
        return false;
    }
    if (tx_used) {
        notify_vq(dev, MVNET_QUEUE_TX, tx);
    }
    if (rx_used) {
        notify_vq(dev, MVNET_QUEUE_RX, rx); // stale (no DMA) if TX's MSI reset us
    }
    return true;
}

MvnetParent::MvnetParent()
    : types_{
          {"mvnet-virtio", "virtio-net", "virtio-net device looping frames back to itself",
           "virtio-mdev"},
      }
{
}

std::array<std::uint8_t, MVNET_MAC_LEN> MvnetParent::mac_from_uuid(const Uuid &uuid)
{
    // The canonical text ends in 12 hex digits: the last six bytes.
    const std::string text = uuid.to_string();
    std::array<std::uint8_t, MVNET_MAC_LEN> mac{0x02}; // locally administered, unicast
    for (unsigned i = 1; i < MVNET_MAC_LEN; i++) {
        const std::size_t at = text.size() - 2 * (MVNET_MAC_LEN - i);
        mac[i] = static_cast<std::uint8_t>(hex_value(text[at]) << 4 | hex_value(text[at + 1]));
    }
    return mac;
}

namespace {

// "52:54:00:12:34:56" (QEMU's MAC property has checked the form already;
// this is for callers that have not).
std::optional<std::array<std::uint8_t, MVNET_MAC_LEN>> parse_mac(std::string_view text)
{
    std::array<std::uint8_t, MVNET_MAC_LEN> mac{};
    if (text.size() != 3 * MVNET_MAC_LEN - 1) {
        return std::nullopt;
    }
    for (std::size_t i = 0; i < MVNET_MAC_LEN; i++) {
        const int hi = hex_value(text[3 * i]);
        const int lo = hex_value(text[3 * i + 1]);
        if (hi < 0 || lo < 0 || (i + 1 < MVNET_MAC_LEN && text[3 * i + 2] != ':')) {
            return std::nullopt;
        }
        mac[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    return mac;
}

} // namespace

// The station address: the user's (a unicast one), or one derived from the
// UUID, so that a fixed uuid= gives a fixed address across runs.
Result<std::unique_ptr<VendorState>> MvnetParent::create(const CreateArgs &args)
{
    std::array<std::uint8_t, MVNET_MAC_LEN> mac = mac_from_uuid(args.uuid);
    if (std::optional<std::string_view> text = args.properties.get("mac")) {
        std::optional<std::array<std::uint8_t, MVNET_MAC_LEN>> user = parse_mac(*text);
        if (!user) {
            return Error{Errc::invalid_property, "property 'mac': '" + std::string(*text) +
                                                     "' is not a MAC address; accepted: six "
                                                     "hex pairs, e.g. 52:54:00:12:34:56"};
        }
        // A station address must be unicast: bit 0 of the first byte clear.
        if ((*user)[0] & 1) {
            return Error{Errc::invalid_property, "property 'mac': " + std::string(*text) +
                                                     " is a multicast address; accepted: a "
                                                     "unicast address, e.g. 52:54:00:12:34:56"};
        }
        mac = *user;
    }
    return std::unique_ptr<VendorState>(std::make_unique<MvnetMdev>(mac));
}

Status MvnetParent::register_ops(Core &core) const
{
    return core.register_ops(id(), virtio_ops_);
}

std::optional<std::string> MvnetMdev::property(std::string_view name) const
{
    if (name != "mac") {
        return std::nullopt;
    }
    char text[3 * MVNET_MAC_LEN];
    std::snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x", state_.mac[0],
                  state_.mac[1], state_.mac[2], state_.mac[3], state_.mac[4], state_.mac[5]);
    return std::string(text);
}

namespace {

// What of an mvnet mdev migrates: status, features, address, both rings
// and, since version 2, the drop counter (a version 1 struct loads with the
// counter at 0). A stream from before F_MTU is still refused, by QEMU's PCI
// layer rather than by this declaration: the device-config capability grew
// from 10 to 12 bytes and QEMU compares a capability's read-only config
// bytes on load. Loading one would take a compat setting in the virtio
// frontend's glue that keeps the old length.
constexpr migration::Field kDeviceFields[] = {
    MDEV_MIGRATE(MvnetState, status),
    MDEV_MIGRATE(MvnetState, features),
    MDEV_MIGRATE(MvnetState, mac),
    MDEV_MIGRATE_STRUCT(MvnetState, vq, kVringState),
    MDEV_MIGRATE_SINCE(MvnetState, tx_dropped, 2),
};
constexpr migration::Struct kDevice =
    migration::describe<MvnetState>("mvnet/device", 2, kDeviceFields);
constexpr const migration::Struct *kState[] = {&kDevice};

constexpr PropertyDecl kProperties[] = {
    {"mac", MDEV_PROP_MACADDR,
     "Station address shown in the virtio-net config space (unicast); default: "
     "02:xx:xx:xx:xx:xx from the last five bytes of the uuid",
     nullptr},
};

constexpr ParentDeclaration kMvnet = {
    .name = "mvnet",
    .description = "mdev sample: virtio-net device looping its frames back",
    .category = MDEV_CATEGORY_NETWORK,
    .make = make_parent<MvnetParent>,
    .properties = kProperties,
    .state = kState,
};
const Registration kRegisterMvnet(kMvnet);

} // namespace

std::vector<migration::Data> MvnetMdev::migrated(const Device &)
{
    return {{kDevice, state_}};
}

} // namespace mdev::samples
