// SPDX-License-Identifier: GPL-2.0-or-later
// The virtio class as the vfio-user server serves it: the capability layout
// shared with the QEMU glue (hw/mdev/virtio/pci_caps.hpp), and the served
// virtio-pci function (tools/mdev-vfio-user/virtio_function.hpp) over mvnet
// bound by the real virtio frontend: config space as a VFIO user reads it,
// the structure BAR trapped into the transport, MSI-X Enable switching the
// transport's interrupts, the configuration access window, reset, and
// refusals of accesses outside the function.
#include "virtio_function.hpp"

#include "hw/mdev/core.hpp"
#include "hw/mdev/le_bytes.hpp"
#include "parent_fixture.hpp"
#include "recording_host.hpp"
#include "samples/mtty/mtty.hpp"
#include "samples/mvnet/mvnet.hpp"
#include "vfio/vfio_driver.hpp"
#include "virtio/pci_caps.hpp"
#include "virtio/transport.hpp"
#include "virtio/virtio_driver.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <vector>

namespace mdev::vfio_user {
namespace {

using ::testing::HasSubstr;

constexpr const char *kUuid = "7c1e2a40-5b3d-4e6f-8a9b-0c1d2e3f4a5b";
constexpr std::uint32_t kMsixBits = PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL;

MdevVirtioIdentity identity(std::uint16_t queues, std::uint32_t config_size)
{
    MdevVirtioIdentity id{};
    id.num_queues = queues;
    id.config_size = config_size;
    return id;
}

TEST(VirtioCapLayout, CapabilitiesInOrderWhereQemuPutsThem)
{
    const MdevVirtioCapLayout l = virtio::cap_layout(identity(2, 12));
    ASSERT_EQ(l.count, 5u);
    const std::uint8_t types[] = {VIRTIO_PCI_CAP_COMMON_CFG, VIRTIO_PCI_CAP_ISR_CFG,
                                  VIRTIO_PCI_CAP_DEVICE_CFG, VIRTIO_PCI_CAP_NOTIFY_CFG,
                                  VIRTIO_PCI_CAP_PCI_CFG};
    // sizeof the UAPI structures: 16, 16, 16, 20 (notify), 20 (pci cfg),
    // each on the next dword from 0x40.
    const std::uint8_t pos[] = {0x40, 0x50, 0x60, 0x70, 0x84};
    for (unsigned i = 0; i < l.count; i++) {
        EXPECT_EQ(l.cap[i].cfg_type, types[i]) << i;
        EXPECT_EQ(l.cap[i].pos, pos[i]) << i;
        EXPECT_EQ(l.cap[i].bar, MDEV_VIRTIO_STRUCT_BAR) << i;
    }
    EXPECT_EQ(l.cap[0].length, sizeof(virtio_pci_common_cfg));
    EXPECT_EQ(l.cap[2].offset, MDEV_VIRTIO_DEVICE_OFFSET);
    EXPECT_EQ(l.cap[2].length, 12u);
    EXPECT_EQ(l.cap[3].length, 2u * MDEV_VIRTIO_NOTIFY_MULTIPLIER);
    EXPECT_EQ(l.cap[3].notify_off_multiplier, MDEV_VIRTIO_NOTIFY_MULTIPLIER);
    EXPECT_EQ(l.cap[3].len, sizeof(virtio_pci_notify_cap));
    EXPECT_EQ(l.cfg_cap, 0x84);
    EXPECT_EQ(l.msix_pos, 0x98);
}

TEST(VirtioCapLayout, NoDeviceConfigNoDeviceCapabilityAndOneDoorbellAtLeast)
{
    const MdevVirtioCapLayout l = virtio::cap_layout(identity(0, 0));
    ASSERT_EQ(l.count, 4u);
    for (unsigned i = 0; i < l.count; i++) {
        EXPECT_NE(l.cap[i].cfg_type, VIRTIO_PCI_CAP_DEVICE_CFG);
    }
    EXPECT_EQ(l.cap[2].cfg_type, VIRTIO_PCI_CAP_NOTIFY_CFG);
    EXPECT_EQ(l.cap[2].length, std::uint32_t(MDEV_VIRTIO_NOTIFY_MULTIPLIER));
    // Device config beyond a page is cut to the page the BAR has for it.
    EXPECT_EQ(virtio::cap_layout(identity(1, 0x2000)).cap[2].length,
              std::uint32_t(MDEV_VIRTIO_PAGE));
}

TEST(VirtioCapLayout, BytesAreTheUapiStructuresAndOnlyTheWindowIsWritable)
{
    const MdevVirtioCapLayout l = virtio::cap_layout(identity(3, 8));
    std::vector<std::uint8_t> cap(32), mask(32);
    // notify: bytes from PCI_CAP_FLAGS, as virtio_pci_notify_cap lays them.
    const MdevVirtioCap &n = l.cap[3];
    virtio::cap_bytes(n, {cap.data() + PCI_CAP_FLAGS, n.len - 2u},
                      {mask.data() + PCI_CAP_FLAGS, n.len - 2u});
    EXPECT_EQ(cap[VIRTIO_PCI_CAP_LEN], sizeof(virtio_pci_notify_cap));
    EXPECT_EQ(cap[VIRTIO_PCI_CAP_CFG_TYPE], VIRTIO_PCI_CAP_NOTIFY_CFG);
    EXPECT_EQ(cap[VIRTIO_PCI_CAP_BAR], MDEV_VIRTIO_STRUCT_BAR);
    EXPECT_EQ(load_le({cap.data() + VIRTIO_PCI_CAP_OFFSET, 4}), MDEV_VIRTIO_NOTIFY_OFFSET);
    EXPECT_EQ(load_le({cap.data() + VIRTIO_PCI_CAP_LENGTH, 4}), 12u);
    EXPECT_EQ(load_le({cap.data() + VIRTIO_PCI_NOTIFY_CAP_MULT, 4}),
              std::uint64_t(MDEV_VIRTIO_NOTIFY_MULTIPLIER));
    for (unsigned i = 0; i < n.len; i++) {
        EXPECT_EQ(mask[i], 0) << i;
    }
    // The configuration access capability: bar, offset, length and data.
    const MdevVirtioCap &c = l.cap[4];
    std::fill(mask.begin(), mask.end(), 0);
    virtio::cap_bytes(c, {cap.data() + PCI_CAP_FLAGS, c.len - 2u},
                      {mask.data() + PCI_CAP_FLAGS, c.len - 2u});
    EXPECT_EQ(cap[VIRTIO_PCI_CAP_CFG_TYPE], VIRTIO_PCI_CAP_PCI_CFG);
    EXPECT_EQ(mask[VIRTIO_PCI_CAP_BAR], 0xff);
    EXPECT_EQ(mask[VIRTIO_PCI_CAP_CFG_TYPE], 0);
    EXPECT_EQ(load_le({mask.data() + VIRTIO_PCI_CAP_OFFSET, 4}), 0xffffffffu);
    EXPECT_EQ(load_le({mask.data() + VIRTIO_PCI_CAP_LENGTH, 4}), 0xffffffffu);
    EXPECT_EQ(load_le({mask.data() + offsetof(virtio_pci_cfg_cap, pci_cfg_data), 4}),
              0xffffffffu);
}

TEST(VirtioCapLayout, ConfigurationWindowMustBeAnAlignedAccessInsideTheStructureBar)
{
    struct Case {
        std::uint8_t bar;
        std::uint32_t offset, length;
        bool ok;
    };
    const Case cases[] = {
        {MDEV_VIRTIO_STRUCT_BAR, 0x14, 1, true},
        {MDEV_VIRTIO_STRUCT_BAR, 0x12, 2, true},
        {MDEV_VIRTIO_STRUCT_BAR, 0x3ffc, 4, true},
        {MDEV_VIRTIO_STRUCT_BAR, 0x4000, 4, false}, // past the BAR
        {MDEV_VIRTIO_STRUCT_BAR, 0x12, 4, false},   // misaligned
        {MDEV_VIRTIO_STRUCT_BAR, 0x10, 3, false},   // not 1, 2 or 4
        {MDEV_VIRTIO_STRUCT_BAR, 0x10, 0, false},
        {MDEV_VIRTIO_MSIX_BAR, 0x10, 4, false},     // nothing else behind it
    };
    for (const Case &k : cases) {
        std::vector<std::uint8_t> cap(sizeof(virtio_pci_cfg_cap));
        cap[VIRTIO_PCI_CAP_BAR] = k.bar;
        store_le({cap.data() + VIRTIO_PCI_CAP_OFFSET, 4}, k.offset);
        store_le({cap.data() + VIRTIO_PCI_CAP_LENGTH, 4}, k.length);
        MdevVirtioCfgWindow w{};
        EXPECT_EQ(virtio::cfg_window(cap, w), k.ok) << k.offset << " " << k.length;
        EXPECT_EQ(w.bar, k.bar);
        EXPECT_EQ(w.offset, k.offset);
        EXPECT_EQ(w.length, k.length);
    }
}

class ServedVirtioTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        samples::MvnetParent *parent = nullptr;
        ASSERT_NO_FATAL_FAILURE(mdev::test::register_parent(
            core, std::make_unique<samples::MvnetParent>(), parent, virtio::virtio_pci_driver()));
        Result<Device *> r = core.create({"mvnet", "mvnet-virtio", kUuid, "virtio", &host});
        ASSERT_TRUE(r) << r.error().message;
        dev = *r;
        fn = VirtioFunction::of(*dev);
        ASSERT_TRUE(fn);
        t = virtio::transport(*dev);
    }
    void TearDown() override
    {
        fn.reset();
        if (dev) {
            (void)core.remove(kUuid);
        }
    }

    std::uint32_t cfg(std::uint32_t off, unsigned size)
    {
        std::vector<std::uint8_t> b(size);
        EXPECT_TRUE(fn->config_access(off, b, false));
        return std::uint32_t(load_le(b));
    }
    void set_cfg(std::uint32_t off, std::uint32_t v, unsigned size)
    {
        std::vector<std::uint8_t> b(size);
        store_le(b, v);
        EXPECT_TRUE(fn->config_access(off, b, true));
    }
    std::uint64_t bar4(std::uint64_t off, unsigned size)
    {
        std::vector<std::uint8_t> b(size);
        EXPECT_TRUE(fn->bar_access(MDEV_VIRTIO_STRUCT_BAR, off, b, false));
        return load_le(b);
    }
    void set_bar4(std::uint64_t off, std::uint64_t v, unsigned size)
    {
        std::vector<std::uint8_t> b(size);
        store_le(b, v);
        EXPECT_TRUE(fn->bar_access(MDEV_VIRTIO_STRUCT_BAR, off, b, true));
    }
    // The capabilities as a driver walks them: (ID, offset) in list order.
    std::vector<std::pair<std::uint8_t, std::uint8_t>> caps()
    {
        std::vector<std::pair<std::uint8_t, std::uint8_t>> out;
        for (std::uint8_t p = std::uint8_t(cfg(PCI_CAPABILITY_LIST, 1)); p && out.size() < 48;
             p = std::uint8_t(cfg(p + PCI_CAP_LIST_NEXT, 1))) {
            out.emplace_back(std::uint8_t(cfg(p, 1)), p);
        }
        return out;
    }

    test::RecordingHost host;
    Core core;
    Device *dev = nullptr;
    std::unique_ptr<VirtioFunction> fn;
    virtio::Transport *t = nullptr;
};

TEST_F(ServedVirtioTest, ConfigSpaceIsTheModernVirtioNetFunction)
{
    EXPECT_EQ(cfg(PCI_VENDOR_ID, 2), 0x1af4u);
    EXPECT_EQ(cfg(PCI_DEVICE_ID, 2), 0x1041u);
    EXPECT_EQ(cfg(PCI_REVISION_ID, 1), 1u);
    EXPECT_EQ(cfg(PCI_CLASS_DEVICE, 2), 0x0200u);
    EXPECT_EQ(cfg(PCI_SUBSYSTEM_ID, 2), 0x1100u);
    EXPECT_EQ(cfg(PCI_INTERRUPT_PIN, 1), 1u);
    EXPECT_TRUE(cfg(PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
    // BAR1: 32-bit memory, 4 KiB; BAR4: 64-bit prefetchable, the structures.
    EXPECT_EQ(cfg(PCI_BASE_ADDRESS_0 + 4 * MDEV_VIRTIO_MSIX_BAR, 4),
              std::uint32_t(PCI_BASE_ADDRESS_SPACE_MEMORY | PCI_BASE_ADDRESS_MEM_TYPE_32));
    EXPECT_EQ(cfg(PCI_BASE_ADDRESS_0 + 4 * MDEV_VIRTIO_STRUCT_BAR, 4),
              std::uint32_t(PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH));
    EXPECT_EQ(fn->bar(MDEV_VIRTIO_STRUCT_BAR).size, std::uint64_t(MDEV_VIRTIO_STRUCT_BAR_SIZE));
    EXPECT_EQ(fn->bar(MDEV_VIRTIO_MSIX_BAR).size, std::uint64_t(MDEV_VIRTIO_MSIX_BAR_SIZE));
    EXPECT_EQ(fn->bar(0).size, 0u);
    EXPECT_EQ(fn->bar(5).size, 0u); // BAR4's upper half

    // The capabilities at the shared layout's offsets, then MSI-X.
    const MdevVirtioCapLayout l = virtio::cap_layout(t->identity());
    const auto list = caps();
    ASSERT_EQ(list.size(), l.count + 1);
    for (unsigned i = 0; i < l.count; i++) {
        EXPECT_EQ(list[i].first, PCI_CAP_ID_VNDR);
        EXPECT_EQ(list[i].second, l.cap[i].pos);
        EXPECT_EQ(cfg(l.cap[i].pos + VIRTIO_PCI_CAP_CFG_TYPE, 1), l.cap[i].cfg_type);
        EXPECT_EQ(cfg(l.cap[i].pos + VIRTIO_PCI_CAP_OFFSET, 4), l.cap[i].offset);
        EXPECT_EQ(cfg(l.cap[i].pos + VIRTIO_PCI_CAP_LENGTH, 4), l.cap[i].length);
    }
    const std::uint8_t msix = list.back().second;
    EXPECT_EQ(list.back().first, PCI_CAP_ID_MSIX);
    EXPECT_EQ(msix, l.msix_pos);
    EXPECT_EQ((cfg(msix + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_QSIZE) + 1u, t->num_vectors());
    EXPECT_EQ(fn->msix_vectors(), t->num_vectors());
    EXPECT_EQ(cfg(msix + PCI_MSIX_TABLE, 4),
              std::uint32_t(MDEV_VIRTIO_MSIX_TABLE_OFFSET | MDEV_VIRTIO_MSIX_BAR));
    EXPECT_EQ(cfg(msix + PCI_MSIX_PBA, 4),
              std::uint32_t(MDEV_VIRTIO_MSIX_PBA_OFFSET | MDEV_VIRTIO_MSIX_BAR));
}

// iommu_platform=on: ACCESS_PLATFORM offered through the structure BAR and
// required; negotiated, the function says its DMA addresses are translated
// (the client's IOVAs), otherwise they are guest-physical.
TEST_F(ServedVirtioTest, AccessPlatformOfferedRequiredAndReported)
{
    auto features_hi = [&] {
        set_bar4(MDEV_VIRTIO_COMMON_OFFSET + VIRTIO_PCI_COMMON_DFSELECT, 1, 4);
        return std::uint32_t(bar4(MDEV_VIRTIO_COMMON_OFFSET + VIRTIO_PCI_COMMON_DF, 4));
    };
    constexpr std::uint32_t kAp = 1u << (VIRTIO_F_ACCESS_PLATFORM - 32);
    constexpr std::uint32_t kV1 = 1u << (VIRTIO_F_VERSION_1 - 32);
    auto negotiate = [&](std::uint32_t hi) {
        set_bar4(MDEV_VIRTIO_COMMON_OFFSET + VIRTIO_PCI_COMMON_STATUS, 0, 1);
        set_bar4(MDEV_VIRTIO_COMMON_OFFSET + VIRTIO_PCI_COMMON_STATUS,
                 VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER, 1);
        set_bar4(MDEV_VIRTIO_COMMON_OFFSET + VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
        set_bar4(MDEV_VIRTIO_COMMON_OFFSET + VIRTIO_PCI_COMMON_GF, hi, 4);
        set_bar4(MDEV_VIRTIO_COMMON_OFFSET + VIRTIO_PCI_COMMON_STATUS,
                 VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
                     VIRTIO_CONFIG_S_FEATURES_OK,
                 1);
        return (bar4(MDEV_VIRTIO_COMMON_OFFSET + VIRTIO_PCI_COMMON_STATUS, 1) &
                VIRTIO_CONFIG_S_FEATURES_OK) != 0;
    };
    EXPECT_FALSE(features_hi() & kAp); // off by default
    EXPECT_TRUE(negotiate(kV1));
    EXPECT_FALSE(fn->dma_translated());

    fn->set_access_platform(true);
    EXPECT_TRUE(features_hi() & kAp);
    EXPECT_FALSE(negotiate(kV1)) << "FEATURES_OK without ACCESS_PLATFORM must be refused";
    EXPECT_FALSE(fn->dma_translated());
    EXPECT_TRUE(negotiate(kV1 | kAp));
    EXPECT_TRUE(fn->dma_translated());
}

TEST_F(ServedVirtioTest, StructureBarIsTheTransports)
{
    // Device features, low word: what the transport offers (MAC among them).
    set_bar4(MDEV_VIRTIO_COMMON_OFFSET + VIRTIO_PCI_COMMON_DFSELECT, 0, 4);
    EXPECT_EQ(bar4(MDEV_VIRTIO_COMMON_OFFSET + VIRTIO_PCI_COMMON_DF, 4),
              std::uint32_t(t->offered_features()));
    EXPECT_EQ(bar4(MDEV_VIRTIO_COMMON_OFFSET + VIRTIO_PCI_COMMON_NUMQ, 2), t->num_queues());
    // The station address from device config, byte by byte.
    EXPECT_EQ(bar4(MDEV_VIRTIO_DEVICE_OFFSET, 1), 0x02u);
    // Status written and read back through the BAR.
    set_bar4(MDEV_VIRTIO_COMMON_OFFSET + VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE, 1);
    EXPECT_EQ(bar4(MDEV_VIRTIO_COMMON_OFFSET + VIRTIO_PCI_COMMON_STATUS, 1),
              std::uint64_t(VIRTIO_CONFIG_S_ACKNOWLEDGE));
    // A bad access reaches the transport, which logs it, as in our QEMU.
    EXPECT_EQ(bar4(MDEV_VIRTIO_COMMON_OFFSET + VIRTIO_PCI_COMMON_NUMQ, 4), 0u);
    ASSERT_FALSE(host.errors.empty());
    EXPECT_THAT(host.errors.back(), HasSubstr("has size 4, the field has 2"));
}

TEST_F(ServedVirtioTest, MsixEnableMovesInterruptsFromIntxToVectors)
{
    const std::uint8_t msix = *fn->pci_config().capability(PCI_CAP_ID_MSIX);
    EXPECT_FALSE(t->state().msix_enabled);
    // The client writes the guest's Message Control through.
    set_cfg(msix + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
    EXPECT_TRUE(t->state().msix_enabled);
    EXPECT_EQ(cfg(msix + PCI_MSIX_FLAGS, 2) & kMsixBits, PCI_MSIX_FLAGS_ENABLE);
    // The config vector, mapped, is what a config interrupt sends.
    set_bar4(MDEV_VIRTIO_COMMON_OFFSET + VIRTIO_PCI_COMMON_MSIX, 0, 2);
    t->config_interrupt();
    ASSERT_EQ(host.msi.size(), 1u);
    EXPECT_EQ(host.msi[0], 0u);
    // A byte write of the high half, function mask on, enable off: INTx.
    set_cfg(msix + PCI_MSIX_FLAGS + 1, PCI_MSIX_FLAGS_MASKALL >> 8, 1);
    EXPECT_FALSE(t->state().msix_enabled);
    EXPECT_EQ(cfg(msix + PCI_MSIX_FLAGS, 2) & kMsixBits, PCI_MSIX_FLAGS_MASKALL);
    t->config_interrupt();
    ASSERT_FALSE(host.intx.empty());
    EXPECT_TRUE(host.intx.back());
    // Reading ISR acknowledges and lowers INTx.
    EXPECT_EQ(bar4(MDEV_VIRTIO_ISR_OFFSET, 1), std::uint64_t(VIRTIO_PCI_ISR_CONFIG));
    EXPECT_FALSE(host.intx.back());
}

TEST_F(ServedVirtioTest, ConfigurationAccessCapabilityReachesTheStructureBar)
{
    const std::uint8_t c = virtio::cap_layout(t->identity()).cfg_cap;
    const std::uint32_t data = c + offsetof(virtio_pci_cfg_cap, pci_cfg_data);
    set_cfg(c + VIRTIO_PCI_CAP_BAR, MDEV_VIRTIO_STRUCT_BAR, 1);
    set_cfg(c + VIRTIO_PCI_CAP_OFFSET, MDEV_VIRTIO_COMMON_OFFSET + VIRTIO_PCI_COMMON_NUMQ, 4);
    set_cfg(c + VIRTIO_PCI_CAP_LENGTH, 2, 4);
    EXPECT_EQ(cfg(data, 4), t->num_queues());
    // A write through it: device_status.
    set_cfg(c + VIRTIO_PCI_CAP_OFFSET, MDEV_VIRTIO_COMMON_OFFSET + VIRTIO_PCI_COMMON_STATUS, 4);
    set_cfg(c + VIRTIO_PCI_CAP_LENGTH, 1, 4);
    set_cfg(data, VIRTIO_CONFIG_S_ACKNOWLEDGE, 4);
    EXPECT_EQ(bar4(MDEV_VIRTIO_COMMON_OFFSET + VIRTIO_PCI_COMMON_STATUS, 1),
              std::uint64_t(VIRTIO_CONFIG_S_ACKNOWLEDGE));
    // The type and the identity stay read-only.
    set_cfg(c + VIRTIO_PCI_CAP_CFG_TYPE, 0x77, 1);
    EXPECT_EQ(cfg(c + VIRTIO_PCI_CAP_CFG_TYPE, 1), std::uint32_t(VIRTIO_PCI_CAP_PCI_CFG));
    set_cfg(PCI_DEVICE_ID, 0xbeef, 2);
    EXPECT_EQ(cfg(PCI_DEVICE_ID, 2), 0x1041u);
    // The client's read of the whole space does not read through the
    // window (nor log a bad one): it sees the last value.
    set_cfg(c + VIRTIO_PCI_CAP_LENGTH, 0, 4);
    host.errors.clear();
    std::vector<std::uint8_t> all(PCI_CFG_SPACE_SIZE);
    ASSERT_TRUE(fn->config_access(0, all, false));
    EXPECT_TRUE(host.errors.empty());
    // A window outside the structure BAR: logged, reads 0.
    set_cfg(c + VIRTIO_PCI_CAP_LENGTH, 1, 4);
    set_cfg(c + VIRTIO_PCI_CAP_BAR, 0, 1);
    host.errors.clear();
    EXPECT_EQ(cfg(data, 4), 0u);
    ASSERT_EQ(host.errors.size(), 1u);
    EXPECT_THAT(host.errors[0], HasSubstr("PCI cfg access read of BAR0"));
}

TEST_F(ServedVirtioTest, BusMasterFollowsCommandAndResetClearsIt)
{
    EXPECT_FALSE(fn->bus_master());
    set_cfg(PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
    EXPECT_TRUE(fn->bus_master());
    const std::uint8_t msix = *fn->pci_config().capability(PCI_CAP_ID_MSIX);
    set_cfg(msix + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
    set_bar4(MDEV_VIRTIO_COMMON_OFFSET + VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE, 1);
    fn->reset();
    EXPECT_FALSE(fn->bus_master());
    EXPECT_FALSE(t->state().msix_enabled);
    EXPECT_EQ(cfg(msix + PCI_MSIX_FLAGS, 2) & kMsixBits, 0u);
    EXPECT_EQ(bar4(MDEV_VIRTIO_COMMON_OFFSET + VIRTIO_PCI_COMMON_STATUS, 1), 0u);
}

TEST_F(ServedVirtioTest, AccessesOutsideTheFunctionAreRefused)
{
    std::vector<std::uint8_t> b(4);
    EXPECT_FALSE(fn->config_access(PCI_CFG_SPACE_SIZE - 2, b, false));
    EXPECT_FALSE(fn->config_access(0, {}, false));
    EXPECT_FALSE(fn->bar_access(0, 0, b, false));               // no BAR0
    EXPECT_FALSE(fn->bar_access(5, 0, b, false));               // upper half of BAR4
    EXPECT_FALSE(fn->bar_access(MDEV_VIRTIO_STRUCT_BAR, MDEV_VIRTIO_STRUCT_BAR_SIZE - 2, b, true));
    EXPECT_FALSE(fn->bar_access(MDEV_VIRTIO_MSIX_BAR, ~std::uint64_t(0), b, false));
    // The PBA reads as nothing pending; the client keeps the table.
    EXPECT_TRUE(fn->bar_access(MDEV_VIRTIO_MSIX_BAR, MDEV_VIRTIO_MSIX_PBA_OFFSET, b, false));
    EXPECT_EQ(load_le(b), 0u);
    // A 16-byte config read is split and reads what the pieces read.
    std::vector<std::uint8_t> hdr(16);
    ASSERT_TRUE(fn->config_access(0, hdr, false));
    EXPECT_EQ(load_le({hdr.data(), 4}), 0x10411af4u);
}

TEST_F(ServedVirtioTest, OnlyVirtioBoundDevicesAreServedThisWay)
{
    // mtty's vfio face: a device of class vfio, which the virtio frontend
    // does not bind.
    samples::MttyParent *mtty = nullptr;
    ASSERT_NO_FATAL_FAILURE(
        mdev::test::register_parent(core, std::make_unique<samples::MttyParent>(), mtty));
    const char *uuid = "7c1e2a40-5b3d-4e6f-8a9b-0c1d2e3f4a5c";
    Result<Device *> r = core.create({"mtty", "mtty-1", uuid, "vfio", &host});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_FALSE(VirtioFunction::of(**r));
    EXPECT_TRUE(core.remove(uuid));
}

} // namespace
} // namespace mdev::vfio_user
