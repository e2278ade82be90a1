// SPDX-License-Identifier: GPL-2.0-or-later
// The NVMe controller model (hw/mdev/samples/mnvme) on its own: a fake
// guest RAM, interrupt wires and log, and a driver written here from the
// NVMe 1.4 spec that does what Linux's nvme driver does at probe and for
// I/O. Then a hostile guest: PRP lists that loop or leave RAM, doorbells
// past the queue or for queues that do not exist, queue ids out of range,
// a command id reused, a full CQ, misaligned PRPs, LBAs past the end,
// transfers beyond MDTS, queue memory that is not RAM, re-entry from the
// controller's own interrupt.
#include "samples/mnvme/nvme_controller.hpp"
#include "samples/mnvme/nvme_dbbuf.hpp"

#include "hw/mdev/le_bytes.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdarg>
#include <cstdio>
#include <functional>
#include <string>
#include <unistd.h>
#include <vector>

namespace mdev::samples::nvme {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr std::uint64_t kRamSize = 8 << 20;

class FakeRam final : public Dma {
public:
    std::vector<std::uint8_t> ram = std::vector<std::uint8_t>(kRamSize, 0);
    unsigned reads = 0;
    std::uint64_t fail_at = ~std::uint64_t(0); // a DMA covering it fails
    bool fails(std::uint64_t addr, std::size_t len) const
    {
        return fail_at >= addr && fail_at - addr < len;
    }
    bool read(std::uint64_t addr, std::span<std::uint8_t> out) override
    {
        reads++;
        if (addr > ram.size() || out.size() > ram.size() - addr || fails(addr, out.size())) {
            return false;
        }
        std::copy_n(ram.begin() + static_cast<std::ptrdiff_t>(addr), out.size(), out.begin());
        return true;
    }
    bool write(std::uint64_t addr, std::span<const std::uint8_t> in) override
    {
        if (addr > ram.size() || in.size() > ram.size() - addr || fails(addr, in.size())) {
            return false;
        }
        std::copy(in.begin(), in.end(), ram.begin() + static_cast<std::ptrdiff_t>(addr));
        return true;
    }
    std::uint64_t get(std::uint64_t addr, unsigned size) const
    {
        return load_le(std::span(ram).subspan(addr, size));
    }
    void set(std::uint64_t addr, unsigned size, std::uint64_t v)
    {
        store_le(std::span(ram).subspan(addr, size), v);
    }
};

class FakeIrq final : public Interrupts {
public:
    IrqMode irq_mode = IrqMode::intx;
    unsigned count = 1;
    bool level = false;
    std::vector<bool> intx;
    std::vector<std::uint16_t> msgs;
    std::function<void(std::uint16_t)> on_notify; // for re-entry tests
    IrqMode mode() const override { return irq_mode; }
    unsigned vectors() const override { return count; }
    void set_intx(bool asserted) override
    {
        level = asserted;
        intx.push_back(asserted);
    }
    void notify(std::uint16_t vector) override
    {
        msgs.push_back(vector);
        if (on_notify) {
            on_notify(vector);
        }
    }
};

class FakeLog final : public ErrorLog {
public:
    std::vector<std::string> errors;
    void guest_error(const char *fmt, ...) override
    {
        char buf[512];
        va_list ap;
        va_start(ap, fmt);
        std::vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        errors.emplace_back(buf);
    }
    std::string all() const
    {
        std::string s;
        for (const std::string &e : errors) {
            s += e + "\n";
        }
        return s;
    }
};

// A submission queue entry as a driver builds it.
struct Sqe {
    std::uint8_t opcode = 0;
    std::uint8_t flags = 0;
    std::uint16_t cid = 0;
    std::uint32_t nsid = 0;
    std::uint64_t prp1 = 0, prp2 = 0;
    std::uint32_t cdw10 = 0, cdw11 = 0, cdw12 = 0, cdw13 = 0, cdw14 = 0, cdw15 = 0;
};

struct Cqe {
    std::uint32_t dw0;
    std::uint16_t sqhd, sqid, cid, status; // status without the phase tag
};

// Guest memory layout of the tests.
constexpr std::uint64_t kAsq = 0x10000, kAcq = 0x20000;
constexpr std::uint64_t kIoSq = 0x30000, kIoCq = 0x40000;
constexpr std::uint64_t kList = 0x50000;  // PRP lists
constexpr std::uint64_t kBuf = 0x100000;  // data buffers
constexpr std::uint64_t kRamNsBytes = 1 << 20;

class NvmeTest : public ::testing::Test {
protected:
    void SetUp() override { make(); }

    void make(std::unique_ptr<Storage> ns2 = nullptr, bool shadow_doorbells = true,
              std::uint8_t mdts = kMdts)
    {
        state = NvmeControllerState{};
        Identity id;
        id.vid = 0x1af4;
        id.ssvid = 0x1af4;
        id.serial = "MNVME0001";
        id.model = "mdev-mnvme test";
        id.firmware = "1.0";
        for (unsigned i = 0; i < 16; i++) {
            id.uuid[i] = static_cast<std::uint8_t>(0xa0 + i);
        }
        std::array<Namespace, kMaxNamespaces> ns;
        ns[0].storage = std::make_unique<RamStorage>(kRamNsBytes);
        ns[1].storage = std::move(ns2);
        id.shadow_doorbells = shadow_doorbells;
        id.mdts = mdts;
        ctrl = std::make_unique<Controller>(state, ram, irq, log, id, std::move(ns));
        ctrl->power_on_reset();
        for (auto &q : drv) {
            q = DriverQueue{};
        }
    }

    // The driver's view of one queue pair.
    struct DriverQueue {
        std::uint64_t sq = 0, cq = 0;
        std::uint16_t sq_size = 0, cq_size = 0, sq_tail = 0, cq_head = 0;
        bool phase = true;
    };
    DriverQueue drv[kQueueIds];

    std::uint32_t reg(std::uint32_t off) { return ctrl->read32(off); }
    void wreg(std::uint32_t off, std::uint32_t v) { ctrl->write32(off, v); }
    std::uint32_t sq_db(unsigned q) { return NVME_REG_DBS + 8 * q; }
    std::uint32_t cq_db(unsigned q) { return NVME_REG_DBS + 8 * q + 4; }

    // Linux's nvme_pci_configure_admin_queue + nvme_enable_ctrl.
    void enable(std::uint16_t entries = 32)
    {
        wreg(NVME_REG_AQA, std::uint32_t(entries - 1) << 16 | (entries - 1));
        wreg(NVME_REG_ASQ, kAsq);
        wreg(NVME_REG_ASQ + 4, 0);
        wreg(NVME_REG_ACQ, kAcq);
        wreg(NVME_REG_ACQ + 4, 0);
        wreg(NVME_REG_CC, NVME_CC_ENABLE | NVME_SQES << NVME_CC_IOSQES_SHIFT |
                              NVME_CQES << NVME_CC_IOCQES_SHIFT);
        drv[0] = DriverQueue{kAsq, kAcq, entries, entries, 0, 0, true};
        // As Linux, a fresh admin CQ: no stale phase tags from before.
        std::fill_n(ram.ram.begin() + kAcq, 16 * entries, 0);
    }

    void put_sqe(std::uint64_t addr, const Sqe &e)
    {
        ram.set(addr + 0, 1, e.opcode);
        ram.set(addr + 1, 1, e.flags);
        ram.set(addr + 2, 2, e.cid);
        ram.set(addr + 4, 4, e.nsid);
        for (unsigned i = 8; i < 24; i++) {
            ram.ram[addr + i] = 0;
        }
        ram.set(addr + 24, 8, e.prp1);
        ram.set(addr + 32, 8, e.prp2);
        const std::uint32_t cdw[6] = {e.cdw10, e.cdw11, e.cdw12, e.cdw13, e.cdw14, e.cdw15};
        for (unsigned i = 0; i < 6; i++) {
            ram.set(addr + 40 + 4 * i, 4, cdw[i]);
        }
    }

    // Queues an entry without ringing.
    void queue(unsigned q, const Sqe &e)
    {
        DriverQueue &d = drv[q];
        put_sqe(d.sq + 64ull * d.sq_tail, e);
        d.sq_tail = static_cast<std::uint16_t>((d.sq_tail + 1) % d.sq_size);
    }
    void ring(unsigned q) { wreg(sq_db(q), drv[q].sq_tail); }
    void submit(unsigned q, const Sqe &e)
    {
        queue(q, e);
        ring(q);
    }

    // The next completion on CQ q, if its phase tag says it is new; the
    // head doorbell is written as Linux does after each batch.
    std::optional<Cqe> reap(unsigned q, bool ring_head = true)
    {
        DriverQueue &d = drv[q];
        const std::uint64_t a = d.cq + 16ull * d.cq_head;
        const std::uint16_t st = static_cast<std::uint16_t>(ram.get(a + 14, 2));
        if (((st & 1) != 0) != d.phase) {
            return std::nullopt;
        }
        Cqe c{static_cast<std::uint32_t>(ram.get(a, 4)), static_cast<std::uint16_t>(ram.get(a + 8, 2)),
              static_cast<std::uint16_t>(ram.get(a + 10, 2)),
              static_cast<std::uint16_t>(ram.get(a + 12, 2)), static_cast<std::uint16_t>(st >> 1)};
        d.cq_head = static_cast<std::uint16_t>((d.cq_head + 1) % d.cq_size);
        if (d.cq_head == 0) {
            d.phase = !d.phase;
        }
        if (ring_head) {
            wreg(cq_db(q), d.cq_head);
        }
        return c;
    }

    // Submits one admin command and returns its completion.
    Cqe admin(Sqe e)
    {
        e.cid = next_cid++;
        submit(0, e);
        std::optional<Cqe> c = reap(0);
        EXPECT_TRUE(c.has_value()) << "no completion for admin opcode " << int(e.opcode);
        if (!c) {
            return Cqe{0, 0, 0, 0, 0xffff};
        }
        EXPECT_EQ(c->cid, e.cid);
        EXPECT_EQ(c->sqid, 0);
        return *c;
    }

    Cqe io(unsigned q, Sqe e)
    {
        e.cid = next_cid++;
        submit(q, e);
        std::optional<Cqe> c = reap(q);
        EXPECT_TRUE(c.has_value()) << "no completion for I/O opcode " << int(e.opcode);
        if (!c) {
            return Cqe{0, 0, 0, 0, 0xffff};
        }
        EXPECT_EQ(c->cid, e.cid);
        EXPECT_EQ(c->sqid, q);
        return *c;
    }

    Cqe create_cq(std::uint16_t qid, std::uint16_t entries, std::uint64_t base,
                  std::uint16_t vector = 0, bool ien = true)
    {
        Sqe e{.opcode = nvme_admin_create_cq, .prp1 = base};
        e.cdw10 = std::uint32_t(entries - 1) << 16 | qid;
        e.cdw11 = std::uint32_t(vector) << 16 | (ien ? NVME_CQ_IRQ_ENABLED : 0) |
                  NVME_QUEUE_PHYS_CONTIG;
        Cqe c = admin(e);
        if (c.status == 0 && qid < kQueueIds) {
            drv[qid].cq = base;
            drv[qid].cq_size = entries;
            drv[qid].cq_head = 0;
            drv[qid].phase = true;
        }
        return c;
    }

    Cqe create_sq(std::uint16_t qid, std::uint16_t entries, std::uint64_t base,
                  std::uint16_t cqid)
    {
        Sqe e{.opcode = nvme_admin_create_sq, .prp1 = base};
        e.cdw10 = std::uint32_t(entries - 1) << 16 | qid;
        e.cdw11 = std::uint32_t(cqid) << 16 | NVME_QUEUE_PHYS_CONTIG;
        Cqe c = admin(e);
        if (c.status == 0 && qid < kQueueIds) {
            drv[qid].sq = base;
            drv[qid].sq_size = entries;
            drv[qid].sq_tail = 0;
        }
        return c;
    }

    // Admin queue, then I/O queue pair 1 as Linux sets it up.
    void bring_up()
    {
        enable();
        ASSERT_TRUE(reg(NVME_REG_CSTS) & NVME_CSTS_RDY);
        ASSERT_EQ(create_cq(1, 64, kIoCq).status, 0);
        ASSERT_EQ(create_sq(1, 64, kIoSq, 1).status, 0);
    }

    Sqe rw(std::uint8_t opcode, std::uint64_t slba, std::uint32_t blocks, std::uint64_t prp1,
           std::uint64_t prp2 = 0, std::uint32_t nsid = 1)
    {
        Sqe e{.opcode = opcode, .nsid = nsid, .prp1 = prp1, .prp2 = prp2};
        e.cdw10 = static_cast<std::uint32_t>(slba);
        e.cdw11 = static_cast<std::uint32_t>(slba >> 32);
        e.cdw12 = blocks - 1;
        return e;
    }

    // A PRP list at `list` naming `pages` buffer pages after the first.
    void prp_list(std::uint64_t list, std::uint64_t first_page, unsigned pages)
    {
        for (unsigned i = 0; i < pages; i++) {
            ram.set(list + 8 * i, 8, first_page + std::uint64_t(kPageSize) * i);
        }
    }

    FakeRam ram;
    FakeIrq irq;
    FakeLog log;
    NvmeControllerState state{};
    std::unique_ptr<Controller> ctrl;
    std::uint16_t next_cid = 0x10;
};

constexpr std::uint16_t dnr(std::uint16_t sc)
{
    return sc | NVME_SC_DNR;
}

// --- Registers and controller state -------------------------------------

TEST_F(NvmeTest, RegistersAtPowerOn)
{
    const std::uint64_t cap = reg(NVME_REG_CAP) | std::uint64_t(reg(NVME_REG_CAP + 4)) << 32;
    EXPECT_EQ(cap & 0xffff, kMaxQueueEntries - 1);       // MQES
    EXPECT_TRUE(cap >> NVME_CAP_CQR_SHIFT & 1);           // CQR
    EXPECT_EQ(cap >> NVME_CAP_DSTRD_SHIFT & 0xf, 0u);     // DSTRD
    EXPECT_EQ(cap >> NVME_CAP_CSS_SHIFT & 0xff, 1u);      // NVM command set
    EXPECT_EQ(cap >> NVME_CAP_MPSMIN_SHIFT & 0xf, 0u);    // 4 KiB
    EXPECT_GT(cap >> NVME_CAP_TO_SHIFT & 0xff, 0u);
    EXPECT_EQ(reg(NVME_REG_VS), 0x00010400u);
    EXPECT_EQ(reg(NVME_REG_CC), 0u);
    EXPECT_EQ(reg(NVME_REG_CSTS), 0u);
    EXPECT_THAT(log.errors, IsEmpty());
}

TEST_F(NvmeTest, EnableDisableAndShutdown)
{
    enable();
    EXPECT_EQ(reg(NVME_REG_CSTS) & NVME_CSTS_RDY, NVME_CSTS_RDY);
    EXPECT_EQ(reg(NVME_REG_ASQ), kAsq);
    EXPECT_EQ(reg(NVME_REG_ACQ), kAcq);
    // Normal shutdown (Linux's nvme_disable_ctrl with shutdown).
    wreg(NVME_REG_CC, reg(NVME_REG_CC) | 1u << NVME_CC_SHN_SHIFT);
    EXPECT_EQ(reg(NVME_REG_CSTS) & NVME_CSTS_SHST_MASK, NVME_CSTS_SHST_CMPLT);
    wreg(NVME_REG_CC, 0);
    EXPECT_EQ(reg(NVME_REG_CSTS), 0u);
    // The admin queue registers survive a controller reset (7.3.2).
    EXPECT_EQ(reg(NVME_REG_ASQ), kAsq);
    enable();
    EXPECT_EQ(admin({.opcode = nvme_admin_identify, .prp1 = kBuf, .cdw10 = NVME_ID_CNS_CTRL}).status, 0);
    EXPECT_THAT(log.errors, IsEmpty());
}

TEST_F(NvmeTest, EnableRefusedForBadAdminQueue)
{
    wreg(NVME_REG_AQA, 0); // one-entry queues
    wreg(NVME_REG_ASQ, kAsq);
    wreg(NVME_REG_ACQ, kAcq);
    wreg(NVME_REG_CC, NVME_CC_ENABLE);
    EXPECT_EQ(reg(NVME_REG_CSTS) & NVME_CSTS_RDY, 0u);
    ASSERT_EQ(log.errors.size(), 1u);
    EXPECT_THAT(log.errors[0], HasSubstr("AQA"));
    wreg(NVME_REG_CC, 0);
    wreg(NVME_REG_AQA, 0x001f001f);
    wreg(NVME_REG_ASQ, kAsq + 0x80); // not page aligned
    wreg(NVME_REG_CC, NVME_CC_ENABLE);
    EXPECT_EQ(reg(NVME_REG_CSTS) & NVME_CSTS_RDY, 0u);
    EXPECT_THAT(log.errors.back(), HasSubstr("page aligned"));
    wreg(NVME_REG_CC, 0);
    wreg(NVME_REG_ASQ, kAsq);
    wreg(NVME_REG_CC, NVME_CC_ENABLE | 1u << NVME_CC_MPS_SHIFT); // 8 KiB pages
    EXPECT_EQ(reg(NVME_REG_CSTS) & NVME_CSTS_RDY, 0u);
    EXPECT_THAT(log.errors.back(), HasSubstr("MPS"));
}

TEST_F(NvmeTest, AdminQueueRegistersReadOnlyWhileEnabled)
{
    enable();
    wreg(NVME_REG_ASQ, 0x777000);
    EXPECT_EQ(reg(NVME_REG_ASQ), kAsq);
    EXPECT_THAT(log.all(), HasSubstr("while CC.EN is set"));
    wreg(NVME_REG_VS, 0);
    EXPECT_EQ(reg(NVME_REG_VS), NVME_VS_1_4);
}

// --- Identify and features -----------------------------------------------

TEST_F(NvmeTest, IdentifyController)
{
    enable();
    const Cqe c = admin({.opcode = nvme_admin_identify, .prp1 = kBuf, .cdw10 = NVME_ID_CNS_CTRL});
    ASSERT_EQ(c.status, 0);
    EXPECT_EQ(ram.get(kBuf + ID_CTRL_VID, 2), 0x1af4u);
    EXPECT_EQ(std::string(reinterpret_cast<const char *>(&ram.ram[kBuf + ID_CTRL_SN]), 20),
              "MNVME0001           ");
    EXPECT_EQ(std::string(reinterpret_cast<const char *>(&ram.ram[kBuf + ID_CTRL_MN]), 15),
              "mdev-mnvme test");
    EXPECT_EQ(ram.get(kBuf + ID_CTRL_MDTS, 1), kMdts);
    EXPECT_EQ(ram.get(kBuf + ID_CTRL_VER, 4), 0x00010400u);
    EXPECT_EQ(ram.get(kBuf + ID_CTRL_SQES, 1), 0x66u);
    EXPECT_EQ(ram.get(kBuf + ID_CTRL_CQES, 1), 0x44u);
    EXPECT_EQ(ram.get(kBuf + ID_CTRL_NN, 4), kMaxNamespaces);
    EXPECT_EQ(ram.get(kBuf + ID_CTRL_AERL, 1), kAerLimit - 1);
    EXPECT_EQ(ram.get(kBuf + ID_CTRL_ONCS, 2), NVME_CTRL_ONCS_WRITE_ZEROES);
    EXPECT_EQ(ram.get(kBuf + ID_CTRL_VWC, 1), 1u);
    EXPECT_EQ(std::string(reinterpret_cast<const char *>(&ram.ram[kBuf + ID_CTRL_SUBNQN]), 32),
              "nqn.2014-08.org.nvmexpress:uuid:");
}

TEST_F(NvmeTest, IdentifyNamespacesAndLists)
{
    enable();
    ASSERT_EQ(admin({.opcode = nvme_admin_identify, .nsid = 1, .prp1 = kBuf, .cdw10 = NVME_ID_CNS_NS}).status, 0);
    EXPECT_EQ(ram.get(kBuf + ID_NS_NSZE, 8), kRamNsBytes / 512);
    EXPECT_EQ(ram.get(kBuf + ID_NS_NCAP, 8), kRamNsBytes / 512);
    EXPECT_EQ(ram.get(kBuf + ID_NS_NLBAF, 1), 0u);
    EXPECT_EQ(ram.get(kBuf + ID_NS_LBAF0, 4) >> 16 & 0xff, 9u); // 512-byte blocks
    // nsid 2 is valid but inactive (no file): all zeroes.
    ram.set(kBuf, 8, 0xdead);
    ASSERT_EQ(admin({.opcode = nvme_admin_identify, .nsid = 2, .prp1 = kBuf, .cdw10 = NVME_ID_CNS_NS}).status, 0);
    EXPECT_EQ(ram.get(kBuf + ID_NS_NSZE, 8), 0u);
    EXPECT_EQ(admin({.opcode = nvme_admin_identify, .nsid = 3, .prp1 = kBuf, .cdw10 = NVME_ID_CNS_NS}).status,
              dnr(NVME_SC_INVALID_NS));
    // Active namespace list: only nsid 1.
    ram.set(kBuf + 4, 4, 0x55);
    ASSERT_EQ(admin({.opcode = nvme_admin_identify, .prp1 = kBuf, .cdw10 = NVME_ID_CNS_NS_ACTIVE_LIST}).status, 0);
    EXPECT_EQ(ram.get(kBuf, 4), 1u);
    EXPECT_EQ(ram.get(kBuf + 4, 4), 0u);
    // Descriptor list: one UUID descriptor.
    ASSERT_EQ(admin({.opcode = nvme_admin_identify, .nsid = 1, .prp1 = kBuf, .cdw10 = NVME_ID_CNS_NS_DESC_LIST}).status, 0);
    EXPECT_EQ(ram.get(kBuf, 1), NVME_NIDT_UUID);
    EXPECT_EQ(ram.get(kBuf + 1, 1), 16u);
    EXPECT_EQ(admin({.opcode = nvme_admin_identify, .prp1 = kBuf, .cdw10 = 0x42}).status,
              dnr(NVME_SC_INVALID_FIELD));
}

TEST_F(NvmeTest, Features)
{
    enable();
    // Number of Queues: 64 asked, 16 granted (0's based in DW0).
    Cqe c = admin({.opcode = nvme_admin_set_features, .cdw10 = NVME_FEAT_NUM_QUEUES, .cdw11 = 0x003f003f});
    ASSERT_EQ(c.status, 0);
    EXPECT_EQ(c.dw0, (kMaxIoQueues - 1) << 16 | (kMaxIoQueues - 1));
    c = admin({.opcode = nvme_admin_get_features, .cdw10 = NVME_FEAT_NUM_QUEUES});
    EXPECT_EQ(c.dw0, (kMaxIoQueues - 1) << 16 | (kMaxIoQueues - 1));
    // Volatile write cache: on by default, can be turned off.
    EXPECT_EQ(admin({.opcode = nvme_admin_get_features, .cdw10 = NVME_FEAT_VOLATILE_WC}).dw0, 1u);
    EXPECT_EQ(admin({.opcode = nvme_admin_set_features, .cdw10 = NVME_FEAT_VOLATILE_WC, .cdw11 = 0}).status, 0);
    EXPECT_EQ(admin({.opcode = nvme_admin_get_features, .cdw10 = NVME_FEAT_VOLATILE_WC}).dw0, 0u);
    // Interrupt coalescing and arbitration are accepted and read back.
    EXPECT_EQ(admin({.opcode = nvme_admin_set_features, .cdw10 = NVME_FEAT_IRQ_COALESCE, .cdw11 = 0x0a04}).status, 0);
    EXPECT_EQ(admin({.opcode = nvme_admin_get_features, .cdw10 = NVME_FEAT_IRQ_COALESCE}).dw0, 0x0a04u);
    EXPECT_EQ(admin({.opcode = nvme_admin_set_features, .cdw10 = NVME_FEAT_ARBITRATION, .cdw11 = 0x03020103}).status, 0);
    EXPECT_EQ(admin({.opcode = nvme_admin_get_features, .cdw10 = NVME_FEAT_ARBITRATION}).dw0, 0x03020103u);
    // Default value (SEL 1) and capabilities (SEL 3).
    EXPECT_EQ(admin({.opcode = nvme_admin_get_features, .cdw10 = NVME_FEAT_VOLATILE_WC | 1u << 8}).dw0, 1u);
    EXPECT_EQ(admin({.opcode = nvme_admin_get_features, .cdw10 = NVME_FEAT_VOLATILE_WC | 3u << 8}).dw0, 4u);
    // Saving is refused; an unknown feature is an invalid field.
    EXPECT_EQ(admin({.opcode = nvme_admin_set_features, .cdw10 = NVME_FEAT_VOLATILE_WC | NVME_FEAT_SAVE}).status,
              dnr(NVME_SC_FEATURE_NOT_SAVEABLE));
    EXPECT_EQ(admin({.opcode = nvme_admin_get_features, .cdw10 = 0x7f}).status, dnr(NVME_SC_INVALID_FIELD));
    // Number of Queues after I/O queues exist: command sequence error.
    ASSERT_EQ(create_cq(1, 8, kIoCq).status, 0);
    EXPECT_EQ(admin({.opcode = nvme_admin_set_features, .cdw10 = NVME_FEAT_NUM_QUEUES, .cdw11 = 0}).status,
              dnr(NVME_SC_CMD_SEQ_ERROR));
}

// --- The happy path --------------------------------------------------------

TEST_F(NvmeTest, WritePatternReadItBack)
{
    bring_up();
    // 16 KiB at LBA 100: PRP1 + a PRP list of three more pages.
    const unsigned blocks = 32, bytes = blocks * 512;
    for (unsigned i = 0; i < bytes; i++) {
        ram.ram[kBuf + i] = static_cast<std::uint8_t>(i * 7 + 3);
    }
    prp_list(kList, kBuf + kPageSize, 3);
    Cqe c = io(1, rw(nvme_cmd_write, 100, blocks, kBuf, kList));
    ASSERT_EQ(c.status, 0);
    EXPECT_EQ(c.sqhd, 1);
    // Read it into another buffer: first page at an offset, two pages via PRP2 list.
    const std::uint64_t dst = kBuf + 0x40000;
    prp_list(kList + 0x1000, dst + kPageSize, 4);
    c = io(1, rw(nvme_cmd_read, 100, blocks, dst + 0x800, kList + 0x1000));
    // PRP1 at offset 0x800 covers 2 KiB, the list's four pages the rest.
    ASSERT_EQ(c.status, 0);
    for (unsigned i = 0; i < 0x800; i++) {
        ASSERT_EQ(ram.ram[dst + 0x800 + i], ram.ram[kBuf + i]) << i;
    }
    for (unsigned i = 0x800; i < bytes; i++) {
        ASSERT_EQ(ram.ram[dst + kPageSize + (i - 0x800)], ram.ram[kBuf + i]) << i;
    }
    // Two pages: PRP2 is the second page itself.
    c = io(1, rw(nvme_cmd_read, 100, 16, dst, dst + 0x10000));
    ASSERT_EQ(c.status, 0);
    EXPECT_EQ(ram.ram[dst + 0x10000], ram.ram[kBuf + 4096]);
    // Flush, then Write Zeroes over the first 8 blocks and read back.
    EXPECT_EQ(io(1, {.opcode = nvme_cmd_flush, .nsid = 1}).status, 0);
    EXPECT_EQ(io(1, {.opcode = nvme_cmd_flush, .nsid = 0xffffffff}).status, 0);
    EXPECT_EQ(io(1, rw(nvme_cmd_write_zeroes, 100, 8, 0)).status, 0);
    ASSERT_EQ(io(1, rw(nvme_cmd_read, 100, 16, dst, dst + 0x10000)).status, 0);
    for (unsigned i = 0; i < 4096; i++) {
        ASSERT_EQ(ram.ram[dst + i], 0) << i;
    }
    EXPECT_EQ(ram.ram[dst + 0x10000], ram.ram[kBuf + 4096]);
    EXPECT_THAT(log.errors, IsEmpty());
}

// The first write to a namespace (not a read, not a second write) is
// reported once: mnvme blocks migration on it. A reset keeps it (the data
// is still there).
TEST_F(NvmeTest, FirstWriteToANamespaceIsReportedOnce)
{
    unsigned reports = 0;
    const Namespace &ns = ctrl->ns(1);
    ns.storage->on_first_write([&] { reports++; });
    bring_up();
    ASSERT_EQ(io(1, rw(nvme_cmd_read, 0, 8, kBuf)).status, 0);
    EXPECT_EQ(reports, 0u);
    EXPECT_FALSE(ns.storage->was_written());
    ASSERT_EQ(io(1, rw(nvme_cmd_write, 0, 8, kBuf)).status, 0);
    EXPECT_EQ(reports, 1u);
    ASSERT_EQ(io(1, rw(nvme_cmd_write, 8, 8, kBuf)).status, 0);
    ASSERT_EQ(io(1, rw(nvme_cmd_write_zeroes, 0, 8, 0)).status, 0);
    EXPECT_EQ(reports, 1u);
    ctrl->power_on_reset();
    EXPECT_TRUE(ns.storage->was_written());
    EXPECT_NE(state.volatile_ns_written, 0);
}

TEST_F(NvmeTest, WriteZeroesIsAWriteToo)
{
    unsigned reports = 0;
    ctrl->ns(1).storage->on_first_write([&] { reports++; });
    bring_up();
    ASSERT_EQ(io(1, rw(nvme_cmd_write_zeroes, 0, 8, 0)).status, 0);
    EXPECT_EQ(reports, 1u);
}

TEST_F(NvmeTest, FileBackedNamespace)
{
    char path[] = "/tmp/mnvme-test-XXXXXX";
    const int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(ftruncate(fd, 64 * 1024 + 100), 0); // the odd 100 bytes are not a block
    close(fd);
    Result<std::unique_ptr<FileStorage>> file = FileStorage::open(path);
    ASSERT_TRUE(file) << file.error().message;
    make(std::move(*file));
    bring_up();
    ASSERT_EQ(admin({.opcode = nvme_admin_identify, .nsid = 2, .prp1 = kBuf, .cdw10 = NVME_ID_CNS_NS}).status, 0);
    EXPECT_EQ(ram.get(kBuf + ID_NS_NSZE, 8), 128u);
    ASSERT_EQ(admin({.opcode = nvme_admin_identify, .prp1 = kBuf, .cdw10 = NVME_ID_CNS_NS_ACTIVE_LIST}).status, 0);
    EXPECT_EQ(ram.get(kBuf + 4, 4), 2u);
    for (unsigned i = 0; i < 8192; i++) {
        ram.ram[kBuf + i] = static_cast<std::uint8_t>(i ^ 0x5a);
    }
    ASSERT_EQ(io(1, rw(nvme_cmd_write, 120, 8, kBuf, 0, 2)).status, 0);
    ASSERT_EQ(io(1, rw(nvme_cmd_read, 120, 8, kBuf + 0x10000, 0, 2)).status, 0);
    EXPECT_TRUE(std::equal(&ram.ram[kBuf], &ram.ram[kBuf + 4096], &ram.ram[kBuf + 0x10000]));
    EXPECT_EQ(io(1, rw(nvme_cmd_read, 124, 8, kBuf, kBuf + 0x1000, 2)).status, dnr(NVME_SC_LBA_RANGE));
    EXPECT_EQ(io(1, {.opcode = nvme_cmd_flush, .nsid = 2}).status, 0);
    // The bytes are in the file.
    FILE *f = std::fopen(path, "rb");
    ASSERT_NE(f, nullptr);
    std::fseek(f, 120 * 512, SEEK_SET);
    EXPECT_EQ(std::fgetc(f), 0x5a);
    std::fclose(f);
    unlink(path);

    Result<std::unique_ptr<FileStorage>> missing = FileStorage::open("/nonexistent/mnvme.img");
    ASSERT_FALSE(missing);
    EXPECT_THAT(missing.error().message, HasSubstr("cannot open"));
    Result<std::unique_ptr<FileStorage>> dir = FileStorage::open("/tmp");
    ASSERT_FALSE(dir);
}

// --- Interrupts ------------------------------------------------------------

TEST_F(NvmeTest, IntxFollowsUnreadCompletionsAndIntms)
{
    enable();
    submit(0, {.opcode = nvme_admin_get_features, .cid = 1, .cdw10 = NVME_FEAT_VOLATILE_WC});
    EXPECT_TRUE(irq.level);
    reap(0); // head doorbell: nothing unread
    EXPECT_FALSE(irq.level);
    // Masked (INTMS bit 0): no level until INTMC clears it.
    wreg(NVME_REG_INTMS, 1);
    EXPECT_EQ(reg(NVME_REG_INTMS), 1u);
    submit(0, {.opcode = nvme_admin_get_features, .cid = 2, .cdw10 = NVME_FEAT_VOLATILE_WC});
    EXPECT_FALSE(irq.level);
    wreg(NVME_REG_INTMC, 1);
    EXPECT_TRUE(irq.level);
    EXPECT_EQ(reg(NVME_REG_INTMC), 0u);
    reap(0);
    EXPECT_FALSE(irq.level);
    // Controller reset drops the level.
    submit(0, {.opcode = nvme_admin_get_features, .cid = 3, .cdw10 = NVME_FEAT_VOLATILE_WC});
    EXPECT_TRUE(irq.level);
    wreg(NVME_REG_CC, 0);
    EXPECT_FALSE(irq.level);
}

TEST_F(NvmeTest, MsixVectorPerQueue)
{
    irq.irq_mode = IrqMode::msix;
    irq.count = kQueueIds;
    enable();
    ASSERT_EQ(create_cq(1, 16, kIoCq, 5).status, 0);
    ASSERT_EQ(create_sq(1, 16, kIoSq, 1).status, 0);
    irq.msgs.clear();
    ASSERT_EQ(io(1, rw(nvme_cmd_read, 0, 1, kBuf)).status, 0);
    EXPECT_EQ(irq.msgs, std::vector<std::uint16_t>{5});
    // A CQ without interrupts enabled raises none.
    ASSERT_EQ(create_cq(2, 16, kIoCq + 0x1000, 6, false).status, 0);
    ASSERT_EQ(create_sq(2, 16, kIoSq + 0x1000, 2).status, 0);
    irq.msgs.clear();
    ASSERT_EQ(io(2, rw(nvme_cmd_read, 0, 1, kBuf)).status, 0);
    EXPECT_THAT(irq.msgs, IsEmpty());
    // INTMS is reserved under MSI-X: logged and ignored.
    wreg(NVME_REG_INTMS, 1);
    EXPECT_EQ(reg(NVME_REG_INTMS), 0u);
    EXPECT_THAT(log.all(), HasSubstr("INTMS (0xc): write of 0x1 refused: written while MSI-X"));
    EXPECT_FALSE(irq.level);
    // A vector beyond the MSI-X table is refused at creation.
    EXPECT_EQ(create_cq(3, 16, kIoCq + 0x2000, kQueueIds).status, dnr(NVME_SC_INVALID_VECTOR));
}

TEST_F(NvmeTest, MsiMaskedByIntmsIsHeldThenSent)
{
    irq.irq_mode = IrqMode::msi;
    irq.count = 1;
    enable();
    wreg(NVME_REG_INTMS, 1);
    submit(0, {.opcode = nvme_admin_get_features, .cid = 1, .cdw10 = NVME_FEAT_VOLATILE_WC});
    EXPECT_THAT(irq.msgs, IsEmpty());
    wreg(NVME_REG_INTMC, 1);
    EXPECT_EQ(irq.msgs, std::vector<std::uint16_t>{0});
}

// --- Hostile guests --------------------------------------------------------

TEST_F(NvmeTest, PrpListThatLoopsBackOnItself)
{
    bring_up();
    // 12 KiB: PRP1 plus a list at the last slot of its page, so that its
    // only entry is a chain pointer; it points to the list's own page,
    // whose entries name the list page itself as data. The walk ends when
    // the transfer length is used up.
    const std::uint64_t list_page = kList;
    ram.set(list_page + 0xff8, 8, list_page);
    ram.set(list_page + 0, 8, list_page);
    ram.set(list_page + 8, 8, list_page);
    const unsigned reads_before = ram.reads;
    Cqe c = io(1, rw(nvme_cmd_read, 0, 24, kBuf, list_page + 0xff8));
    EXPECT_EQ(c.status, 0);
    EXPECT_LT(ram.reads - reads_before, 16u); // bounded work
    // A chained pointer that is not page aligned is an invalid PRP offset.
    ram.set(list_page + 0xff8, 8, list_page + 0x10);
    c = io(1, rw(nvme_cmd_read, 0, 24, kBuf, list_page + 0xff8));
    EXPECT_EQ(c.status, dnr(NVME_SC_PRP_INVALID_OFFSET));
    EXPECT_THAT(log.all(), HasSubstr("chained PRP list pointer is not page aligned"));
}

TEST_F(NvmeTest, PrpsThatLeaveRam)
{
    bring_up();
    // The list itself outside RAM.
    Cqe c = io(1, rw(nvme_cmd_write, 0, 24, kBuf, kRamSize + 0x1000));
    EXPECT_EQ(c.status, dnr(NVME_SC_DATA_XFER_ERROR));
    EXPECT_THAT(log.all(), HasSubstr("PRP list lies outside guest RAM"));
    // A list entry outside RAM.
    ram.set(kList, 8, kRamSize - 0x1000);
    ram.set(kList + 8, 8, kRamSize + 0x10000);
    c = io(1, rw(nvme_cmd_write, 0, 24, kBuf, kList));
    EXPECT_EQ(c.status, dnr(NVME_SC_DATA_XFER_ERROR));
    // PRP1 at the very top of the address space.
    c = io(1, rw(nvme_cmd_read, 0, 8, 0xfffffffffffff000ull));
    EXPECT_EQ(c.status, dnr(NVME_SC_DATA_XFER_ERROR));
    // Identify into memory that is not RAM.
    EXPECT_EQ(admin({.opcode = nvme_admin_identify, .prp1 = kRamSize, .cdw10 = NVME_ID_CNS_CTRL}).status,
              dnr(NVME_SC_DATA_XFER_ERROR));
    // The controller still works.
    EXPECT_EQ(io(1, rw(nvme_cmd_read, 0, 8, kBuf)).status, 0);
    EXPECT_EQ(reg(NVME_REG_CSTS) & NVME_CSTS_CFS, 0u);
}

TEST_F(NvmeTest, MisalignedPrps)
{
    bring_up();
    EXPECT_EQ(io(1, rw(nvme_cmd_read, 0, 1, kBuf + 2)).status, dnr(NVME_SC_PRP_INVALID_OFFSET));
    // Two pages: PRP2 names the second page and must have no offset.
    EXPECT_EQ(io(1, rw(nvme_cmd_read, 0, 16, kBuf, kBuf + 0x1100)).status,
              dnr(NVME_SC_PRP_INVALID_OFFSET));
    // A list entry with an offset.
    ram.set(kList, 8, kBuf + 0x1000);
    ram.set(kList + 8, 8, kBuf + 0x2200);
    EXPECT_EQ(io(1, rw(nvme_cmd_read, 0, 24, kBuf, kList)).status,
              dnr(NVME_SC_PRP_INVALID_OFFSET));
    // A list pointer that is not qword aligned, at the very end of a page
    // (it would hold no whole entry: found by fuzz-mnvme).
    EXPECT_EQ(io(1, rw(nvme_cmd_read, 0, 24, kBuf, kList + 1)).status,
              dnr(NVME_SC_PRP_INVALID_OFFSET));
    EXPECT_EQ(io(1, rw(nvme_cmd_read, 0, 24, kBuf, kList + 0xffc)).status,
              dnr(NVME_SC_PRP_INVALID_OFFSET));
    EXPECT_THAT(log.errors.back(), HasSubstr("not qword aligned"));
    EXPECT_EQ(log.errors.size(), 5u);
}

TEST_F(NvmeTest, LbaRangeAndMdts)
{
    bring_up();
    const std::uint64_t blocks = kRamNsBytes / 512;
    EXPECT_EQ(io(1, rw(nvme_cmd_read, blocks - 1, 2, kBuf)).status, dnr(NVME_SC_LBA_RANGE));
    EXPECT_EQ(io(1, rw(nvme_cmd_read, blocks, 1, kBuf)).status, dnr(NVME_SC_LBA_RANGE));
    EXPECT_EQ(io(1, rw(nvme_cmd_write, 0xffffffffffffffffull, 1, kBuf)).status, dnr(NVME_SC_LBA_RANGE));
    EXPECT_EQ(io(1, rw(nvme_cmd_write_zeroes, blocks - 4, 8, 0)).status, dnr(NVME_SC_LBA_RANGE));
    EXPECT_EQ(io(1, rw(nvme_cmd_read, blocks - 1, 1, kBuf)).status, 0);
    // One block beyond MDTS (512 KiB).
    const std::uint32_t too_many = kMaxTransfer / 512 + 1;
    EXPECT_EQ(io(1, rw(nvme_cmd_read, 0, too_many, kBuf, kList)).status, dnr(NVME_SC_INVALID_FIELD));
    EXPECT_THAT(log.all(), HasSubstr("more than MDTS"));
    // Exactly MDTS works (a 128-entry list).
    prp_list(kList, kBuf + kPageSize, 127);
    EXPECT_EQ(io(1, rw(nvme_cmd_read, 0, kMaxTransfer / 512, kBuf, kList)).status, 0);
    // Namespaces that do not exist or are inactive.
    EXPECT_EQ(io(1, rw(nvme_cmd_read, 0, 1, kBuf, 0, 2)).status, dnr(NVME_SC_INVALID_NS));
    EXPECT_EQ(io(1, rw(nvme_cmd_read, 0, 1, kBuf, 0, 0)).status, dnr(NVME_SC_INVALID_NS));
    EXPECT_EQ(io(1, rw(nvme_cmd_read, 0, 1, kBuf, 0, 0xffffffff)).status, dnr(NVME_SC_INVALID_NS));
    EXPECT_EQ(io(1, {.opcode = 0x7e, .nsid = 1}).status, dnr(NVME_SC_INVALID_OPCODE));
    EXPECT_EQ(io(1, {.opcode = nvme_cmd_read, .flags = 0x40, .nsid = 1}).status, dnr(NVME_SC_INVALID_FIELD));
}

// The mdts property: 1 MiB in one command with MDTS 8, not 1 MiB + 4 KiB.
TEST_F(NvmeTest, MdtsProperty)
{
    make(nullptr, true, 8);
    bring_up();
    EXPECT_EQ(admin({.opcode = nvme_admin_identify, .prp1 = kBuf, .cdw10 = NVME_ID_CNS_CTRL}).status, 0);
    EXPECT_EQ(ram.get(kBuf + ID_CTRL_MDTS, 1), 8u);
    // PRP2 names a list of 255 pages after the first: 1 MiB from kBuf.
    prp_list(kList, kBuf + kPageSize, 255);
    EXPECT_EQ(io(1, rw(nvme_cmd_read, 0, (1u << 20) / 512, kBuf, kList)).status, 0);
    EXPECT_THAT(log.errors, IsEmpty()) << log.all();
    // MDTS 1: two pages.
    make(nullptr, true, 1);
    bring_up();
    EXPECT_EQ(io(1, rw(nvme_cmd_read, 0, 16, kBuf, kBuf + kPageSize)).status, 0);
    EXPECT_EQ(io(1, rw(nvme_cmd_read, 0, 17, kBuf, kList)).status, dnr(NVME_SC_INVALID_FIELD));
    EXPECT_THAT(log.all(), HasSubstr("more than MDTS allows (8192)"));
}

TEST_F(NvmeTest, QueueIdsOutOfRange)
{
    enable();
    EXPECT_EQ(create_cq(0, 16, kIoCq).status, dnr(NVME_SC_QID_INVALID));
    EXPECT_EQ(create_cq(kQueueIds, 16, kIoCq).status, dnr(NVME_SC_QID_INVALID));
    EXPECT_EQ(create_cq(0xffff, 16, kIoCq).status, dnr(NVME_SC_QID_INVALID));
    EXPECT_EQ(create_cq(1, 1, kIoCq).status, dnr(NVME_SC_QUEUE_SIZE));
    EXPECT_EQ(create_cq(1, 0, kIoCq).status, dnr(NVME_SC_QUEUE_SIZE)); // 65536 entries
    EXPECT_EQ(create_cq(1, 16, kIoCq + 0x100).status, dnr(NVME_SC_PRP_INVALID_OFFSET));
    ASSERT_EQ(create_cq(1, 16, kIoCq).status, 0);
    EXPECT_EQ(create_cq(1, 16, kIoCq).status, dnr(NVME_SC_QID_INVALID)); // exists
    EXPECT_EQ(create_sq(0, 16, kIoSq, 1).status, dnr(NVME_SC_QID_INVALID));
    EXPECT_EQ(create_sq(kQueueIds, 16, kIoSq, 1).status, dnr(NVME_SC_QID_INVALID));
    // An I/O SQ on a CQ that does not exist, or on the admin CQ.
    EXPECT_EQ(create_sq(1, 16, kIoSq, 2).status, dnr(NVME_SC_CQ_INVALID));
    EXPECT_EQ(create_sq(1, 16, kIoSq, 0).status, dnr(NVME_SC_CQ_INVALID));
    EXPECT_EQ(create_sq(1, 16, kIoSq, 0xffff).status, dnr(NVME_SC_CQ_INVALID));
    ASSERT_EQ(create_sq(1, 16, kIoSq, 1).status, 0);
    // Deleting: a CQ still in use, queues that do not exist, the admin queue.
    EXPECT_EQ(admin({.opcode = nvme_admin_delete_cq, .cdw10 = 1}).status, dnr(NVME_SC_QUEUE_DELETION));
    EXPECT_EQ(admin({.opcode = nvme_admin_delete_sq, .cdw10 = 0}).status, dnr(NVME_SC_QID_INVALID));
    EXPECT_EQ(admin({.opcode = nvme_admin_delete_sq, .cdw10 = 9}).status, dnr(NVME_SC_QID_INVALID));
    EXPECT_EQ(admin({.opcode = nvme_admin_delete_cq, .cdw10 = 0xffff}).status, dnr(NVME_SC_QID_INVALID));
    EXPECT_EQ(admin({.opcode = nvme_admin_delete_sq, .cdw10 = 1}).status, 0);
    EXPECT_EQ(admin({.opcode = nvme_admin_delete_cq, .cdw10 = 1}).status, 0);
    // Beyond what Number of Queues granted.
    ASSERT_EQ(admin({.opcode = nvme_admin_set_features, .cdw10 = NVME_FEAT_NUM_QUEUES, .cdw11 = 0x00010001}).status, 0);
    EXPECT_EQ(create_cq(3, 16, kIoCq).status, dnr(NVME_SC_QID_INVALID));
    EXPECT_EQ(create_cq(2, 16, kIoCq).status, 0);
    EXPECT_EQ(reg(NVME_REG_CSTS), NVME_CSTS_RDY);
}

TEST_F(NvmeTest, DoorbellsForMissingQueuesAndPastTheQueue)
{
    enable();
    // Linux keeps one AER outstanding; the error events complete it.
    submit(0, {.opcode = nvme_admin_async_event, .cid = 0x77});
    EXPECT_FALSE(reap(0).has_value()); // held until an event
    wreg(sq_db(5), 1); // SQ 5 does not exist
    EXPECT_THAT(log.all(), HasSubstr("SQ 5, which does not exist"));
    std::optional<Cqe> c = reap(0);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->cid, 0x77);
    EXPECT_EQ(c->status, 0);
    EXPECT_EQ(c->dw0, std::uint32_t(NVME_LOG_ERROR) << 16 | NVME_AER_ERROR_INVALID_DB_REG << 8 | NVME_AER_ERROR);
    // The next error waits: error events are masked until the log is read.
    submit(0, {.opcode = nvme_admin_async_event, .cid = 0x78});
    wreg(sq_db(0), 1000); // past the admin SQ's 32 entries
    EXPECT_THAT(log.errors.back(), HasSubstr("past the queue"));
    EXPECT_FALSE(reap(0).has_value());
    // Reading the Error Information log unmasks them: the held AER
    // completes (before the Get Log Page itself).
    submit(0, {.opcode = nvme_admin_get_log_page, .cid = 0x79, .prp1 = kBuf,
               .cdw10 = NVME_LOG_ERROR | (64 / 4 - 1) << 16});
    c = reap(0);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->cid, 0x78);
    EXPECT_EQ(c->dw0, std::uint32_t(NVME_LOG_ERROR) << 16 | NVME_AER_ERROR_INVALID_DB_VALUE << 8);
    c = reap(0);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->cid, 0x79);
    EXPECT_EQ(c->status, 0);
    EXPECT_EQ(ram.get(kBuf, 8), 0u); // no command has failed yet
    
    // Doorbells past every queue id, in the BAR but beyond the array,
    // and a CQ head moved past the tail.
    wreg(NVME_REG_DBS + 8 * 40, 1);
    wreg(kBar0Size - 4, 1);
    wreg(cq_db(0), (drv[0].cq_head + 5) % 32);
    EXPECT_EQ(reg(NVME_REG_CSTS), NVME_CSTS_RDY);
    // The admin queue still works and the bad tail did not stick.
    EXPECT_EQ(admin({.opcode = nvme_admin_get_features, .cdw10 = NVME_FEAT_VOLATILE_WC}).status, 0);
    // Doorbells while disabled.
    wreg(NVME_REG_CC, 0);
    wreg(sq_db(0), 1);
    EXPECT_THAT(log.errors.back(), HasSubstr("not ready"));
}

TEST_F(NvmeTest, CommandIdReusedWhileOutstanding)
{
    enable();
    submit(0, {.opcode = nvme_admin_async_event, .cid = 9});
    submit(0, {.opcode = nvme_admin_get_features, .cid = 9, .cdw10 = NVME_FEAT_VOLATILE_WC});
    std::optional<Cqe> c = reap(0);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->cid, 9);
    EXPECT_EQ(c->status, dnr(NVME_SC_CMDID_CONFLICT));
    EXPECT_THAT(log.all(), HasSubstr("reuses command id 9"));
    // More AERs than AERL allows.
    for (std::uint16_t i = 0; i < kAerLimit - 1; i++) {
        submit(0, {.opcode = nvme_admin_async_event, .cid = static_cast<std::uint16_t>(20 + i)});
    }
    EXPECT_FALSE(reap(0).has_value());
    submit(0, {.opcode = nvme_admin_async_event, .cid = 30});
    c = reap(0);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->status, dnr(NVME_SC_ASYNC_LIMIT));
    // Abort: nothing to abort, "not aborted".
    EXPECT_EQ(admin({.opcode = nvme_admin_abort_cmd, .cdw10 = 9u << 16}).dw0, 1u);
    // A controller reset drops the outstanding AERs without completions.
    wreg(NVME_REG_CC, 0);
    enable();
    EXPECT_FALSE(reap(0).has_value());
}

TEST_F(NvmeTest, FullCqStopsFetchingUntilTheHostMakesRoom)
{
    enable();
    // A 2-entry CQ holds one completion; an 8-entry SQ.
    ASSERT_EQ(create_cq(1, 2, kIoCq).status, 0);
    ASSERT_EQ(create_sq(1, 8, kIoSq, 1).status, 0);
    for (std::uint16_t i = 0; i < 3; i++) {
        queue(1, rw(nvme_cmd_read, i, 1, kBuf));
        ram.set(kIoSq + 64 * i + 2, 2, 100 + i);
    }
    ring(1);
    std::optional<Cqe> c = reap(1, false);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->cid, 100);
    EXPECT_EQ(c->sqhd, 1); // the other two not fetched
    EXPECT_FALSE(reap(1, false).has_value());
    wreg(cq_db(1), drv[1].cq_head); // room for one more
    c = reap(1, false);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->cid, 101);
    EXPECT_EQ(c->sqhd, 2);
    wreg(cq_db(1), drv[1].cq_head);
    c = reap(1);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->cid, 102);
    EXPECT_EQ(c->sqhd, 3);
    EXPECT_THAT(log.errors, IsEmpty());
}

TEST_F(NvmeTest, PhaseTagFlipsOnWrap)
{
    enable(4);
    for (unsigned i = 0; i < 10; i++) {
        EXPECT_EQ(admin({.opcode = nvme_admin_get_features, .cdw10 = NVME_FEAT_VOLATILE_WC}).status, 0) << i;
    }
    EXPECT_EQ(state.sq[0].head, 10 % 4);
}

TEST_F(NvmeTest, QueueMemoryOutsideRamIsFatalUntilReset)
{
    enable();
    ASSERT_EQ(create_cq(1, 16, kRamSize + 0x10000).status, 0); // CQ memory not RAM
    ASSERT_EQ(create_sq(1, 16, kIoSq, 1).status, 0);
    drv[1].sq = kIoSq;
    drv[1].sq_size = 16;
    submit(1, rw(nvme_cmd_read, 0, 1, kBuf));
    EXPECT_EQ(reg(NVME_REG_CSTS) & NVME_CSTS_CFS, NVME_CSTS_CFS);
    EXPECT_THAT(log.all(), HasSubstr("cannot be reached by DMA (not RAM, or bus mastering off); controller fatal status"));
    // Nothing more runs, nothing crashes.
    submit(0, {.opcode = nvme_admin_get_features, .cid = 1, .cdw10 = NVME_FEAT_VOLATILE_WC});
    // Reset and re-enable clear it.
    wreg(NVME_REG_CC, 0);
    EXPECT_EQ(reg(NVME_REG_CSTS), 0u);
    // An admin SQ outside RAM.
    wreg(NVME_REG_ASQ, static_cast<std::uint32_t>(kRamSize + 0x1000));
    wreg(NVME_REG_CC, NVME_CC_ENABLE | NVME_SQES << NVME_CC_IOSQES_SHIFT | NVME_CQES << NVME_CC_IOCQES_SHIFT);
    drv[0].sq_tail = 0;
    wreg(sq_db(0), 1);
    EXPECT_EQ(reg(NVME_REG_CSTS) & NVME_CSTS_CFS, NVME_CSTS_CFS);
}

TEST_F(NvmeTest, ReentryFromOwnInterrupt)
{
    irq.irq_mode = IrqMode::msix;
    irq.count = kQueueIds;
    enable();
    ASSERT_EQ(create_cq(1, 16, kIoCq, 1).status, 0);
    ASSERT_EQ(create_sq(1, 16, kIoSq, 1).status, 0);
    // The guest aimed vector 1's message at SQ 1's doorbell: the message
    // rings the doorbell again with a new tail while the controller is
    // still posting.
    queue(1, rw(nvme_cmd_read, 0, 1, kBuf));
    queue(1, rw(nvme_cmd_read, 1, 1, kBuf));
    bool once = false;
    irq.on_notify = [&](std::uint16_t v) {
        if (v == 1 && !once) {
            once = true;
            ctrl->write32(sq_db(1), 2);
        }
    };
    wreg(sq_db(1), 1);
    EXPECT_EQ(state.sq[1].head, 2); // both ran
    ASSERT_TRUE(reap(1).has_value());
    ASSERT_TRUE(reap(1).has_value());
    // Now the message resets the controller from inside the completion.
    irq.on_notify = [&](std::uint16_t v) {
        if (v == 1) {
            ctrl->write32(NVME_REG_CC, 0);
        }
    };
    queue(1, rw(nvme_cmd_read, 0, 1, kBuf));
    queue(1, rw(nvme_cmd_read, 0, 1, kBuf));
    ring(1);
    EXPECT_EQ(reg(NVME_REG_CSTS), 0u);
    EXPECT_FALSE(state.sq[1].valid);
}

TEST_F(NvmeTest, UnsupportedAdminCommands)
{
    enable();
    EXPECT_EQ(admin({.opcode = 0x80}).status, dnr(NVME_SC_INVALID_OPCODE)); // Format NVM
    EXPECT_EQ(admin({.opcode = nvme_admin_identify, .flags = 0x01}).status, dnr(NVME_SC_INVALID_FIELD)); // fused
    EXPECT_EQ(admin({.opcode = nvme_admin_get_log_page, .prp1 = kBuf, .cdw10 = 0x42 | 0xffu << 16}).status,
              dnr(NVME_SC_INVALID_LOG_PAGE));
    EXPECT_EQ(admin({.opcode = nvme_admin_get_log_page, .prp1 = kBuf, .cdw10 = NVME_LOG_SMART | 0xffffu << 16,
                     .cdw11 = 0xffff}).status,
              dnr(NVME_SC_INVALID_FIELD)); // 16 GiB
    EXPECT_EQ(admin({.opcode = nvme_admin_get_log_page, .prp1 = kBuf, .cdw10 = NVME_LOG_SMART | 127u << 16}).status, 0);
    EXPECT_EQ(ram.get(kBuf + 3, 1), 100u);
}

TEST_F(NvmeTest, PostLoadRefusesImpossibleState)
{
    bring_up();
    EXPECT_TRUE(ctrl->post_load());
    state.sq[1].head = 64; // a 64-entry queue
    EXPECT_FALSE(ctrl->post_load());
    state.sq[1].head = 0;
    state.sq[1].cqid = 9; // no CQ 9
    EXPECT_FALSE(ctrl->post_load());
    state.sq[1].cqid = 1;
    state.aer_count = kAerLimit + 1;
    EXPECT_FALSE(ctrl->post_load());
    state.aer_count = 0;
    EXPECT_TRUE(ctrl->post_load());
    // The admin queues may have 4096 entries (AQA's 12 bits), more than
    // CAP.MQES allows I/O queues (found by fuzz-mnvme).
    wreg(NVME_REG_CC, 0);
    enable(4096);
    EXPECT_EQ(state.sq[0].size, 4096);
    EXPECT_TRUE(ctrl->post_load());
}

} // namespace
} // namespace mdev::samples::nvme

// --- Fault injection (nvme_faults.hpp) ----------------------------------------

namespace mdev::samples::nvme {
namespace {

class NvmeFaultTest : public NvmeTest {
protected:
    void SetUp() override
    {
        NvmeTest::SetUp();
        ctrl->attach_faults(faults);
    }
    Status inject(const char *name, std::vector<FaultArgText> args = {}, std::uint64_t count = 1,
                  std::uint64_t skip = 0)
    {
        return faults.inject(name, count, skip, args);
    }
    FaultSet faults; // outlives nothing it is attached to: see TearDown
    void TearDown() override { ctrl.reset(); }
};

TEST_F(NvmeFaultTest, MediaErrorFailsReadsOfItsRangeOnly)
{
    bring_up();
    for (unsigned i = 0; i < 512 * 4; i++) {
        ram.ram[kBuf + i] = static_cast<std::uint8_t>(i * 5 + 1);
    }
    ASSERT_EQ(io(1, rw(nvme_cmd_write, 1022, 4, kBuf)).status, 0);
    ASSERT_TRUE(inject("media-error", {{"lba", "1024"}, {"opcode", "read"}}, 0));
    const std::uint64_t dst = kBuf + 0x10000;
    std::fill_n(ram.ram.begin() + dst, 2048, 0xee);
    // Touching LBA 1024: Unrecovered Read Error, DNR, nothing transferred.
    EXPECT_EQ(io(1, rw(nvme_cmd_read, 1023, 2, dst)).status, dnr(NVME_SC_READ_ERROR));
    EXPECT_EQ(ram.ram[dst], 0xee);
    // Beside it: read back equal.
    ASSERT_EQ(io(1, rw(nvme_cmd_read, 1022, 2, dst)).status, 0);
    EXPECT_TRUE(std::equal(ram.ram.begin() + kBuf, ram.ram.begin() + kBuf + 1024,
                           ram.ram.begin() + dst));
    ASSERT_EQ(io(1, rw(nvme_cmd_read, 1025, 1, dst)).status, 0);
    // Writes are not matched by opcode=read.
    EXPECT_EQ(io(1, rw(nvme_cmd_write, 1024, 1, kBuf)).status, 0);
    EXPECT_EQ(faults.entries()[0].fired, 1u);
    // The error log page's latest entry is the failed command.
    EXPECT_EQ(state.error_status, dnr(NVME_SC_READ_ERROR));
    ASSERT_TRUE(faults.clear());
    EXPECT_EQ(io(1, rw(nvme_cmd_read, 1024, 1, dst)).status, 0);
}

TEST_F(NvmeFaultTest, MediaErrorStatusDnrAndCount)
{
    bring_up();
    ASSERT_TRUE(inject("media-error", {{"status", "0x280"}, {"dnr", "false"}}, 1, 1));
    EXPECT_EQ(io(1, rw(nvme_cmd_write, 0, 1, kBuf)).status, 0); // skipped
    EXPECT_EQ(io(1, rw(nvme_cmd_write, 0, 1, kBuf)).status, 0x280);
    EXPECT_EQ(io(1, rw(nvme_cmd_read, 0, 1, kBuf)).status, 0); // spent
    EXPECT_FALSE(faults.any_armed());
}

TEST_F(NvmeFaultTest, DropCompletionRunsTheCommandButPostsNothing)
{
    bring_up();
    for (unsigned i = 0; i < 512; i++) {
        ram.ram[kBuf + i] = 0x5a;
    }
    ASSERT_TRUE(inject("drop-completion"));
    // An admin command is not an I/O queue's: completed.
    EXPECT_EQ(admin({.opcode = nvme_admin_get_features, .cdw10 = NVME_FEAT_VOLATILE_WC}).status,
              0);
    submit(1, rw(nvme_cmd_write, 7, 1, kBuf));
    EXPECT_FALSE(reap(1).has_value());
    // The write happened; the next command completes normally.
    const std::uint64_t dst = kBuf + 0x10000;
    EXPECT_EQ(io(1, rw(nvme_cmd_read, 7, 1, dst)).status, 0);
    EXPECT_EQ(ram.ram[dst + 511], 0x5a);
    EXPECT_EQ(faults.entries()[1].fired, 1u);
}

TEST_F(NvmeFaultTest, DropCompletionOnTheAdminQueueWhenAsked)
{
    bring_up();
    ASSERT_TRUE(inject("drop-completion", {{"sq", "0"}}));
    submit(0, {.opcode = nvme_admin_get_features, .cid = 0x77, .cdw10 = NVME_FEAT_VOLATILE_WC});
    EXPECT_FALSE(reap(0).has_value());
    EXPECT_EQ(io(1, rw(nvme_cmd_read, 0, 1, kBuf)).status, 0);
}

TEST_F(NvmeFaultTest, ControllerFatalUntilControllerReset)
{
    bring_up();
    ASSERT_TRUE(inject("controller-fatal"));
    EXPECT_EQ(reg(NVME_REG_CSTS) & NVME_CSTS_CFS, NVME_CSTS_CFS);
    submit(1, rw(nvme_cmd_read, 0, 1, kBuf));
    EXPECT_FALSE(reap(1).has_value()); // nothing runs
    // Linux's nvme_dev_disable + nvme_reset_work: CC.EN 0, then bring-up.
    wreg(NVME_REG_CC, 0);
    EXPECT_EQ(reg(NVME_REG_CSTS), 0u);
    for (auto &q : drv) {
        q = DriverQueue{};
    }
    bring_up();
    EXPECT_EQ(io(1, rw(nvme_cmd_read, 0, 1, kBuf)).status, 0);
    EXPECT_EQ(faults.entries()[2].fired, 1u);
}

TEST_F(NvmeFaultTest, RefusalsNameWhatIsAccepted)
{
    EXPECT_THAT(inject("media-error", {{"opcode", "trim"}}).error().message,
                HasSubstr("one of read, write, any"));
    EXPECT_THAT(inject("media-error", {{"status", "0x800"}}).error().message,
                HasSubstr("1 to 2047"));
    EXPECT_THAT(inject("drop-completion", {{"sq", "99"}}).error().message, HasSubstr("0 to"));
    EXPECT_THAT(inject("controller-fatal", {{"x", "1"}}).error().message, HasSubstr("none"));
    EXPECT_FALSE(faults.any_armed());
}

} // namespace
} // namespace mdev::samples::nvme

// --- Shadow doorbells (nvme_dbbuf.hpp) ------------------------------------------

namespace mdev::samples::nvme {
namespace {

constexpr std::uint64_t kDbs = 0x60000, kEis = 0x61000;

TEST(NvmeDbbufRule, HostRingsOnlyWhenItPassesTheEventIdx)
{
    using dbbuf::host_rings;
    // EventIdx = the old value: the next step passes it.
    EXPECT_TRUE(host_rings(5, 6, 5));
    EXPECT_TRUE(host_rings(5, 9, 5));
    EXPECT_TRUE(host_rings(7, 9, 5));
    // Behind the old value, or reached only by the new one: quiet.
    EXPECT_FALSE(host_rings(4, 6, 5));
    EXPECT_FALSE(host_rings(6, 6, 5));
    EXPECT_FALSE(host_rings(9, 9, 5));
    EXPECT_FALSE(host_rings(5, 5, 5)); // no move
    // A queue of 1024 wrapping from its last entry to 0 passes every value
    // from the old one up through 65535: an EventIdx the controller left
    // anywhere in the queue above it rings once per wrap.
    EXPECT_TRUE(host_rings(1023, 0, 1023));
    EXPECT_FALSE(host_rings(5, 0, 1023));
    EXPECT_TRUE(host_rings(5, 6, 1023 - 1023)); // after the wrap: old 0, new 6
    EXPECT_FALSE(host_rings(1022, 0, 1023));
    // And the 16-bit counters' own wrap.
    EXPECT_TRUE(host_rings(0xffff, 1, 0xfffe));
    EXPECT_TRUE(host_rings(0, 1, 0xfffe));
    EXPECT_FALSE(host_rings(1, 1, 0xfffe));
    EXPECT_FALSE(host_rings(0xfffd, 1, 0xfffe));
    // The slots: as the MMIO doorbells from 0x1000 (CAP.DSTRD = 0).
    EXPECT_EQ(dbbuf::sq_slot(3), 24u);
    EXPECT_EQ(dbbuf::cq_slot(3), 28u);
    EXPECT_LE(dbbuf::kUsedBytes, kPageSize);
}

class NvmeDbbufTest : public NvmeTest {
protected:
    // A driver that follows Linux's nvme with shadow doorbells: the new
    // value goes to the shadow, the MMIO doorbell only if the rule says.
    unsigned sq_rings = 0, cq_rings = 0;
    bool shadow = false;

    std::uint16_t ei_sq(unsigned q) { return static_cast<std::uint16_t>(ram.get(kEis + dbbuf::sq_slot(q), 4)); }
    std::uint16_t ei_cq(unsigned q) { return static_cast<std::uint16_t>(ram.get(kEis + dbbuf::cq_slot(q), 4)); }
    std::uint16_t db_sq(unsigned q) { return static_cast<std::uint16_t>(ram.get(kDbs + dbbuf::sq_slot(q), 4)); }
    std::uint16_t db_cq(unsigned q) { return static_cast<std::uint16_t>(ram.get(kDbs + dbbuf::cq_slot(q), 4)); }

    Cqe config(std::uint64_t dbs = kDbs, std::uint64_t eis = kEis)
    {
        Cqe c = admin({.opcode = nvme_admin_dbbuf, .prp1 = dbs, .prp2 = eis});
        shadow = c.status == 0;
        return c;
    }

    void host_sq(unsigned q)
    {
        const std::uint16_t old = db_sq(q);
        ram.set(kDbs + dbbuf::sq_slot(q), 4, drv[q].sq_tail);
        if (dbbuf::host_rings(ei_sq(q), drv[q].sq_tail, old)) {
            sq_rings++;
            ring(q);
        }
    }
    void host_cq(unsigned q)
    {
        const std::uint16_t old = db_cq(q);
        ram.set(kDbs + dbbuf::cq_slot(q), 4, drv[q].cq_head);
        if (dbbuf::host_rings(ei_cq(q), drv[q].cq_head, old)) {
            cq_rings++;
            wreg(cq_db(q), drv[q].cq_head);
        }
    }
    std::optional<Cqe> reap_shadow(unsigned q)
    {
        std::optional<Cqe> c = reap(q, false);
        if (c) {
            host_cq(q);
        }
        return c;
    }

    void msix()
    {
        irq.irq_mode = IrqMode::msix;
        irq.count = kQueueIds;
        ctrl->irq_changed();
    }
};

TEST_F(NvmeDbbufTest, OfferedInOacsAndOnlyThen)
{
    enable();
    Cqe c = admin({.opcode = nvme_admin_identify, .prp1 = kBuf, .cdw10 = NVME_ID_CNS_CTRL});
    ASSERT_EQ(c.status, 0);
    EXPECT_EQ(ram.get(kBuf + ID_CTRL_OACS, 2), NVME_CTRL_OACS_DBBUF_SUPP);
    make(nullptr, /*shadow_doorbells=*/false);
    enable();
    c = admin({.opcode = nvme_admin_identify, .prp1 = kBuf, .cdw10 = NVME_ID_CNS_CTRL});
    EXPECT_EQ(ram.get(kBuf + ID_CTRL_OACS, 2), 0u);
    EXPECT_EQ(config().status, dnr(NVME_SC_INVALID_OPCODE));
    EXPECT_FALSE(state.dbbuf_on);
}

TEST_F(NvmeDbbufTest, BadBuffersAreRefused)
{
    bring_up();
    EXPECT_EQ(config(kDbs + 8, kEis).status, dnr(NVME_SC_INVALID_FIELD));
    EXPECT_EQ(config(kDbs, kEis + 0x800).status, dnr(NVME_SC_INVALID_FIELD));
    EXPECT_EQ(config(kDbs, kDbs).status, dnr(NVME_SC_INVALID_FIELD));
    EXPECT_EQ(config(kRamSize, kEis).status, dnr(NVME_SC_INVALID_FIELD));       // not RAM
    EXPECT_EQ(config(kDbs, kRamSize - kPageSize).status, 0); // the last page of RAM
    wreg(NVME_REG_CC, 0);
    bring_up();
    EXPECT_EQ(config(kDbs, ~std::uint64_t(kPageSize - 1)).status, dnr(NVME_SC_INVALID_FIELD));
    EXPECT_FALSE(state.dbbuf_on);
    EXPECT_EQ(log.errors.size(), 5u) << log.all();
    EXPECT_THAT(log.all(), HasSubstr("not both page aligned"));
    EXPECT_THAT(log.all(), HasSubstr("same page"));
    EXPECT_THAT(log.all(), HasSubstr("cannot be reached by DMA"));
}

TEST_F(NvmeDbbufTest, ConfigTakesTheQueuesCurrentValues)
{
    bring_up();
    for (int i = 0; i < 3; i++) {
        EXPECT_EQ(io(1, rw(nvme_cmd_read, i, 1, kBuf)).status, 0);
    }
    ASSERT_EQ(config().status, 0);
    EXPECT_TRUE(state.dbbuf_on);
    EXPECT_EQ(db_sq(1), 3);
    EXPECT_EQ(ei_sq(1), 3);
    EXPECT_EQ(db_cq(1), 3);
    EXPECT_EQ(ei_cq(1), 3);
    // The admin queue's slots hold what its MMIO doorbells said (its
    // completion is reaped after the copy, so one behind for the CQ).
    EXPECT_EQ(db_sq(0), drv[0].sq_tail);
    // A queue created afterwards starts at 0 in both buffers.
    ram.set(kDbs + dbbuf::sq_slot(2), 4, 0x77);
    ram.set(kEis + dbbuf::sq_slot(2), 4, 0x77);
    ASSERT_EQ(create_cq(2, 16, kIoCq + 0x1000).status, 0);
    ASSERT_EQ(create_sq(2, 16, kIoSq + 0x1000, 2).status, 0);
    EXPECT_EQ(db_sq(2), 0);
    EXPECT_EQ(ei_sq(2), 0);
    EXPECT_THAT(log.errors, IsEmpty()) << log.all();
}

// An idle controller asks for every submission's doorbell; the CQ head
// doorbells are not needed at all.
TEST_F(NvmeDbbufTest, IdleControllerRingsPerSubmissionNoHeadDoorbells)
{
    bring_up();
    msix();
    ASSERT_EQ(config().status, 0);
    for (unsigned i = 0; i < 100; i++) { // wraps the 64-entry queues
        Sqe e = rw(nvme_cmd_read, i % 8, 1, kBuf);
        e.cid = static_cast<std::uint16_t>(i);
        queue(1, e);
        host_sq(1);
        std::optional<Cqe> c = reap_shadow(1);
        ASSERT_TRUE(c) << i;
        EXPECT_EQ(c->cid, i);
        EXPECT_EQ(c->status, 0);
    }
    EXPECT_EQ(sq_rings, 100u);
    // One head doorbell at most per wrap of the CQ (the EventIdx of 0 left
    // by the config is passed when the head wraps).
    EXPECT_LE(cq_rings, 2u);
    EXPECT_THAT(log.errors, IsEmpty()) << log.all();
}

// Entries the host adds while the controller is busy (here: from the
// completion interrupt of the first) need no doorbell: the controller reads
// the shadow tail before it goes idle.
TEST_F(NvmeDbbufTest, BusyControllerTakesNewEntriesFromTheShadow)
{
    bring_up();
    msix();
    ASSERT_EQ(config().status, 0);
    unsigned added = 0;
    irq.on_notify = [&](std::uint16_t) {
        if (added < 5) {
            Sqe e = rw(nvme_cmd_read, added, 1, kBuf);
            e.cid = static_cast<std::uint16_t>(200 + added++);
            queue(1, e);
            host_sq(1);
        }
    };
    Sqe first = rw(nvme_cmd_read, 0, 1, kBuf);
    first.cid = 100;
    queue(1, first);
    host_sq(1);
    irq.on_notify = nullptr;
    EXPECT_EQ(added, 5u);
    EXPECT_EQ(sq_rings, 1u); // the five were taken without a doorbell
    std::vector<std::uint16_t> cids;
    while (std::optional<Cqe> c = reap_shadow(1)) {
        cids.push_back(c->cid);
    }
    EXPECT_EQ(cids, (std::vector<std::uint16_t>{100, 200, 201, 202, 203, 204}));
    // Idle again: EventIdx = tail, so the next submission rings.
    EXPECT_EQ(ei_sq(1), drv[1].sq_tail);
    queue(1, rw(nvme_cmd_read, 0, 1, kBuf));
    host_sq(1);
    EXPECT_EQ(sq_rings, 2u);
    EXPECT_TRUE(reap_shadow(1).has_value());
}

// A full CQ: the controller asks for the head doorbell (EventIdx = head)
// and takes the head from the shadow.
TEST_F(NvmeDbbufTest, FullCqAsksForTheHeadDoorbell)
{
    enable();
    msix();
    ASSERT_EQ(create_cq(1, 2, kIoCq).status, 0);
    ASSERT_EQ(create_sq(1, 8, kIoSq, 1).status, 0);
    ASSERT_EQ(config().status, 0);
    for (std::uint16_t i = 0; i < 3; i++) {
        Sqe e = rw(nvme_cmd_read, i, 1, kBuf);
        e.cid = static_cast<std::uint16_t>(100 + i);
        queue(1, e);
    }
    host_sq(1);
    EXPECT_EQ(sq_rings, 1u);
    for (std::uint16_t i = 0; i < 3; i++) {
        std::optional<Cqe> c = reap_shadow(1);
        ASSERT_TRUE(c) << i;
        EXPECT_EQ(c->cid, 100 + i);
    }
    // The first two freed the only entry of a full CQ with entries waiting;
    // the last left nothing waiting, so it was not asked for.
    EXPECT_EQ(cq_rings, 2u);
    EXPECT_THAT(log.errors, IsEmpty()) << log.all();
}

// Pin-based interrupts follow the CQ head: the host is asked to ring it.
TEST_F(NvmeDbbufTest, IntxAsksForEveryHeadDoorbell)
{
    bring_up();
    ASSERT_EQ(config().status, 0);
    for (unsigned i = 0; i < 4; i++) {
        queue(1, rw(nvme_cmd_read, i, 1, kBuf));
        host_sq(1);
        EXPECT_TRUE(irq.level) << i;
        ASSERT_TRUE(reap_shadow(1)) << i;
        EXPECT_FALSE(irq.level) << i;
    }
    EXPECT_EQ(cq_rings, 4u);
}

// Served over vfio-user the MMIO doorbell writes are posted: one can
// arrive after the controller has already taken newer values from the
// shadow. The stale value must not move the tail (or head) back.
TEST_F(NvmeDbbufTest, StaleMmioDoorbellsDoNotMoveBack)
{
    bring_up();
    msix();
    ASSERT_EQ(config().status, 0);
    // Entries 1-3 in the shadow; the host rang for the first (value 1),
    // but that write is still on its way: the controller learns of the
    // entries from a CQ head doorbell's run... here, from a first ring of
    // the current tail.
    for (std::uint16_t i = 0; i < 3; i++) {
        Sqe e = rw(nvme_cmd_read, i, 1, kBuf);
        e.cid = static_cast<std::uint16_t>(300 + i);
        queue(1, e);
    }
    ram.set(kDbs + dbbuf::sq_slot(1), 4, drv[1].sq_tail);
    wreg(sq_db(1), 3);
    wreg(sq_db(1), 1); // the late, stale write
    std::vector<std::uint16_t> cids;
    while (std::optional<Cqe> c = reap_shadow(1)) {
        cids.push_back(c->cid);
    }
    EXPECT_EQ(cids, (std::vector<std::uint16_t>{300, 301, 302}));
    EXPECT_EQ(state.sq[1].head, 3);
    EXPECT_EQ(state.sq[1].tail, 3);
    // A stale CQ head write: the shadow's head stands, no error.
    wreg(cq_db(1), 1);
    EXPECT_EQ(state.cq[1].head, 3);
    EXPECT_THAT(log.errors, IsEmpty()) << log.all();
}

// INTx: completions posted while the host's handler ran keep the level up;
// the head doorbell that consumed the older ones must leave EventIdx asking
// for the next, or the level would never come down.
TEST_F(NvmeDbbufTest, IntxHeadDoorbellWithNewerEntriesAsksAgain)
{
    bring_up();
    ASSERT_EQ(config().status, 0);
    for (unsigned i = 0; i < 2; i++) {
        queue(1, rw(nvme_cmd_read, i, 1, kBuf));
    }
    host_sq(1); // both run: two entries in CQ 1
    ASSERT_TRUE(reap(1, false).has_value());
    host_cq(1); // one consumed: rings (EventIdx was the old head)
    EXPECT_EQ(cq_rings, 1u);
    EXPECT_TRUE(irq.level);
    EXPECT_EQ(ei_cq(1), 1); // asks for the next head
    ASSERT_TRUE(reap(1, false).has_value());
    host_cq(1);
    EXPECT_EQ(cq_rings, 2u);
    EXPECT_FALSE(irq.level);
}

TEST_F(NvmeDbbufTest, ShadowValuesOutOfRangeAreIgnored)
{
    bring_up();
    msix();
    ASSERT_EQ(config().status, 0);
    ram.set(kDbs + dbbuf::sq_slot(1), 4, 64); // a 64-entry SQ
    queue(1, rw(nvme_cmd_read, 0, 1, kBuf));
    ring(1); // the shadow counts, not the written value: nothing runs
    EXPECT_FALSE(reap(1, false).has_value());
    EXPECT_THAT(log.all(), HasSubstr("SQ 1 shadow tail 64 is past the queue"));
    EXPECT_EQ(state.sq[1].tail, 0);
    ram.set(kDbs + dbbuf::sq_slot(1), 4, 1);
    ring(1);
    EXPECT_TRUE(reap(1, false).has_value());
    log.errors.clear();
    // A CQ head past what was posted, read when the CQ looks full.
    wreg(NVME_REG_CC, 0);
    enable();
    ASSERT_EQ(create_cq(1, 2, kIoCq).status, 0);
    ASSERT_EQ(create_sq(1, 8, kIoSq, 1).status, 0);
    ASSERT_EQ(config().status, 0);
    queue(1, rw(nvme_cmd_read, 0, 1, kBuf));
    queue(1, rw(nvme_cmd_read, 1, 1, kBuf));
    ram.set(kDbs + dbbuf::sq_slot(1), 4, drv[1].sq_tail);
    ram.set(kDbs + dbbuf::cq_slot(1), 4, 3); // a 2-entry CQ
    ring(1);
    EXPECT_EQ(state.cq[1].tail, 1);
    EXPECT_EQ(state.sq[1].head, 1); // stopped: the CQ is full
    EXPECT_THAT(log.all(), HasSubstr("CQ 1 shadow head 3 is past"));
}

TEST_F(NvmeDbbufTest, DmaErrorOnTheShadowFallsBackToMmio)
{
    bring_up();
    msix();
    ASSERT_EQ(config().status, 0);
    ram.fail_at = kDbs + dbbuf::sq_slot(1);
    EXPECT_EQ(io(1, rw(nvme_cmd_read, 0, 1, kBuf)).status, 0);
    EXPECT_FALSE(state.dbbuf_on);
    EXPECT_THAT(log.all(), HasSubstr("shadow doorbells off"));
    EXPECT_TRUE(reg(NVME_REG_CSTS) & NVME_CSTS_RDY);
    EXPECT_FALSE(reg(NVME_REG_CSTS) & NVME_CSTS_CFS);
    // The MMIO doorbells carry on; configuring again works.
    ram.fail_at = ~std::uint64_t(0);
    EXPECT_EQ(io(1, rw(nvme_cmd_read, 1, 1, kBuf)).status, 0);
    EXPECT_EQ(config().status, 0);
    EXPECT_TRUE(state.dbbuf_on);
    // New buffers that cannot be reached: refused, the old ones stay.
    ram.fail_at = kEis + 0x2000 + dbbuf::cq_slot(1);
    EXPECT_EQ(config(kDbs + 0x2000, kEis + 0x2000).status, dnr(NVME_SC_INVALID_FIELD));
    EXPECT_TRUE(state.dbbuf_on);
    EXPECT_EQ(state.dbbuf_eis, kEis);
}

TEST_F(NvmeDbbufTest, ControllerResetAndMigration)
{
    bring_up();
    ASSERT_EQ(config().status, 0);
    EXPECT_TRUE(ctrl->post_load());
    state.dbbuf_eis = kEis + 4;
    EXPECT_FALSE(ctrl->post_load());
    state.dbbuf_eis = kDbs;
    EXPECT_FALSE(ctrl->post_load());
    state.dbbuf_eis = kEis;
    state.dbbuf_on = false;
    EXPECT_FALSE(ctrl->post_load()); // addresses without the switch
    state.dbbuf_on = true;
    EXPECT_TRUE(ctrl->post_load());
    wreg(NVME_REG_CC, 0);
    EXPECT_FALSE(state.dbbuf_on);
    EXPECT_EQ(state.dbbuf_dbs, 0u);
    EXPECT_EQ(state.dbbuf_eis, 0u);
    EXPECT_TRUE(ctrl->post_load());
}

} // namespace
} // namespace mdev::samples::nvme
