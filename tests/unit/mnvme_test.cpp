// SPDX-License-Identifier: GPL-2.0-or-later
// The mnvme parent through a core with the vfio frontend: types and the
// MiB budget, the file property, the PCI face Linux's nvme driver probes by
// (class 010802, BAR0, INTA), and one controller brought up through BAR0
// with its DMA going through the Host's checked calls and its interrupt
// through the frontend's INTx.
#include "samples/mnvme/mnvme.hpp"
#include "samples/mnvme/nvme_spec.hpp"

#include "hw/mdev/core.hpp"
#include "hw/mdev/le_bytes.hpp"
#include "vfio/msix.hpp"
#include "vfio/pci_function.hpp"
#include "vfio/vfio_driver.hpp"
#include "parent_fixture.hpp"
#include "guest_ram.hpp"
#include "test_uuid.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>
#include <stdexcept>
#include <string>
#include <vector>

namespace mdev::samples {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using vfio::PciFunction;
using namespace nvme;

using test::uuid_n;

// Guest RAM [0, 4 MiB), INTx recorded.
class RamHost final : public Host {
public:
    std::vector<std::uint8_t> ram = std::vector<std::uint8_t>(4 << 20, 0);
    std::vector<std::string> errors;
    bool intx = false;
    bool bme = true;
    std::vector<std::pair<std::uint64_t, std::uint32_t>> messages; // MSI-X writes
    void guest_error(std::string_view m) override { errors.emplace_back(m); }
    void set_intx(bool asserted) override { intx = asserted; }
    void notify_msi(std::uint32_t) override {}
    void send_msi(std::uint64_t address, std::uint32_t data) override
    {
        messages.emplace_back(address, data);
    }
    bool bus_master() override { return bme; }
    bool dma_read(std::uint64_t addr, std::span<std::uint8_t> out) override
    {
        return mdev::test::ram_read(ram, 0, addr, out);
    }
    bool dma_write(std::uint64_t addr, std::span<const std::uint8_t> in) override
    {
        return mdev::test::ram_write(ram, 0, addr, in);
    }
    std::uint64_t get(std::uint64_t a, unsigned n) { return load_le(std::span(ram).subspan(a, n)); }
    void set(std::uint64_t a, unsigned n, std::uint64_t v) { store_le(std::span(ram).subspan(a, n), v); }
};

class MnvmeTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        ASSERT_NO_FATAL_FAILURE(
            test::register_parent(core, std::make_unique<MnvmeParent>(512), parent));
    }

    Result<Device *> create(unsigned n, const char *type = "mnvme-64m",
                            const char *file = nullptr)
    {
        PropertyValues props;
        if (file) {
            props.set("file", file);
        }
        CreateRequest req{"mnvme", type, uuid_n(n), "vfio", &host};
        req.properties = props;
        return core.create(std::move(req));
    }

    PciFunction &make(unsigned n = 1)
    {
        return test::bound_function(create(n), dev);
    }

    RamHost host; // outlives the core
    Core core;
    MnvmeParent *parent = nullptr;
    Device *dev = nullptr;
};

TEST_F(MnvmeTest, TypesAndBudget)
{
    ASSERT_EQ(parent->types().size(), 3u);
    EXPECT_EQ(parent->types()[0].id, "mnvme-64m");
    EXPECT_THAT(core.classes_of("mnvme"), ElementsAre(ClassId::vfio));
    EXPECT_EQ(parent->available_instances(parent->types()[1]), 2u); // 512 / 256
    ASSERT_TRUE(create(1, "mnvme-256m"));
    ASSERT_TRUE(create(2, "mnvme-64m"));
    EXPECT_EQ(parent->mib_in_use(), 320u);
    EXPECT_EQ(parent->available_instances(parent->types()[1]), 0u);
    EXPECT_EQ(parent->available_instances(parent->types()[0]), 3u);
    Result<Device *> big = create(3, "mnvme-1g");
    ASSERT_FALSE(big);
    EXPECT_EQ(big.error().code, Errc::budget_exhausted);
    ASSERT_TRUE(core.remove(uuid_n(1)));
    EXPECT_EQ(parent->mib_in_use(), 64u);
    EXPECT_FALSE(core.create({"mnvme", "mnvme-64m", uuid_n(4), "virtio", &host}));

    PropertyValues budget;
    budget.set("MiB", "32");
    Result<std::unique_ptr<Parent>> small = MnvmeParent::make(budget);
    ASSERT_FALSE(small);
    EXPECT_EQ(small.error().code, Errc::invalid_property);
}

TEST_F(MnvmeTest, FileProperty)
{
    Result<Device *> missing = create(1, "mnvme-64m", "/nonexistent/disk.img");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, Errc::invalid_property);
    EXPECT_THAT(missing.error().message, HasSubstr("property 'file'"));
    EXPECT_EQ(parent->mib_in_use(), 0u); // the refusal took no budget
    char path[] = "/tmp/mnvme-parent-XXXXXX";
    const int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    Result<Device *> empty = create(1, "mnvme-64m", path);
    ASSERT_FALSE(empty);
    EXPECT_THAT(empty.error().message, HasSubstr("less than one 512-byte block"));
    ASSERT_EQ(truncate(path, 1 << 20), 0);
    Result<Device *> ok = create(1, "mnvme-64m", path);
    ASSERT_TRUE(ok) << ok.error().message;
    MnvmeMdev &m = (*ok)->vendor_state<MnvmeMdev>();
    EXPECT_EQ(m.controller().ns(2).blocks(), 2048u);
    EXPECT_EQ(m.controller().ns(1).blocks(), 64u * 2048);
    unlink(path);
}

// A written RAM namespace blocks the mdev's migration, with the reason the
// destination would refuse it for; a written file namespace does not.
TEST_F(MnvmeTest, WrittenRamNamespaceBlocksMigration)
{
    char path[] = "/tmp/mnvme-parent-XXXXXX";
    const int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    ASSERT_EQ(truncate(path, 1 << 20), 0);
    Result<Device *> r = create(1, "mnvme-64m", path);
    ASSERT_TRUE(r) << r.error().message;
    unlink(path);
    Device &d = **r;
    MnvmeMdev &m = d.vendor_state<MnvmeMdev>();
    ASSERT_EQ(m.ports().dev, &d); // bound
    m.controller().ns(2).storage->written();
    EXPECT_FALSE(d.migration_blocked());
    m.controller().ns(1).storage->written();
    EXPECT_TRUE(d.migration_blocked());
    EXPECT_THAT(d.migration_blocker(), HasSubstr("RAM namespace was written"));
    EXPECT_THAT(d.migration_blocker(), HasSubstr("use file="));
    // A reset does not unblock: the data is still in the namespace.
    vfio::pci_function(d)->reset();
    EXPECT_TRUE(d.migration_blocked());
}

TEST_F(MnvmeTest, PciFaceIsAnNvmeController)
{
    PciFunction &f = make();
    EXPECT_EQ(f.config_read(PCI_VENDOR_ID, 2), 0x1af4u);
    EXPECT_EQ(f.config_read(PCI_DEVICE_ID, 2), 0x10f1u);
    EXPECT_EQ(f.config_read(PCI_CLASS_PROG, 1), 0x02u);
    EXPECT_EQ(f.config_read(PCI_CLASS_DEVICE, 2), 0x0108u);
    EXPECT_EQ(f.config_read(PCI_INTERRUPT_PIN, 1), 1u);
    EXPECT_EQ(f.bar(0).size, kBar0Size);
    EXPECT_EQ(f.config_read(PCI_BASE_ADDRESS_0, 4) & 0x7,
              unsigned(PCI_BASE_ADDRESS_MEM_TYPE_64));
    EXPECT_TRUE(f.has_intx());
    ASSERT_NE(f.bar_accessor(0), nullptr);
    // CAP as Linux reads it (lo_hi_readq) and as one 8-byte access.
    const std::uint64_t cap = f.bar_read(0, NVME_REG_CAP, 4) |
                              std::uint64_t(f.bar_read(0, NVME_REG_CAP + 4, 4)) << 32;
    EXPECT_EQ(cap & 0xffff, kMaxQueueEntries - 1);
    EXPECT_EQ(f.bar_read(0, NVME_REG_VS, 4), NVME_VS_1_4);
    // Narrower reads take bytes of the register's dword.
    EXPECT_EQ(f.bar_read(0, NVME_REG_VS + 2, 2), 0x0001u);
    EXPECT_EQ(f.bar_read(0, NVME_REG_VS + 1, 1), 0x04u);
    EXPECT_TRUE(host.errors.empty());
    // A narrower write changes nothing and is a guest error.
    f.bar_write(0, NVME_REG_AQA, 0x0707, 2);
    EXPECT_EQ(f.bar_read(0, NVME_REG_AQA, 4), 0u);
    ASSERT_EQ(host.errors.size(), 1u);
    EXPECT_THAT(host.errors[0], HasSubstr("take 32-bit writes"));
}

TEST_F(MnvmeTest, IdentifyThroughBar0AndHostDma)
{
    PciFunction &f = make();
    constexpr std::uint64_t asq = 0x10000, acq = 0x20000, buf = 0x30000;
    f.bar_write(0, NVME_REG_AQA, 0x00070007, 4);
    f.bar_write(0, NVME_REG_ASQ, asq, 4);
    f.bar_write(0, NVME_REG_ACQ, acq, 4);
    f.bar_write(0, NVME_REG_CC, NVME_CC_ENABLE | 6u << 16 | 4u << 20, 4);
    ASSERT_EQ(f.bar_read(0, NVME_REG_CSTS, 4) & NVME_CSTS_RDY, NVME_CSTS_RDY);
    host.set(asq + 0, 1, nvme_admin_identify);
    host.set(asq + 2, 2, 0x1234);
    host.set(asq + 24, 8, buf);
    host.set(asq + 40, 4, NVME_ID_CNS_CTRL);
    EXPECT_FALSE(host.intx);
    f.bar_write(0, NVME_REG_DBS, 1, 4);
    EXPECT_TRUE(host.intx); // a completion the host has not consumed
    EXPECT_EQ(host.get(acq + 12, 2), 0x1234u);
    EXPECT_EQ(host.get(acq + 14, 2), 1u); // phase 1, success
    EXPECT_EQ(host.get(buf + ID_CTRL_VID, 2), 0x1af4u);
    const std::string serial(reinterpret_cast<const char *>(&host.ram[buf + ID_CTRL_SN]), 17);
    EXPECT_EQ(serial, "MNVME000000000001"); // from the mdev's UUID
    f.bar_write(0, NVME_REG_DBS + 4, 1, 4);  // CQ 0 head
    EXPECT_FALSE(host.intx);
    // System reset: back to power-on.
    f.reset();
    EXPECT_EQ(f.bar_read(0, NVME_REG_CSTS, 4), 0u);
    EXPECT_EQ(f.bar_read(0, NVME_REG_ASQ, 4), 0u);
    EXPECT_TRUE(host.errors.empty());
}

// Identify Controller as admin command number `cid` (1, 2, ...: slot
// cid - 1 of an 8-entry admin SQ at 0x10000), then the tail doorbell.
void admin_identify(PciFunction &f, RamHost &host, std::uint16_t cid)
{
    constexpr std::uint64_t asq = 0x10000, buf = 0x30000;
    const std::uint64_t slot = asq + 64ull * ((cid - 1) % 8);
    std::fill_n(host.ram.begin() + static_cast<std::ptrdiff_t>(slot), 64, 0);
    host.set(slot + 0, 1, nvme_admin_identify);
    host.set(slot + 2, 2, cid);
    host.set(slot + 24, 8, buf);
    host.set(slot + 40, 4, NVME_ID_CNS_CTRL);
    f.bar_write(0, NVME_REG_DBS, cid % 8, 4);
}

// An mdev that takes its migration stream's UUID (Core::rekey) reports
// the serial derived from it, as the source did.
TEST_F(MnvmeTest, RekeyedMdevReportsTheNewSerial)
{
    PciFunction &f = make(1);
    ASSERT_TRUE(core.rekey(*dev, *Uuid::parse(uuid_n(0xabc))));
    f.bar_write(0, NVME_REG_AQA, 0x00070007, 4);
    f.bar_write(0, NVME_REG_ASQ, 0x10000, 4);
    f.bar_write(0, NVME_REG_ACQ, 0x20000, 4);
    f.bar_write(0, NVME_REG_CC, NVME_CC_ENABLE | 6u << 16 | 4u << 20, 4);
    admin_identify(f, host, 1);
    const std::string serial(reinterpret_cast<const char *>(&host.ram[0x30000 + ID_CTRL_SN]),
                             17);
    EXPECT_EQ(serial, "MNVME000000000ABC");
    EXPECT_EQ(core.find_device(uuid_n(1)), nullptr);
    EXPECT_EQ(core.find_device(uuid_n(0xabc)), dev);
}

TEST_F(MnvmeTest, MsixVectorPerQueueAndIntxWhenOff)
{
    PciFunction &f = make();
    ASSERT_NE(f.msix(), nullptr);
    EXPECT_EQ(f.msix()->layout().cap != 0, true);
    const std::uint8_t cap = f.msix()->layout().cap;
    EXPECT_EQ(f.config_read(cap + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_QSIZE, kQueueIds - 1);
    EXPECT_EQ(f.config_read(cap + PCI_MSIX_TABLE, 4), 0x2000u); // BAR0 + 0x2000
    EXPECT_EQ(f.config_read(cap + PCI_MSIX_PBA, 4), 0x3000u);
    constexpr std::uint64_t asq = 0x10000, acq = 0x20000;
    f.bar_write(0, NVME_REG_AQA, 0x00070007, 4);
    f.bar_write(0, NVME_REG_ASQ, asq, 4);
    f.bar_write(0, NVME_REG_ACQ, acq, 4);
    f.bar_write(0, NVME_REG_CC, NVME_CC_ENABLE | 6u << 16 | 4u << 20, 4);
    // MSI-X on, vector 0 (the admin CQ's) aimed at 0xfee00000 data 0x41.
    f.config_write(cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE, 2);
    f.bar_write(0, 0x2000 + PCI_MSIX_ENTRY_LOWER_ADDR, 0xfee00000, 4);
    f.bar_write(0, 0x2000 + PCI_MSIX_ENTRY_DATA, 0x41, 4);
    f.bar_write(0, 0x2000 + PCI_MSIX_ENTRY_VECTOR_CTRL, 0, 4);
    admin_identify(f, host, 1);
    EXPECT_EQ(host.get(acq + 14, 2), 1u); // completed, phase 1
    ASSERT_EQ(host.messages.size(), 1u);
    EXPECT_EQ(host.messages[0].second, 0x41u);
    EXPECT_FALSE(host.intx);
    f.bar_write(0, NVME_REG_DBS + 4, 1, 4);
    // Masked: the message waits in the PBA and goes out on unmask.
    f.bar_write(0, 0x2000 + PCI_MSIX_ENTRY_VECTOR_CTRL, 1, 4);
    admin_identify(f, host, 2);
    EXPECT_EQ(host.get(acq + 16 + 14, 2), 1u);
    EXPECT_EQ(host.messages.size(), 1u);
    EXPECT_TRUE(f.msix()->pending(0));
    f.bar_write(0, 0x2000 + PCI_MSIX_ENTRY_VECTOR_CTRL, 0, 4);
    EXPECT_EQ(host.messages.size(), 2u);
    f.bar_write(0, NVME_REG_DBS + 4, 2, 4);
    // MSI-X off: INTx again.
    f.config_write(cap + PCI_MSIX_FLAGS, 0, 2);
    admin_identify(f, host, 3);
    EXPECT_TRUE(host.intx);
    EXPECT_EQ(host.messages.size(), 2u);
    EXPECT_THAT(host.errors, ::testing::IsEmpty());
}

TEST_F(MnvmeTest, NoDmaWithoutBusMastering)
{
    PciFunction &f = make();
    host.bme = false;
    f.bar_write(0, NVME_REG_AQA, 0x00070007, 4);
    f.bar_write(0, NVME_REG_ASQ, 0x10000, 4);
    f.bar_write(0, NVME_REG_ACQ, 0x20000, 4);
    f.bar_write(0, NVME_REG_CC, NVME_CC_ENABLE | 6u << 16 | 4u << 20, 4);
    admin_identify(f, host, 1);
    // The controller cannot fetch its own queue: fatal until reset.
    EXPECT_EQ(f.bar_read(0, NVME_REG_CSTS, 4) & NVME_CSTS_CFS, NVME_CSTS_CFS);
    EXPECT_THAT(host.errors.back(), HasSubstr("bus mastering off"));
    EXPECT_EQ(host.get(0x20000 + 14, 2), 0u); // nothing written either
}

TEST_F(MnvmeTest, RemovedDeviceDoesNoDma)
{
    PciFunction &f = make();
    MnvmeMdev &m = dev->vendor_state<MnvmeMdev>();
    Core::Pin pin(core, *dev);
    ASSERT_TRUE(core.remove(uuid_n(1)));
    std::uint8_t b[4];
    EXPECT_FALSE(m.ports().read(0x1000, b)); // the port refuses after removal
    (void)f;
}

} // namespace
} // namespace mdev::samples
