// SPDX-License-Identifier: GPL-2.0-or-later
#include "samples/mtty/mtty_virtio.hpp"
#include "hw/mdev/le_bytes.hpp"

#include "samples/mtty/mtty.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <vector>

namespace mdev::samples {

namespace {

constexpr std::uint64_t bit(unsigned n)
{
    return std::uint64_t(1) << n;
}

MttyMdev &mdev_of(const Device &dev)
{
    return dev.vendor_state<MttyMdev>();
}

MttyVirtioState &state_of(const Device &dev)
{
    return mdev_of(dev).virtio().state;
}

unsigned queue_count(unsigned ports)
{
    return 2 + 2 * ports;
}

// Bytes moved from a TX chain into one RX buffer at a time, at most.
constexpr std::uint64_t kChunk = 4096;

} // namespace

void mtty_virtio_init(MttyVirtioState &s, unsigned ports)
{
    s = MttyVirtioState{};
    for (unsigned i = 0; i < MTTY_VIRTIO_MAX_QUEUES; i++) {
        VringDevice::reset(s.vq[i], i < queue_count(ports) ? MTTY_VIRTIO_QUEUE_MAX : 0);
    }
}

bool mtty_virtio_state_is_valid(const MttyVirtioState &s, unsigned ports)
{
    if (s.features & ~MttyVirtioOps::offered_features()) {
        return false;
    }
    for (unsigned i = 0; i < MTTY_VIRTIO_MAX_QUEUES; i++) {
        const bool exists = i < queue_count(ports);
        if (exists ? !VringDevice::valid_num(s.vq[i].num, MTTY_VIRTIO_QUEUE_MAX)
                   : s.vq[i].num != 0 || s.vq[i].ready) {
            return false;
        }
    }
    for (unsigned p = 0; p < MTTY_MAX_PORTS_PER_DEVICE; p++) {
        if (s.port[p].pending & ~MTTY_VIRTIO_SEND_MASK) {
            return false;
        }
    }
    return true;
}

std::uint64_t MttyVirtioOps::offered_features()
{
    return bit(VIRTIO_F_VERSION_1) | bit(VIRTIO_CONSOLE_F_MULTIPORT);
}

std::uint64_t MttyVirtioOps::get_features(const Device &) const
{
    return offered_features();
}

bool MttyVirtioOps::set_features(Device &dev, std::uint64_t features) const
{
    if (!(features & bit(VIRTIO_F_VERSION_1))) {
        dev.guest_error("mtty virtio: features 0x%" PRIx64 " lack VERSION_1; refused", features);
        return false;
    }
    if (features & ~offered_features()) {
        dev.guest_error("mtty virtio: features 0x%" PRIx64 " include some not offered; refused",
                        features);
        return false;
    }
    state_of(dev).features = features;
    return true;
}

void MttyVirtioOps::get_config(const Device &dev, std::uint32_t offset,
                               std::span<std::uint8_t> out) const
{
    std::uint8_t cfg[sizeof(struct virtio_console_config)] = {};
    // cols, rows: 0 (F_SIZE not offered); max_nr_ports: the type's ports.
    store_le(std::span(cfg + offsetof(struct virtio_console_config, max_nr_ports), 4),
             mdev_of(dev).ports());
    for (std::size_t i = 0; i < out.size(); i++) {
        const std::uint64_t at = std::uint64_t(offset) + i;
        out[i] = at < sizeof(struct virtio_console_config) ? cfg[at] : 0;
    }
}

void MttyVirtioOps::set_config(Device &dev, std::uint32_t offset,
                               std::span<const std::uint8_t> in) const
{
    // emerg_wr is only writable with F_EMERG_WRITE, which is not offered.
    dev.guest_error("mtty virtio: config write of %zu bytes at %u ignored: read-only",
                    in.size(), offset);
}

std::uint16_t MttyVirtioOps::get_vq_num_max(const Device &dev, std::uint16_t idx) const
{
    return idx < queue_count(mdev_of(dev).ports()) ? MTTY_VIRTIO_QUEUE_MAX : 0;
}

VirtioView MttyVirtioOps::view(Device &dev) const
{
    MttyVirtioFace &f = mdev_of(dev).virtio();
    const unsigned n = queue_count(mdev_of(dev).ports());
    return {f.state.status, f.state.features, std::span(f.state.vq, n),
            std::span(f.vq_cbs.data(), n), f.config_cb};
}

void MttyVirtioOps::reset_device(Device &dev) const
{
    MttyVirtioState &s = state_of(dev);
    for (MttyVirtioPort &p : s.port) {
        p = MttyVirtioPort{};
    }
    s.device_ready = false;
}

bool MttyVirtioOps::multiport(Device &dev) const
{
    return state_of(dev).features & bit(VIRTIO_CONSOLE_F_MULTIPORT);
}

void MttyVirtioOps::handle_control(Device &dev, std::uint32_t id, std::uint16_t event,
                                   std::uint16_t value) const
{
    MttyVirtioState &s = state_of(dev);
    const unsigned ports = mdev_of(dev).ports();
    if (event == VIRTIO_CONSOLE_DEVICE_READY) {
        if (value != 1) {
            dev.guest_error("mtty virtio: driver failed to set up the device");
            return;
        }
        s.device_ready = true;
        for (unsigned p = 0; p < ports; p++) {
            s.port[p].pending |= MTTY_VIRTIO_SEND_ADD;
        }
        return;
    }
    if (event != VIRTIO_CONSOLE_PORT_READY && event != VIRTIO_CONSOLE_PORT_OPEN) {
        dev.guest_error("mtty virtio: control event %u is not one a driver sends", event);
        return;
    }
    if (id >= ports) {
        dev.guest_error("mtty virtio: control event %u for port %u of %u", event, id, ports);
        return;
    }
    MttyVirtioPort &port = s.port[id];
    if (event == VIRTIO_CONSOLE_PORT_READY) {
        port.ready = value == 1;
        if (port.ready) {
            port.pending |= MTTY_VIRTIO_SEND_NAME | MTTY_VIRTIO_SEND_OPEN;
        } else {
            dev.guest_error("mtty virtio: driver failed to add port %u", id);
        }
    } else {
        port.guest_open = value != 0;
    }
}

bool MttyVirtioOps::receive_control(Device &dev) const
{
    VringDevice q = ring(dev, vcon::kControlTx, "mtty virtio c_ovq");
    if (!q.usable()) {
        return !state_of(dev).vq[vcon::kControlTx].broken;
    }
    bool used = false;
    for (unsigned n = 0; n < state_of(dev).vq[vcon::kControlTx].num; n++) {
        VringChain c;
        VringPop r = q.pop(c);
        if (r == VringPop::error) {
            return false;
        }
        if (r == VringPop::empty) {
            break;
        }
        std::uint8_t msg[sizeof(struct virtio_console_control)];
        std::int64_t got = q.read_from(c, 0, msg);
        if (got < 0) {
            return false;
        }
        if (got < static_cast<std::int64_t>(sizeof(msg))) {
            dev.guest_error("mtty virtio: control message of %" PRId64 " bytes ignored", got);
        } else {
            using Ctl = struct virtio_console_control;
            const auto field = [&msg](std::size_t at, std::size_t size) {
                return load_le(std::span<const std::uint8_t>(msg + at, size));
            };
            handle_control(
                dev, static_cast<std::uint32_t>(field(offsetof(Ctl, id), sizeof(Ctl::id))),
                static_cast<std::uint16_t>(field(offsetof(Ctl, event), sizeof(Ctl::event))),
                static_cast<std::uint16_t>(field(offsetof(Ctl, value), sizeof(Ctl::value))));
        }
        if (!q.push(c.head, 0)) {
            return false;
        }
        used = true;
    }
    if (used) {
        notify_vq(dev, vcon::kControlTx, q);
    }
    return true;
}

bool MttyVirtioOps::send_control(Device &dev) const
{
    MttyVirtioState &s = state_of(dev);
    VringDevice q = ring(dev, vcon::kControlRx, "mtty virtio c_ivq");
    if (!q.usable()) {
        return !s.vq[vcon::kControlRx].broken;
    }
    static constexpr struct {
        std::uint8_t bit;
        std::uint16_t event;
    } kOrder[] = {{MTTY_VIRTIO_SEND_ADD, VIRTIO_CONSOLE_PORT_ADD},
                  {MTTY_VIRTIO_SEND_NAME, VIRTIO_CONSOLE_PORT_NAME},
                  {MTTY_VIRTIO_SEND_OPEN, VIRTIO_CONSOLE_PORT_OPEN}};
    bool used = false;
    unsigned budget = s.vq[vcon::kControlRx].num;
    for (unsigned p = 0; p < mdev_of(dev).ports(); p++) {
        for (const auto &m : kOrder) {
            if (!(s.port[p].pending & m.bit)) {
                continue;
            }
            std::uint8_t msg[sizeof(struct virtio_console_control) + 16] = {
                static_cast<std::uint8_t>(p), 0, 0, 0, static_cast<std::uint8_t>(m.event), 0,
                1, 0};
            std::size_t len = sizeof(struct virtio_console_control);
            if (m.event == VIRTIO_CONSOLE_PORT_NAME) {
                len += static_cast<std::size_t>(
                    std::snprintf(reinterpret_cast<char *>(msg + len), 16, "mtty.%u", p));
            }
            for (;;) {
                if (budget == 0) {
                    goto out;
                }
                VringChain c;
                VringPop r = q.peek(c);
                if (r == VringPop::error) {
                    return false;
                }
                if (r == VringPop::empty) {
                    goto out; // the rest waits for buffers
                }
                budget--;
                q.consume(c);
                if (c.writable_bytes < len) {
                    dev.guest_error("mtty virtio: c_ivq buffer of %" PRIu64
                                    " bytes is too small for a %zu-byte message",
                                    c.writable_bytes, len);
                    if (!q.push(c.head, 0)) {
                        return false;
                    }
                    used = true;
                    continue;
                }
                if (q.write_to(c, 0, std::span(msg, len)) < 0 ||
                    !q.push(c.head, static_cast<std::uint32_t>(len))) {
                    return false;
                }
                used = true;
                s.port[p].pending &= static_cast<std::uint8_t>(~m.bit);
                break;
            }
        }
    }
out:
    if (used) {
        notify_vq(dev, vcon::kControlRx, q);
    }
    return true;
}

// Moves the port's TX bytes into its RX buffers as a byte stream: a TX
// chain is completed once all its bytes went out, an RX buffer as soon as
// it got some. Each step completes a buffer, and at most a queue's worth of
// each is taken, so the work per call is bounded.
bool MttyVirtioOps::loop_back(Device &dev, unsigned port) const
{
    MttyVirtioState &s = state_of(dev);
    MttyVirtioPort &ps = s.port[port];
    const std::uint16_t rxq = vcon::rx_queue(port);
    const std::uint16_t txq = vcon::tx_queue(port);
    static constexpr const char *kNames[MTTY_MAX_PORTS_PER_DEVICE][2] = {
        {"mtty virtio port 0 rx", "mtty virtio port 0 tx"},
        {"mtty virtio port 1 rx", "mtty virtio port 1 tx"},
    };
    VringDevice rx = ring(dev, rxq, kNames[port][0]);
    VringDevice tx = ring(dev, txq, kNames[port][1]);
    if (!rx.usable() || !tx.usable()) {
        return !s.vq[rxq].broken && !s.vq[txq].broken;
    }
    bool rx_used = false;
    bool tx_used = false;
    std::vector<std::uint8_t> chunk;
    for (unsigned steps = 0; steps < 2u * MTTY_VIRTIO_QUEUE_MAX; steps++) {
        VringChain t;
        VringPop pt = tx.peek(t);
        if (pt == VringPop::error) {
            return false;
        }
        if (pt == VringPop::empty) {
            break;
        }
        // The offset into a chain migrates as 32 bits: a chain over 4 GiB
        // (no console write is that long; the walker leaves the judgement
        // to the device) is the driver's mistake, completed unsent.
        const bool oversized = t.readable_bytes > UINT32_MAX;
        if (oversized) {
            dev.guest_error("mtty virtio: port %u TX chain of %" PRIu64
                            " bytes is over 4 GiB; completed unsent",
                            port, t.readable_bytes);
        }
        // The driver may have rewritten the chain since: never trust the
        // offset past the chain's end.
        const std::uint64_t remaining = !oversized && t.readable_bytes > ps.tx_offset
                                            ? t.readable_bytes - ps.tx_offset
                                            : 0;
        if (remaining == 0) {
            tx.consume(t);
            ps.tx_offset = 0;
            if (!tx.push(t.head, 0)) {
                return false;
            }
            tx_used = true;
            continue;
        }
        VringChain r;
        VringPop pr = rx.peek(r);
        if (pr == VringPop::error) {
            return false;
        }
        if (pr == VringPop::empty) {
            break; // the bytes wait in the TX buffer
        }
        rx.consume(r);
        const std::uint64_t n = std::min({remaining, r.writable_bytes, kChunk});
        chunk.resize(n);
        if (tx.read_from(t, ps.tx_offset, chunk) != static_cast<std::int64_t>(n) ||
            rx.write_to(r, 0, chunk) != static_cast<std::int64_t>(n) ||
            !rx.push(r.head, static_cast<std::uint32_t>(n))) {
            return false;
        }
        ps.tx_offset += static_cast<std::uint32_t>(n);
        rx_used = true;
    }
    if (tx_used) {
        notify_vq(dev, txq, tx);
    }
    if (rx_used) {
        notify_vq(dev, rxq, rx);
    }
    return true;
}

bool MttyVirtioOps::run(Device &dev) const
{
    if (!dev.host() || !live(state_of(dev).status)) {
        return true;
    }
    bool ok = true;
    unsigned ports = 1;
    if (multiport(dev)) {
        ok = receive_control(dev) && send_control(dev);
        ports = mdev_of(dev).ports();
    }
    for (unsigned p = 0; ok && p < ports; p++) {
        ok = loop_back(dev, p);
    }
    return ok;
}

} // namespace mdev::samples
