// SPDX-License-Identifier: GPL-2.0-or-later
// The virtio frontend's virtio-pci modern register file, over a fake virtio
// device: feature negotiation, queue setup, doorbells, ISR and INTx, MSI-X
// vectors, reset, and every bad guest access refused with a guest error.
#include "virtio/transport.hpp"
#include "virtio/virtio_driver.hpp"

#include "hw/mdev/core.hpp"
#include "hw/mdev/host.hpp"
#include "hw/mdev/virtio_ops.hpp"
#include "recording_host.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace mdev::virtio {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr const char *kUuid = "6a1d3c52-0000-4000-8000-00000000f002";
constexpr std::uint64_t kVersion1 = std::uint64_t(1) << VIRTIO_F_VERSION_1;
constexpr std::uint64_t kFeatureMac = 1 << 5;
constexpr std::uint64_t kCommon = MDEV_VIRTIO_COMMON_OFFSET;
constexpr std::uint64_t kIsr = MDEV_VIRTIO_ISR_OFFSET;
constexpr std::uint64_t kDevCfg = MDEV_VIRTIO_DEVICE_OFFSET;
constexpr std::uint64_t kNotify = MDEV_VIRTIO_NOTIFY_OFFSET;

using test::RecordingHost;

struct VqSetup {
    std::uint16_t num = 0;
    std::uint64_t desc = 0, driver = 0, device = 0;
    bool ready = false;
    Callback *cb = nullptr;
};

// A virtio device of tables: two queues (max 256 and 64), 8 bytes of config.
// Ops are const in the interface, so its record is mutable.
class FakeVirtio final : public VirtioOps {
public:
    std::uint32_t get_device_id(const Device &) const override { return device_id; }
    std::uint32_t get_vendor_id(const Device &) const override { return vendor_id; }
    std::uint64_t get_features(const Device &) const override { return features; }
    bool set_features(Device &, std::uint64_t f) const override
    {
        set_features_calls.push_back(f);
        if (refuse_features) {
            return false;
        }
        negotiated = f;
        return true;
    }
    std::uint8_t get_status(const Device &) const override { return status; }
    void set_status(Device &, std::uint8_t s) const override
    {
        status_writes.push_back(s);
        status = s;
        if (s == 0) {
            vqs.clear();
            negotiated = 0;
        }
    }
    std::uint32_t get_config_size(const Device &) const override
    {
        return std::uint32_t(config.size());
    }
    void get_config(const Device &, std::uint32_t offset,
                    std::span<std::uint8_t> out) const override
    {
        for (std::size_t i = 0; i < out.size(); i++) {
            out[i] = config.at(offset + i); // at(): a bad offset fails the test
        }
    }
    void set_config(Device &, std::uint32_t offset, std::span<const std::uint8_t> in) const override
    {
        for (std::size_t i = 0; i < in.size(); i++) {
            config.at(offset + i) = in[i];
        }
    }
    std::uint32_t get_generation(const Device &) const override { return generation; }
    void set_config_cb(Device &, Callback *cb) const override { config_cb = cb; }
    std::uint16_t get_vq_num_max(const Device &, std::uint16_t idx) const override
    {
        return idx < max.size() ? max[idx] : 0;
    }
    void set_vq_num(Device &, std::uint16_t idx, std::uint16_t num) const override
    {
        vqs[idx].num = num;
    }
    void set_vq_address(Device &, std::uint16_t idx, std::uint64_t d, std::uint64_t dr,
                        std::uint64_t dv) const override
    {
        vqs[idx].desc = d;
        vqs[idx].driver = dr;
        vqs[idx].device = dv;
    }
    void set_vq_ready(Device &, std::uint16_t idx, bool ready) const override
    {
        vqs[idx].ready = ready;
    }
    bool get_vq_ready(const Device &, std::uint16_t idx) const override
    {
        auto it = vqs.find(idx);
        return it != vqs.end() && it->second.ready;
    }
    void set_vq_cb(Device &, std::uint16_t idx, Callback *cb) const override
    {
        vq_cbs[idx] = cb;
    }
    void kick_vq(Device &, std::uint16_t idx) const override { kicks.push_back(idx); }
    void set_vq_state(Device &, std::uint16_t, std::uint16_t) const override {}
    std::uint16_t get_vq_state(const Device &, std::uint16_t) const override { return 0; }

    std::uint32_t device_id = 1;
    std::uint32_t vendor_id = 0x1af4;
    std::uint64_t features = kVersion1 | kFeatureMac;
    bool refuse_features = false;
    std::vector<std::uint16_t> max{256, 64};
    std::uint32_t generation = 7;

    mutable std::uint8_t status = 0;
    mutable std::uint64_t negotiated = 0;
    mutable std::vector<std::uint8_t> config{0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x01, 0x00};
    mutable std::vector<std::uint64_t> set_features_calls;
    mutable std::vector<std::uint8_t> status_writes;
    mutable std::map<std::uint16_t, VqSetup> vqs;
    mutable std::map<std::uint16_t, Callback *> vq_cbs;
    mutable Callback *config_cb = nullptr;
    mutable std::vector<std::uint16_t> kicks;
};

class StubParent final : public Parent {
public:
    std::string_view name() const override { return "stub"; }
    std::span<const MdevType> types() const override { return types_; }
    unsigned available_instances(const MdevType &) const override { return 4; }
    Result<std::unique_ptr<VendorState>> create(const CreateArgs &) override
    {
        return std::make_unique<VendorState>();
    }
    void remove(VendorState &) override {}

private:
    std::vector<MdevType> types_{{"stub-1", "Stub", "", "virtio-mdev"}};
};

class TransportTest : public ::testing::Test {
protected:
    TransportTest()
        : dev(parent, parent.types()[0], *Uuid::parse(kUuid), ClassOps::make(fake),
              std::make_unique<VendorState>())
    {
        dev.set_host(&host);
    }

    Transport &make()
    {
        Result<std::unique_ptr<Transport>> r = Transport::create(dev);
        if (!r) {
            throw std::runtime_error("refused: " + r.error().message);
        }
        t = std::move(*r);
        return *t;
    }

    Error refusal()
    {
        Result<std::unique_ptr<Transport>> r = Transport::create(dev);
        if (r) {
            ADD_FAILURE() << "accepted";
            return {};
        }
        return r.error();
    }

    std::uint64_t rd(std::uint64_t off, unsigned size) { return t->bar_read(off, size); }
    void wr(std::uint64_t off, std::uint64_t v, unsigned size) { t->bar_write(off, v, size); }

    void write_features(std::uint64_t f)
    {
        wr(kCommon + VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
        wr(kCommon + VIRTIO_PCI_COMMON_GF, std::uint32_t(f), 4);
        wr(kCommon + VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
        wr(kCommon + VIRTIO_PCI_COMMON_GF, std::uint32_t(f >> 32), 4);
    }

    // ACKNOWLEDGE, DRIVER, features, FEATURES_OK: what a driver does first.
    void negotiate(std::uint64_t f = kVersion1)
    {
        wr(kCommon + VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE, 1);
        wr(kCommon + VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER,
           1);
        write_features(f);
        wr(kCommon + VIRTIO_PCI_COMMON_STATUS,
           VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK, 1);
    }

    void setup_queue(std::uint16_t idx, std::uint16_t size, std::uint64_t base)
    {
        wr(kCommon + VIRTIO_PCI_COMMON_Q_SELECT, idx, 2);
        wr(kCommon + VIRTIO_PCI_COMMON_Q_SIZE, size, 2);
        wr(kCommon + VIRTIO_PCI_COMMON_Q_DESCLO, std::uint32_t(base), 4);
        wr(kCommon + VIRTIO_PCI_COMMON_Q_DESCHI, std::uint32_t(base >> 32), 4);
        wr(kCommon + VIRTIO_PCI_COMMON_Q_AVAILLO, std::uint32_t(base + 0x1000), 4);
        wr(kCommon + VIRTIO_PCI_COMMON_Q_AVAILHI, 0, 4);
        wr(kCommon + VIRTIO_PCI_COMMON_Q_USEDLO, std::uint32_t(base + 0x2000), 4);
        wr(kCommon + VIRTIO_PCI_COMMON_Q_USEDHI, 0, 4);
        wr(kCommon + VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
    }

    StubParent parent;
    FakeVirtio fake;
    RecordingHost host;
    Device dev;
    std::unique_ptr<Transport> t;
};

TEST_F(TransportTest, IdentityOfANetDevice)
{
    Transport &tr = make();
    const MdevVirtioIdentity &id = tr.identity();
    EXPECT_EQ(id.vendor_id, 0x1af4);
    EXPECT_EQ(id.device_id, 0x1041);
    EXPECT_EQ(id.revision, 1);
    EXPECT_EQ(id.subsystem_vendor_id, 0x1af4);
    EXPECT_EQ(id.subsystem_id, 0x1100);
    EXPECT_EQ(id.class_code, 0x0200);
    EXPECT_EQ(id.num_queues, 2);
    EXPECT_EQ(id.config_size, 8u);
    EXPECT_EQ(tr.num_vectors(), 3);
    EXPECT_NE(fake.config_cb, nullptr);
}

TEST_F(TransportTest, ClassCodeByDeviceType)
{
    fake.device_id = 3;
    EXPECT_EQ(make().identity().class_code, 0x0780);
    EXPECT_EQ(t->identity().device_id, 0x1043);
    t.reset();
    fake.device_id = 4; // entropy
    EXPECT_EQ(make().identity().class_code, 0xff00);
}

TEST_F(TransportTest, RefusesDeviceIdZeroAndOutOfRange)
{
    fake.device_id = 0;
    EXPECT_EQ(refusal().code, Errc::probe_failed);
    fake.device_id = 0x40;
    EXPECT_THAT(refusal().message, HasSubstr("64"));
}

TEST_F(TransportTest, ProbesThroughTheBusDriver)
{
    Core core;
    core.bus().register_driver(virtio_pci_driver());
    EXPECT_EQ(virtio_pci_driver().name(), "virtio-pci");
    EXPECT_THAT(virtio_pci_driver().id_table(), ElementsAre(ClassId::virtio));
    ASSERT_TRUE(virtio_pci_driver().probe(dev));
    dev.set_driver(&virtio_pci_driver());
    ASSERT_NE(transport(dev), nullptr);
    EXPECT_EQ(transport(dev)->num_queues(), 2);
    virtio_pci_driver().remove(dev);
    EXPECT_EQ(transport(dev), nullptr);
    // The device is not left holding callbacks into a dead transport.
    EXPECT_EQ(fake.config_cb, nullptr);
}

TEST_F(TransportTest, DeviceFeaturesByWord)
{
    fake.features = kVersion1 | kFeatureMac | (std::uint64_t(1) << 35);
    make();
    wr(kCommon + VIRTIO_PCI_COMMON_DFSELECT, 0, 4);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_DF, 4), kFeatureMac);
    wr(kCommon + VIRTIO_PCI_COMMON_DFSELECT, 1, 4);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_DFSELECT, 4), 1u);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_DF, 4), 0x9u);
    wr(kCommon + VIRTIO_PCI_COMMON_DFSELECT, 2, 4);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_DF, 4), 0u);
    EXPECT_THAT(host.errors, IsEmpty());
}

TEST_F(TransportTest, NegotiationSetsFeaturesOk)
{
    make();
    negotiate(kVersion1 | kFeatureMac);
    EXPECT_THAT(fake.set_features_calls, ElementsAre(kVersion1 | kFeatureMac));
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_STATUS, 1), 0x0bu);
    wr(kCommon + VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_GF, 4), 1u);
    wr(kCommon + VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_GF, 4), kFeatureMac);
    EXPECT_THAT(host.errors, IsEmpty());
}

TEST_F(TransportTest, FeaturesOkRefusedWithoutVersion1)
{
    make();
    negotiate(kFeatureMac);
    EXPECT_THAT(fake.set_features_calls, IsEmpty());
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_STATUS, 1), 0x03u);
    ASSERT_EQ(host.errors.size(), 1u);
    EXPECT_THAT(host.errors[0], HasSubstr("VERSION_1"));
}

TEST_F(TransportTest, FeaturesOkRefusedForUnofferedFeature)
{
    make();
    negotiate(kVersion1 | (1 << 6));
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_STATUS, 1), 0x03u);
    EXPECT_THAT(host.errors.at(0), HasSubstr("does not offer"));
}

TEST_F(TransportTest, FeaturesOkRefusedByDevice)
{
    fake.refuse_features = true;
    make();
    negotiate();
    EXPECT_THAT(fake.set_features_calls, ElementsAre(kVersion1));
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_STATUS, 1), 0x03u);
    EXPECT_THAT(host.errors.at(0), HasSubstr("refused"));
}

TEST_F(TransportTest, DriverFeaturesFrozenAfterFeaturesOk)
{
    make();
    negotiate();
    wr(kCommon + VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
    wr(kCommon + VIRTIO_PCI_COMMON_GF, kFeatureMac, 4);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_GF, 4), 0u);
    EXPECT_THAT(host.errors.at(0), HasSubstr("after FEATURES_OK"));
}

// VIRTIO_F_ACCESS_PLATFORM is the transport's (virtio-pci's
// iommu_platform): not offered by default; offered, it is required, the
// device never hears of it, and only once negotiated are the driver's
// addresses I/O virtual ones.
constexpr std::uint64_t kAccessPlatform = std::uint64_t(1) << VIRTIO_F_ACCESS_PLATFORM;

std::uint32_t device_feature_word(Transport &t, std::uint32_t word)
{
    t.bar_write(kCommon + VIRTIO_PCI_COMMON_DFSELECT, word, 4);
    return std::uint32_t(t.bar_read(kCommon + VIRTIO_PCI_COMMON_DF, 4));
}

TEST_F(TransportTest, AccessPlatformNotOfferedByDefault)
{
    Transport &tr = make();
    EXPECT_FALSE(tr.access_platform());
    EXPECT_EQ(device_feature_word(tr, 1), 0x1u); // VERSION_1 only
    negotiate(kVersion1 | kAccessPlatform);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_STATUS, 1), 0x03u);
    EXPECT_THAT(host.errors.at(0), HasSubstr("does not offer"));
    EXPECT_FALSE(tr.dma_translated());

    negotiate(kVersion1);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_STATUS, 1), 0x0bu);
    EXPECT_FALSE(tr.dma_translated());
}

TEST_F(TransportTest, AccessPlatformOfferedIsNegotiatedByTheTransport)
{
    Transport &tr = make();
    tr.set_access_platform(true);
    EXPECT_EQ(device_feature_word(tr, 1), 0x3u); // VERSION_1 | ACCESS_PLATFORM
    EXPECT_EQ(device_feature_word(tr, 0), kFeatureMac);
    EXPECT_FALSE(tr.dma_translated()); // nothing negotiated yet

    negotiate(kVersion1 | kFeatureMac | kAccessPlatform);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_STATUS, 1), 0x0bu);
    // The device did not offer it: it is not told.
    EXPECT_THAT(fake.set_features_calls, ElementsAre(kVersion1 | kFeatureMac));
    EXPECT_TRUE(tr.dma_translated());
    EXPECT_THAT(host.errors, IsEmpty());

    // A reset forgets the negotiation: physical until negotiated again.
    wr(kCommon + VIRTIO_PCI_COMMON_STATUS, 0, 1);
    EXPECT_FALSE(tr.dma_translated());
    negotiate(kVersion1 | kAccessPlatform);
    EXPECT_TRUE(tr.dma_translated());
}

TEST_F(TransportTest, AccessPlatformOfferedIsRequired)
{
    Transport &tr = make();
    tr.set_access_platform(true);
    negotiate(kVersion1 | kFeatureMac);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_STATUS, 1), 0x03u);
    EXPECT_THAT(fake.set_features_calls, IsEmpty());
    ASSERT_EQ(host.errors.size(), 1u);
    EXPECT_THAT(host.errors[0], HasSubstr("ACCESS_PLATFORM is not negotiated"));
    EXPECT_FALSE(tr.dma_translated());
}

TEST_F(TransportTest, AccessPlatformOfTheDeviceItselfReachesIt)
{
    fake.features = kVersion1 | kAccessPlatform;
    Transport &tr = make();
    tr.set_access_platform(true);
    negotiate(kVersion1 | kAccessPlatform);
    EXPECT_THAT(fake.set_features_calls, ElementsAre(kVersion1 | kAccessPlatform));
    EXPECT_TRUE(tr.dma_translated());
}

TEST_F(TransportTest, PostLoadRefusesAccessPlatformNotOffered)
{
    Transport &tr = make();
    tr.set_access_platform(true);
    negotiate(kVersion1 | kAccessPlatform);
    EXPECT_TRUE(tr.post_load());
    EXPECT_TRUE(tr.dma_translated());
    tr.set_access_platform(false); // a destination with iommu_platform=off
    EXPECT_FALSE(tr.post_load());
    EXPECT_THAT(host.errors.at(0), HasSubstr("ACCESS_PLATFORM"));
}

TEST_F(TransportTest, ConfigGenerationAndNumQueues)
{
    make();
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_CFGGENERATION, 1), 7u);
    fake.generation = 0x108;
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_CFGGENERATION, 1), 8u);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_NUMQ, 2), 2u);
}

TEST_F(TransportTest, QueueRegistersAfterReset)
{
    make();
    wr(kCommon + VIRTIO_PCI_COMMON_Q_SELECT, 1, 2);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_Q_SIZE, 2), 64u);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_Q_MSIX, 2), 0xffffu);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0u);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_Q_NOFF, 2), 1u);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_MSIX, 2), 0xffffu);
    // A queue that does not exist has size 0.
    wr(kCommon + VIRTIO_PCI_COMMON_Q_SELECT, 2, 2);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_Q_SIZE, 2), 0u);
}

TEST_F(TransportTest, QueueEnablePassesTheSetupToTheDevice)
{
    make();
    negotiate();
    setup_queue(0, 128, 0x1'0000'0000ull);
    ASSERT_EQ(fake.vqs.count(0), 1u);
    const VqSetup &vq = fake.vqs[0];
    EXPECT_EQ(vq.num, 128);
    EXPECT_EQ(vq.desc, 0x1'0000'0000ull);
    EXPECT_EQ(vq.driver, 0x1000u); // setup_queue writes 0 to the high halves
    EXPECT_EQ(vq.device, 0x2000u);
    EXPECT_TRUE(vq.ready);
    EXPECT_NE(fake.vq_cbs[0], nullptr);
    wr(kCommon + VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1u);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_Q_DESCHI, 4), 1u);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_Q_AVAILLO, 4), 0x1000u);
    EXPECT_THAT(host.errors, IsEmpty());
}

TEST_F(TransportTest, RefusedQueueSizes)
{
    make();
    negotiate();
    wr(kCommon + VIRTIO_PCI_COMMON_Q_SELECT, 1, 2);
    for (std::uint16_t bad : {0, 3, 48, 128}) {
        wr(kCommon + VIRTIO_PCI_COMMON_Q_SIZE, bad, 2);
        EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_Q_SIZE, 2), 64u) << bad;
    }
    EXPECT_EQ(host.errors.size(), 4u);
    EXPECT_THAT(host.errors[1], HasSubstr("size 3 refused"));
    wr(kCommon + VIRTIO_PCI_COMMON_Q_SIZE, 32, 2);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_Q_SIZE, 2), 32u);
}

TEST_F(TransportTest, QueueOfNonexistentIndexIsAGuestError)
{
    make();
    negotiate();
    wr(kCommon + VIRTIO_PCI_COMMON_Q_SELECT, 5, 2);
    wr(kCommon + VIRTIO_PCI_COMMON_Q_SIZE, 16, 2);
    wr(kCommon + VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
    EXPECT_EQ(host.errors.size(), 2u);
    EXPECT_THAT(host.errors[0], HasSubstr("does not exist"));
    EXPECT_TRUE(fake.vqs.empty());
}

TEST_F(TransportTest, EnabledQueueIsFrozen)
{
    make();
    negotiate();
    setup_queue(0, 128, 0x10000);
    wr(kCommon + VIRTIO_PCI_COMMON_Q_SIZE, 16, 2);
    wr(kCommon + VIRTIO_PCI_COMMON_Q_DESCLO, 0x5000, 4);
    wr(kCommon + VIRTIO_PCI_COMMON_Q_ENABLE, 0, 2);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_Q_SIZE, 2), 128u);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_Q_DESCLO, 4), 0x10000u);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1u);
    EXPECT_EQ(host.errors.size(), 3u);
    EXPECT_THAT(host.errors[2], HasSubstr("only 1"));
}

TEST_F(TransportTest, QueueEnableRefusedBeforeFeaturesOkOrMisaligned)
{
    make();
    setup_queue(0, 128, 0x10000);
    EXPECT_TRUE(fake.vqs.empty());
    EXPECT_THAT(host.errors.at(0), HasSubstr("before FEATURES_OK"));
    negotiate();
    setup_queue(0, 128, 0x10008); // descriptor table not 16-byte aligned
    EXPECT_TRUE(fake.vqs.empty());
    EXPECT_THAT(host.errors.at(1), HasSubstr("misaligned"));
}

TEST_F(TransportTest, NotifyKicksTheQueueOfTheDoorbell)
{
    make();
    negotiate();
    setup_queue(0, 128, 0x10000);
    setup_queue(1, 64, 0x20000);
    wr(kNotify + 4, 1, 2);
    wr(kNotify + 0, 0, 2);
    wr(kNotify + 4, 1, 4);
    EXPECT_THAT(fake.kicks, ElementsAre(1, 0, 1));
    EXPECT_THAT(host.errors, IsEmpty());
}

TEST_F(TransportTest, BadNotifiesAreGuestErrors)
{
    make();
    negotiate();
    setup_queue(0, 128, 0x10000);
    wr(kNotify + 4, 1, 2);      // queue 1 not enabled
    wr(kNotify + 8, 2, 2);      // no queue 2
    wr(kNotify + 0xffc, 0, 2);  // far past the queues
    wr(kNotify + 2, 0, 2);      // between doorbells
    wr(kNotify + 0, 0, 1);      // wrong size
    EXPECT_THAT(fake.kicks, IsEmpty());
    ASSERT_EQ(host.errors.size(), 5u);
    EXPECT_THAT(host.errors[0], HasSubstr("not enabled"));
    EXPECT_THAT(host.errors[1], HasSubstr("does not exist"));
    EXPECT_EQ(rd(kNotify, 2), 0u);
    EXPECT_EQ(host.errors.size(), 6u);
}

TEST_F(TransportTest, IsrReadClearsAndDropsIntx)
{
    make();
    negotiate();
    setup_queue(0, 128, 0x10000);
    fake.vq_cbs[0]->notify();
    EXPECT_THAT(host.intx, ElementsAre(true));
    fake.config_cb->notify();
    EXPECT_THAT(host.intx, ElementsAre(true)); // still asserted, no new edge
    EXPECT_EQ(rd(kIsr, 1), 3u);
    EXPECT_THAT(host.intx, ElementsAre(true, false));
    EXPECT_EQ(rd(kIsr, 1), 0u);
    fake.config_cb->notify();
    EXPECT_EQ(rd(kIsr, 1), 2u);
    EXPECT_THAT(host.intx, ElementsAre(true, false, true, false));
    EXPECT_THAT(host.msi, IsEmpty());
}

TEST_F(TransportTest, BadIsrAccessesDoNotClear)
{
    make();
    fake.config_cb->notify();
    EXPECT_EQ(rd(kIsr, 4), 0u);
    EXPECT_EQ(rd(kIsr + 1, 1), 0u);
    wr(kIsr, 0, 1);
    EXPECT_EQ(host.errors.size(), 3u);
    EXPECT_EQ(rd(kIsr, 1), 2u);
}

TEST_F(TransportTest, MsixVectorsRouteInterrupts)
{
    Transport &tr = make();
    tr.set_msix_enabled(true);
    negotiate();
    wr(kCommon + VIRTIO_PCI_COMMON_MSIX, 0, 2);
    setup_queue(0, 128, 0x10000);
    wr(kCommon + VIRTIO_PCI_COMMON_Q_MSIX, 1, 2);
    setup_queue(1, 64, 0x20000);
    wr(kCommon + VIRTIO_PCI_COMMON_Q_MSIX, 2, 2);
    fake.vq_cbs[1]->notify();
    fake.vq_cbs[0]->notify();
    fake.config_cb->notify();
    EXPECT_THAT(host.msi, ElementsAre(2, 1, 0));
    EXPECT_THAT(host.intx, IsEmpty());
    EXPECT_EQ(rd(kIsr, 1), 0u);
    // NO_VECTOR: no interrupt at all.
    wr(kCommon + VIRTIO_PCI_COMMON_Q_MSIX, 0xffff, 2);
    fake.vq_cbs[1]->notify();
    EXPECT_EQ(host.msi.size(), 3u);
}

TEST_F(TransportTest, VectorThatDoesNotExistReadsNoVector)
{
    make();
    wr(kCommon + VIRTIO_PCI_COMMON_MSIX, 3, 2);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_MSIX, 2), 0xffffu);
    wr(kCommon + VIRTIO_PCI_COMMON_Q_MSIX, 7, 2);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_Q_MSIX, 2), 0xffffu);
    wr(kCommon + VIRTIO_PCI_COMMON_Q_MSIX, 2, 2);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_Q_MSIX, 2), 2u);
}

TEST_F(TransportTest, DisablingMsixFallsBackToIntx)
{
    Transport &tr = make();
    tr.set_msix_enabled(true);
    fake.config_cb->notify(); // msix_config is NO_VECTOR: nothing
    tr.set_msix_enabled(false);
    fake.config_cb->notify();
    EXPECT_THAT(host.intx, ElementsAre(true));
    tr.set_msix_enabled(true); // INTx is not used with MSI-X on
    EXPECT_THAT(host.intx, ElementsAre(true, false));
}

TEST_F(TransportTest, StatusZeroResetsDeviceAndTransport)
{
    make();
    negotiate(kVersion1 | kFeatureMac);
    setup_queue(1, 32, 0x10000);
    wr(kCommon + VIRTIO_PCI_COMMON_Q_MSIX, 1, 2);
    wr(kCommon + VIRTIO_PCI_COMMON_MSIX, 0, 2);
    fake.config_cb->notify();
    wr(kCommon + VIRTIO_PCI_COMMON_STATUS, 0, 1);
    EXPECT_EQ(fake.status_writes.back(), 0);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_STATUS, 1), 0u);
    EXPECT_THAT(host.intx, ElementsAre(true, false));
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_Q_SELECT, 2), 0u);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_MSIX, 2), 0xffffu);
    wr(kCommon + VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_GF, 4), 0u);
    wr(kCommon + VIRTIO_PCI_COMMON_Q_SELECT, 1, 2);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_Q_SIZE, 2), 64u);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0u);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_Q_MSIX, 2), 0xffffu);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_Q_DESCLO, 4), 0u);
    EXPECT_EQ(rd(kIsr, 1), 0u);
    EXPECT_NE(fake.config_cb, nullptr);
    // And the driver can start over.
    negotiate();
    setup_queue(1, 64, 0x30000);
    EXPECT_EQ(fake.vqs[1].num, 64);
    EXPECT_THAT(host.errors, IsEmpty());
}

TEST_F(TransportTest, DeviceConfigReadsAndWrites)
{
    make();
    EXPECT_EQ(rd(kDevCfg + 0, 1), 0x52u);
    EXPECT_EQ(rd(kDevCfg + 4, 2), 0x5634u);
    EXPECT_EQ(rd(kDevCfg + 4, 4), 0x00015634u);
    EXPECT_EQ(rd(kDevCfg + 0, 8), 0x0001563412005452ull);
    wr(kDevCfg + 6, 0xbeef, 2);
    EXPECT_EQ(fake.config[6], 0xef);
    EXPECT_EQ(fake.config[7], 0xbe);
    EXPECT_THAT(host.errors, IsEmpty());
}

TEST_F(TransportTest, DeviceConfigBadAccessesNeverReachTheDevice)
{
    make();
    EXPECT_EQ(rd(kDevCfg + 8, 1), 0u);     // past the end
    EXPECT_EQ(rd(kDevCfg + 6, 4), 0u);     // misaligned
    EXPECT_EQ(rd(kDevCfg + 4, 8), 0u);     // misaligned and past the end
    EXPECT_EQ(rd(kDevCfg + 0xff8, 8), 0u); // far past
    EXPECT_EQ(rd(kDevCfg + 0, 3), 0u);     // odd size
    wr(kDevCfg + 7, 0, 2);
    wr(kDevCfg + 8, 0, 4);
    EXPECT_EQ(host.errors.size(), 7u);
    EXPECT_THAT(host.errors[0], HasSubstr("past its end"));
    EXPECT_EQ(fake.config[7], 0x00);
}

TEST_F(TransportTest, CommonConfigWidthsAreEnforced)
{
    make();
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_STATUS, 2), 0u);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_NUMQ, 4), 0u);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_DF, 2), 0u);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_Q_DESCLO, 8), 0u);
    EXPECT_EQ(rd(kCommon + 0x13, 1), 0u);   // inside num_queues
    EXPECT_EQ(rd(kCommon + 0x38, 2), 0u);   // past the structure
    EXPECT_EQ(rd(kCommon + 0xffe, 4), 0u);  // past the page
    wr(kCommon + VIRTIO_PCI_COMMON_Q_SELECT, 1, 4);       // wrong width
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_Q_SELECT, 2), 0u);
    EXPECT_EQ(host.errors.size(), 8u);
    EXPECT_THAT(host.errors[0], HasSubstr("size 2, the field has 1"));
}

TEST_F(TransportTest, ReadOnlyFieldsRefuseWrites)
{
    make();
    wr(kCommon + VIRTIO_PCI_COMMON_DF, 0, 4);
    wr(kCommon + VIRTIO_PCI_COMMON_NUMQ, 9, 2);
    wr(kCommon + VIRTIO_PCI_COMMON_CFGGENERATION, 1, 1);
    wr(kCommon + VIRTIO_PCI_COMMON_Q_NOFF, 3, 2);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_NUMQ, 2), 2u);
    EXPECT_EQ(host.errors.size(), 4u);
    EXPECT_THAT(host.errors[1], HasSubstr("read-only"));
}

TEST_F(TransportTest, AccessesOutsideTheStructures)
{
    make();
    EXPECT_EQ(rd(0x4000, 4), 0u);
    EXPECT_EQ(rd(~std::uint64_t(0) - 3, 4), 0u);
    wr(0x123456, 1, 4);
    EXPECT_EQ(host.errors.size(), 3u);
    EXPECT_THAT(host.errors[0], HasSubstr("outside the structures"));
}

TEST_F(TransportTest, PostLoadChecksTheState)
{
    Transport &tr = make();
    negotiate();
    setup_queue(0, 128, 0x10000);
    MdevVirtioTransportState saved = tr.state();
    fake.vq_cbs.clear();

    EXPECT_TRUE(tr.post_load());
    EXPECT_NE(fake.vq_cbs[0], nullptr);

    tr.state().queue[0].size = 512; // past the max
    EXPECT_FALSE(tr.post_load());
    tr.state() = saved;
    tr.state().queue[0].size = 96; // enabled, not a power of two
    EXPECT_FALSE(tr.post_load());
    tr.state() = saved;
    tr.state().queue[5].size = 16; // no queue 5
    EXPECT_FALSE(tr.post_load());
    tr.state() = saved;
    tr.state().msix_config = 3;
    EXPECT_FALSE(tr.post_load());
    tr.state() = saved;
    tr.state().isr = 0x80;
    EXPECT_FALSE(tr.post_load());
    tr.state() = saved;
    tr.state().isr = 1;
    EXPECT_TRUE(tr.post_load());
    EXPECT_EQ(host.intx.back(), true);
}

// Each refusal says why: the frontend shows these lines to the user when
// it refuses the stream (mdev_pci_check_loaded).
TEST_F(TransportTest, PostLoadSaysWhyItRefuses)
{
    Transport &tr = make();
    negotiate();
    setup_queue(0, 128, 0x10000);
    const MdevVirtioTransportState saved = tr.state();
    host.errors.clear();

    tr.state().queue[0].size = 96;
    EXPECT_FALSE(tr.post_load());
    ASSERT_EQ(host.errors.size(), 1u);
    EXPECT_THAT(host.errors[0], HasSubstr("migrated queue 0: size 96 (max 256)"));

    tr.state() = saved;
    tr.state().queue[5].size = 16;
    EXPECT_FALSE(tr.post_load());
    ASSERT_EQ(host.errors.size(), 2u);
    EXPECT_THAT(host.errors[1], HasSubstr("migrated queue 5: this device has"));

    tr.state() = saved;
    tr.state().isr = 0x80;
    EXPECT_FALSE(tr.post_load());
    ASSERT_EQ(host.errors.size(), 3u);
    EXPECT_THAT(host.errors[2], HasSubstr("ISR 0x80"));

    tr.state() = saved;
    EXPECT_TRUE(tr.post_load());
    EXPECT_EQ(host.errors.size(), 3u);
}

} // namespace
} // namespace mdev::virtio

// ---- Fault injection (virtio_faults.hpp) -------------------------------------

namespace mdev::virtio {
namespace {

TEST_F(TransportTest, ConfigChangeSendsAConfigInterruptNow)
{
    make();
    negotiate();
    ASSERT_TRUE(dev.faults().inject("config-change", 2, 0, {}));
    // INTx (MSI-X off): the config bit in ISR, the line up until ISR is read.
    EXPECT_THAT(host.intx, ElementsAre(true));
    EXPECT_EQ(rd(kIsr, 1), VIRTIO_PCI_ISR_CONFIG);
    EXPECT_THAT(host.intx, ElementsAre(true, false));
    EXPECT_EQ(dev.faults().entries()[dev.faults().find("config-change").value()].fired, 2u);
    EXPECT_FALSE(dev.faults().any_armed());
}

TEST_F(TransportTest, NeedsResetUntilTheDriverResets)
{
    make();
    negotiate();
    setup_queue(0, 128, 0x10000);
    const std::uint64_t before = rd(kCommon + VIRTIO_PCI_COMMON_STATUS, 1);
    EXPECT_EQ(before & VIRTIO_CONFIG_S_NEEDS_RESET, 0u);
    ASSERT_TRUE(dev.faults().inject("needs-reset", 1, 0, {}));
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_STATUS, 1), before | VIRTIO_CONFIG_S_NEEDS_RESET);
    EXPECT_EQ(rd(kIsr, 1), VIRTIO_PCI_ISR_CONFIG);
    // The bit stays through other status writes, which (as doorbells) do
    // not reach the device: it moves nothing until reset. A reset clears it.
    wr(kCommon + VIRTIO_PCI_COMMON_STATUS, before | VIRTIO_CONFIG_S_DRIVER_OK, 1);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_STATUS, 1), before | VIRTIO_CONFIG_S_NEEDS_RESET);
    wr(kNotify + 0, 0, 2);
    EXPECT_THAT(fake.kicks, IsEmpty());
    EXPECT_THAT(host.errors, IsEmpty());
    wr(kCommon + VIRTIO_PCI_COMMON_STATUS, 0, 1);
    EXPECT_EQ(rd(kCommon + VIRTIO_PCI_COMMON_STATUS, 1), 0u);
}

TEST_F(TransportTest, VirtioFaultsAreRefusedOnceTheTransportIsGone)
{
    make();
    t.reset();
    EXPECT_FALSE(dev.faults().inject("needs-reset", 1, 0, {}));
    EXPECT_FALSE(dev.faults().inject("config-change", 1, 0, {}));
}

} // namespace
} // namespace mdev::virtio
