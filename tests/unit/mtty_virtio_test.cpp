// SPDX-License-Identifier: GPL-2.0-or-later
// mtty's virtio face (virtio-console) driven through its ops over fake guest
// RAM: identity and config, the MULTIPORT control protocol (DEVICE_READY ->
// DEVICE_ADD per port, PORT_READY -> PORT_NAME + PORT_OPEN), loopback per
// port as a byte stream, the single-port mode without MULTIPORT, reset,
// hostile control traffic, and the state check used after migration.
#include "parent_fixture.hpp"
#include "samples/mtty/mtty.hpp"

#include "fake_guest.hpp"
#include "hw/mdev/core.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <linux/virtio_config.h>
#include <linux/virtio_console.h>
#include <string>

namespace mdev::samples {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using test::DriverRing;
using test::DriverSim;
using test::FakeGuest;
using test::kRamBase;

constexpr std::uint64_t kVersion1 = 1ull << VIRTIO_F_VERSION_1;
constexpr std::uint64_t kMultiport = 1ull << VIRTIO_CONSOLE_F_MULTIPORT;

constexpr std::uint64_t kCtlOut = kRamBase + 0x40000; // driver's control messages
constexpr std::uint64_t kCtlIn = kRamBase + 0x50000;  // c_ivq buffers, 0x100 apart
constexpr std::uint64_t kTx = kRamBase + 0x60000;
constexpr std::uint64_t kRx = kRamBase + 0x70000;

struct Msg {
    std::uint32_t id;
    std::uint16_t event;
    std::uint16_t value;
    std::string name;
    bool operator==(const Msg &) const = default;
};

void PrintTo(const Msg &m, std::ostream *os)
{
    *os << "{" << m.id << ", " << m.event << ", " << m.value << ", \"" << m.name << "\"}";
}

class MttyVirtioTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        ASSERT_NO_FATAL_FAILURE(
            mdev::test::register_parent(core, std::make_unique<MttyParent>(), parent, driver));
    }

    void create(const char *type)
    {
        Result<Device *> r = core.create(
            {"mtty", type, "5a1e0c11-2b6a-4f3e-9c5d-000000000001", "virtio", &g});
        ASSERT_TRUE(r) << r.error().message;
        dev = *r;
        drv = std::make_unique<DriverSim>(*dev, g);
    }

    const virtio::VirtioOps &ops() { return *dev->ops<virtio::VirtioOps>(); }
    MttyVirtioState &state() { return dev->vendor_state<MttyMdev>().virtio().state; }

    // Negotiates (with MULTIPORT if `mp`), sets up every queue, gives the
    // control receive queue `ctl_bufs` buffers, then DRIVER_OK.
    void bring_up(bool mp = true, unsigned ctl_bufs = 8)
    {
        ASSERT_TRUE(drv->negotiate(kVersion1 | (mp ? kMultiport : 0)));
        const unsigned queues = mp ? 2 + 2 * parent_ports() : 2;
        for (std::uint16_t q = 0; q < queues; q++) {
            drv->setup_queue(q, 16);
        }
        if (mp) {
            for (unsigned i = 0; i < ctl_bufs; i++) {
                add_ctl_buffer();
            }
        }
        drv->driver_ok();
    }
    unsigned parent_ports() { return dev->vendor_state<MttyMdev>().ports(); }
    DriverRing &q(std::uint16_t idx) { return *drv->rings.at(idx); }

    void add_ctl_buffer()
    {
        q(vcon::kControlRx).add({{kCtlIn + 0x100u * ctl_added++, 0x100, true}});
    }
    // The driver sends a control message on c_ovq and kicks it.
    void send_ctl(std::uint32_t id, std::uint16_t event, std::uint16_t value)
    {
        std::uint8_t m[8] = {static_cast<std::uint8_t>(id), static_cast<std::uint8_t>(id >> 8),
                             static_cast<std::uint8_t>(id >> 16),
                             static_cast<std::uint8_t>(id >> 24),
                             static_cast<std::uint8_t>(event),
                             static_cast<std::uint8_t>(event >> 8),
                             static_cast<std::uint8_t>(value),
                             static_cast<std::uint8_t>(value >> 8)};
        const std::uint64_t at = kCtlOut + 8u * ctl_sent++;
        g.fill(at, m);
        q(vcon::kControlTx).add({{at, 8, false}});
        ops().kick_vq(*dev, vcon::kControlTx);
    }
    // The control messages the device sent since the last call.
    std::vector<Msg> received()
    {
        std::vector<Msg> out;
        DriverRing &r = q(vcon::kControlRx);
        while (r.used_seen != r.used_idx()) {
            const std::uint32_t id = r.used_id(r.used_seen);
            const std::uint32_t len = r.used_len(r.used_seen);
            const std::uint64_t at = kCtlIn + 0x100u * id; // one descriptor per buffer
            Msg m{g.get32(at), g.get16(at + 4), g.get16(at + 6), ""};
            if (len > 8) {
                auto b = g.bytes(at + 8, len - 8);
                m.name.assign(b.begin(), b.end());
            }
            out.push_back(m);
            r.used_seen++;
        }
        return out;
    }

    // Writes `text` on port `port` and gives it one RX buffer of `rx_len`.
    void write_port(unsigned port, const std::string &text, std::uint64_t tx_at)
    {
        g.fill(tx_at, std::span(reinterpret_cast<const std::uint8_t *>(text.data()),
                                text.size()));
        q(vcon::tx_queue(port)).add({{tx_at, static_cast<std::uint32_t>(text.size()), false}});
        ops().kick_vq(*dev, vcon::tx_queue(port));
    }
    void add_rx(unsigned port, std::uint64_t at, std::uint32_t len)
    {
        q(vcon::rx_queue(port)).add({{at, len, true}});
        ops().kick_vq(*dev, vcon::rx_queue(port));
    }
    std::string rx_text(std::uint64_t at, std::uint32_t len)
    {
        auto b = g.bytes(at, len);
        return std::string(b.begin(), b.end());
    }

    // The driver and guest outlive the core: its destructor unbinds the
    // device through the driver.
    test::NullVirtioDriver driver;
    FakeGuest g{1 << 20};
    Core core;
    MttyParent *parent = nullptr;
    Device *dev = nullptr;
    std::unique_ptr<DriverSim> drv;
    unsigned ctl_added = 0;
    unsigned ctl_sent = 0;
};

TEST_F(MttyVirtioTest, IdentityFeaturesAndConfig)
{
    create("mtty-2");
    EXPECT_EQ(ops().get_device_id(*dev), 3u);
    EXPECT_EQ(ops().get_vendor_id(*dev), 0u);
    EXPECT_EQ(ops().get_features(*dev), kVersion1 | kMultiport);
    EXPECT_FALSE(ops().set_features(*dev, kMultiport));
    EXPECT_FALSE(ops().set_features(*dev, kVersion1 | 1)); // F_SIZE not offered
    EXPECT_TRUE(ops().set_features(*dev, kVersion1 | kMultiport));
    EXPECT_EQ(ops().get_config_size(*dev), 12u);
    std::uint8_t cfg[12];
    ops().get_config(*dev, 0, cfg);
    EXPECT_THAT(cfg, ElementsAre(0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0));
    // Two ports: queues 0..5.
    EXPECT_EQ(ops().get_vq_num_max(*dev, 5), MTTY_VIRTIO_QUEUE_MAX);
    EXPECT_EQ(ops().get_vq_num_max(*dev, 6), 0);
}

TEST_F(MttyVirtioTest, OnePortTypeHasFourQueuesAndOnePort)
{
    create("mtty-1");
    std::uint8_t max_nr_ports[4];
    ops().get_config(*dev, 4, max_nr_ports);
    EXPECT_THAT(max_nr_ports, ElementsAre(1, 0, 0, 0));
    EXPECT_EQ(ops().get_vq_num_max(*dev, 3), MTTY_VIRTIO_QUEUE_MAX);
    EXPECT_EQ(ops().get_vq_num_max(*dev, 4), 0);
    EXPECT_EQ(parent->ports_in_use(), 1u);
}

TEST_F(MttyVirtioTest, MultiportControlProtocol)
{
    create("mtty-2");
    bring_up();
    EXPECT_THAT(received(), ElementsAre()); // nothing before DEVICE_READY
    send_ctl(0, VIRTIO_CONSOLE_DEVICE_READY, 1);
    EXPECT_THAT(received(), ElementsAre(Msg{0, VIRTIO_CONSOLE_PORT_ADD, 1, ""},
                                        Msg{1, VIRTIO_CONSOLE_PORT_ADD, 1, ""}));
    EXPECT_EQ(q(vcon::kControlTx).used_idx(), 1); // the message was taken
    send_ctl(1, VIRTIO_CONSOLE_PORT_READY, 1);
    EXPECT_THAT(received(), ElementsAre(Msg{1, VIRTIO_CONSOLE_PORT_NAME, 1, "mtty.1"},
                                        Msg{1, VIRTIO_CONSOLE_PORT_OPEN, 1, ""}));
    send_ctl(0, VIRTIO_CONSOLE_PORT_READY, 1);
    EXPECT_THAT(received(), ElementsAre(Msg{0, VIRTIO_CONSOLE_PORT_NAME, 1, "mtty.0"},
                                        Msg{0, VIRTIO_CONSOLE_PORT_OPEN, 1, ""}));
    send_ctl(0, VIRTIO_CONSOLE_PORT_OPEN, 1);
    EXPECT_TRUE(state().port[0].guest_open);
    EXPECT_FALSE(state().port[1].guest_open);
    send_ctl(0, VIRTIO_CONSOLE_PORT_OPEN, 0);
    EXPECT_FALSE(state().port[0].guest_open);
    EXPECT_TRUE(g.errors.empty());
    EXPECT_EQ(drv->vq_cb[vcon::kControlRx]->count, 3u);
}

TEST_F(MttyVirtioTest, ControlMessagesWaitForBuffers)
{
    create("mtty-2");
    bring_up(true, /*ctl_bufs=*/1);
    send_ctl(0, VIRTIO_CONSOLE_DEVICE_READY, 1);
    EXPECT_THAT(received(), ElementsAre(Msg{0, VIRTIO_CONSOLE_PORT_ADD, 1, ""}));
    EXPECT_EQ(state().port[1].pending, MTTY_VIRTIO_SEND_ADD);
    add_ctl_buffer();
    ops().kick_vq(*dev, vcon::kControlRx);
    EXPECT_THAT(received(), ElementsAre(Msg{1, VIRTIO_CONSOLE_PORT_ADD, 1, ""}));
    EXPECT_EQ(state().port[1].pending, 0);
}

TEST_F(MttyVirtioTest, EachPortLoopsBackItsOwnBytes)
{
    create("mtty-2");
    bring_up();
    send_ctl(0, VIRTIO_CONSOLE_DEVICE_READY, 1);
    send_ctl(0, VIRTIO_CONSOLE_PORT_READY, 1);
    send_ctl(1, VIRTIO_CONSOLE_PORT_READY, 1);
    add_rx(0, kRx, 64);
    add_rx(1, kRx + 0x1000, 64);
    write_port(1, "port one", kTx + 0x1000);
    write_port(0, "zero", kTx);

    EXPECT_EQ(q(vcon::rx_queue(0)).used_idx(), 1);
    EXPECT_EQ(q(vcon::rx_queue(0)).used_len(0), 4u);
    EXPECT_EQ(rx_text(kRx, 4), "zero");
    EXPECT_EQ(q(vcon::rx_queue(1)).used_idx(), 1);
    EXPECT_EQ(q(vcon::rx_queue(1)).used_len(0), 8u);
    EXPECT_EQ(rx_text(kRx + 0x1000, 8), "port one");
    EXPECT_EQ(q(vcon::tx_queue(0)).used_idx(), 1);
    EXPECT_EQ(q(vcon::tx_queue(0)).used_len(0), 0u);
    EXPECT_EQ(q(vcon::tx_queue(1)).used_idx(), 1);
    EXPECT_EQ(drv->vq_cb[vcon::rx_queue(1)]->count, 1u);
    EXPECT_TRUE(g.errors.empty());
}

TEST_F(MttyVirtioTest, BytesStreamAcrossSmallRxBuffersAndWaitForThem)
{
    create("mtty-1");
    bring_up();
    write_port(0, "hello world", kTx);
    EXPECT_EQ(q(vcon::tx_queue(0)).used_idx(), 0); // no RX buffer yet: waits
    add_rx(0, kRx, 5);
    EXPECT_EQ(rx_text(kRx, 5), "hello");
    EXPECT_EQ(state().port[0].tx_offset, 5u);
    EXPECT_EQ(q(vcon::tx_queue(0)).used_idx(), 0);
    add_rx(0, kRx + 0x100, 4);
    add_rx(0, kRx + 0x200, 100);
    EXPECT_EQ(rx_text(kRx + 0x100, 4), " wor");
    EXPECT_EQ(q(vcon::rx_queue(0)).used_len(2), 2u);
    EXPECT_EQ(rx_text(kRx + 0x200, 2), "ld");
    EXPECT_EQ(q(vcon::tx_queue(0)).used_idx(), 1); // all out: TX completed
    EXPECT_EQ(state().port[0].tx_offset, 0u);
}

// The TX offset migrates as 32 bits: a chain over 4 GiB (the walker leaves
// the judgement to the device) is logged and completed unsent, and the port
// goes on with the next chain.
TEST_F(MttyVirtioTest, TxChainOver4GiBIsCompletedUnsent)
{
    create("mtty-1");
    bring_up();
    add_rx(0, kRx, 64);
    q(vcon::tx_queue(0)).add({{kTx, 0xffff'ffffu, false}, {kTx, 0xffff'ffffu, false}});
    ops().kick_vq(*dev, vcon::tx_queue(0));
    EXPECT_EQ(q(vcon::tx_queue(0)).used_idx(), 1);
    EXPECT_EQ(q(vcon::tx_queue(0)).used_len(0), 0u);
    EXPECT_EQ(q(vcon::rx_queue(0)).used_idx(), 0); // nothing of it was sent
    EXPECT_EQ(state().port[0].tx_offset, 0u);
    ASSERT_EQ(g.errors.size(), 1u);
    EXPECT_THAT(g.errors[0], HasSubstr("port 0 TX chain of 8589934590 bytes is over 4 GiB"));
    EXPECT_EQ(drv->status() & VIRTIO_CONFIG_S_NEEDS_RESET, 0);

    write_port(0, "after", kTx);
    EXPECT_EQ(rx_text(kRx, 5), "after");
    EXPECT_EQ(q(vcon::tx_queue(0)).used_idx(), 2);
}

TEST_F(MttyVirtioTest, WithoutMultiportOnlyPortZero)
{
    create("mtty-2");
    bring_up(/*mp=*/false);
    add_rx(0, kRx, 16);
    write_port(0, "solo", kTx);
    EXPECT_EQ(rx_text(kRx, 4), "solo");
    EXPECT_TRUE(g.errors.empty());
}

TEST_F(MttyVirtioTest, NothingBeforeDriverOk)
{
    create("mtty-1");
    ASSERT_TRUE(drv->negotiate(kVersion1 | kMultiport));
    for (std::uint16_t i = 0; i < 4; i++) {
        drv->setup_queue(i, 16);
    }
    add_ctl_buffer();
    add_rx(0, kRx, 16);
    write_port(0, "early", kTx);
    send_ctl(0, VIRTIO_CONSOLE_DEVICE_READY, 1);
    EXPECT_EQ(q(vcon::rx_queue(0)).used_idx(), 0);
    EXPECT_EQ(q(vcon::kControlTx).used_idx(), 0);
    drv->driver_ok();
    EXPECT_EQ(rx_text(kRx, 5), "early");
    EXPECT_THAT(received(), ElementsAre(Msg{0, VIRTIO_CONSOLE_PORT_ADD, 1, ""}));
}

TEST_F(MttyVirtioTest, HostileControlMessagesAreLoggedNotFatal)
{
    create("mtty-1");
    bring_up();
    send_ctl(5, VIRTIO_CONSOLE_PORT_READY, 1);  // no port 5
    send_ctl(0, VIRTIO_CONSOLE_PORT_ADD, 1);  // device-to-driver event
    q(vcon::kControlTx).add({{kCtlOut + 0x800, 3, false}}); // short message
    ops().kick_vq(*dev, vcon::kControlTx);
    ASSERT_EQ(g.errors.size(), 3u);
    EXPECT_THAT(g.errors[0], HasSubstr("port 5 of 1"));
    EXPECT_THAT(g.errors[1], HasSubstr("not one a driver sends"));
    EXPECT_THAT(g.errors[2], HasSubstr("control message of 3 bytes"));
    EXPECT_EQ(drv->status() & VIRTIO_CONFIG_S_NEEDS_RESET, 0);
    EXPECT_EQ(q(vcon::kControlTx).used_idx(), 3);
}

TEST_F(MttyVirtioTest, BrokenRingSetsNeedsReset)
{
    create("mtty-2");
    bring_up();
    DriverRing &tx = q(vcon::tx_queue(1));
    tx.set_desc(0, kTx, 4, VRING_DESC_F_NEXT, 0);
    tx.publish(0);
    add_rx(1, kRx, 16);
    ops().kick_vq(*dev, vcon::tx_queue(1));
    EXPECT_TRUE(drv->status() & VIRTIO_CONFIG_S_NEEDS_RESET);
    EXPECT_EQ(drv->config_cb.count, 1u);
    EXPECT_THAT(g.errors.at(0), HasSubstr("mtty virtio port 1 tx"));
}

TEST_F(MttyVirtioTest, ResetForgetsTheProtocol)
{
    create("mtty-2");
    bring_up();
    send_ctl(0, VIRTIO_CONSOLE_DEVICE_READY, 1);
    send_ctl(0, VIRTIO_CONSOLE_PORT_READY, 1);
    send_ctl(0, VIRTIO_CONSOLE_PORT_OPEN, 1);
    ops().set_status(*dev, 0);
    EXPECT_FALSE(state().device_ready);
    EXPECT_FALSE(state().port[0].ready);
    EXPECT_FALSE(state().port[0].guest_open);
    EXPECT_EQ(state().port[0].pending, 0);
    EXPECT_EQ(state().features, 0u);
    EXPECT_EQ(state().vq[5].num, MTTY_VIRTIO_QUEUE_MAX);
    EXPECT_FALSE(state().vq[5].ready);
}

TEST_F(MttyVirtioTest, LoadedStateIsValidated)
{
    create("mtty-1");
    MttyMdev &m = dev->vendor_state<MttyMdev>();
    EXPECT_TRUE(m.resync());
    state().vq[4].num = 16; // queue 4 does not exist on a one-port device
    EXPECT_FALSE(m.resync());
    state().vq[4].num = 0;
    state().port[0].pending = 0x80;
    EXPECT_FALSE(m.resync());
    state().port[0].pending = 0;
    state().vq[0].num = 12;
    EXPECT_FALSE(m.resync());
}

} // namespace
} // namespace mdev::samples
