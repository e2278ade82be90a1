// SPDX-License-Identifier: GPL-2.0-or-later
// The NVMe controller model (hw/mdev/samples/mnvme) on its own, as a hostile
// guest drives it: register and doorbell writes of any value, guest RAM
// (queues, PRP lists, data buffers) filled with anything, a "bring-up" op
// that enables the controller so that inputs reach the queues quickly, and
// interrupts that re-enter the controller (an MSI aimed at a doorbell or at
// CC). After every step the state must be one the controller could hold
// (Controller::post_load's checks) and nothing may crash or hang.
//
// Input: a mode byte (interrupt mode, re-entry on or off), then operations:
//   0 OFF16 VAL32        write32 at OFF16 & 0x3ffc
//   1 ADDR16 LEN8 BYTES  copy LEN bytes of the input into RAM at ADDR
//   2 OFF16              read32
//   3                    bring-up: AQA 8/8, ASQ 0x1000, ACQ 0x2000, CC.EN;
//                        with bit 7 of the operation byte also I/O CQ 1
//                        (0x5000) and SQ 1 (0x6000), 8 entries each, and
//                        Doorbell Buffer Config with the shadow doorbells at
//                        0x3000 and EventIdx at 0x4000 (nvme_dbbuf.hpp), so
//                        that RAM writes there reach the shadow paths
// With mode bit 3 set, an operation byte of 0xf0 or more instead arms (or
// clears) one of mnvme's faults (media-error, drop-completion,
// controller-fatal) from the next 16 bytes (fault_ops.hpp), as the monitor
// would between the guest's accesses: the state checks hold with faults
// firing too.
#include "fault_ops.hpp"
#include "samples/mnvme/nvme_controller.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

using namespace mdev::samples::nvme;

constexpr std::size_t kRam = 64 * 1024;

class Ram final : public Dma {
public:
    std::vector<std::uint8_t> bytes = std::vector<std::uint8_t>(kRam, 0);
    bool read(std::uint64_t addr, std::span<std::uint8_t> out) override
    {
        if (addr > kRam || out.size() > kRam - addr) {
            return false;
        }
        std::memcpy(out.data(), bytes.data() + addr, out.size());
        return true;
    }
    bool write(std::uint64_t addr, std::span<const std::uint8_t> in) override
    {
        if (addr > kRam || in.size() > kRam - addr) {
            return false;
        }
        std::memcpy(bytes.data() + addr, in.data(), in.size());
        return true;
    }
};

class Irq final : public Interrupts {
public:
    IrqMode irq_mode = IrqMode::intx;
    Controller *reenter = nullptr;
    unsigned depth = 0;
    std::uint32_t reenter_offset = 0;
    IrqMode mode() const override { return irq_mode; }
    unsigned vectors() const override { return irq_mode == IrqMode::intx ? 1 : kQueueIds; }
    void set_intx(bool) override {}
    void notify(std::uint16_t vector) override
    {
        if (reenter && depth < 4) { // the guest aimed the message at BAR0
            depth++;
            reenter->write32(reenter_offset, vector);
            depth--;
        }
    }
};

class Log final : public ErrorLog {
public:
    void guest_error(const char *fmt, ...) override
    {
        char buf[512];
        va_list ap;
        va_start(ap, fmt);
        std::vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
    }
};

struct Input {
    const std::uint8_t *p;
    std::size_t n;
    bool take(std::size_t k) const { return n >= k; }
    std::uint64_t get(unsigned k)
    {
        std::uint64_t v = 0;
        for (unsigned i = 0; i < k; i++) {
            v |= std::uint64_t(p[i]) << (8 * i);
        }
        p += k;
        n -= k;
        return v;
    }
};

// Three admin commands at the admin SQ's head (bring-up just reset it):
// Create I/O CQ 1, Create I/O SQ 1, Doorbell Buffer Config.
void admin_setup(Ram &ram, Controller &ctrl)
{
    auto put = [&](std::size_t at, unsigned size, std::uint64_t v) {
        for (unsigned i = 0; i < size; i++) {
            ram.bytes[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
        }
    };
    std::memset(ram.bytes.data() + 0x1000, 0, 3 * 64);
    put(0x1000 + 0, 1, nvme_admin_create_cq);
    put(0x1000 + 24, 8, 0x5000);
    put(0x1000 + 40, 4, 7u << 16 | 1);
    put(0x1000 + 44, 4, NVME_CQ_IRQ_ENABLED | NVME_QUEUE_PHYS_CONTIG);
    put(0x1040 + 0, 1, nvme_admin_create_sq);
    put(0x1040 + 2, 2, 1);
    put(0x1040 + 24, 8, 0x6000);
    put(0x1040 + 40, 4, 7u << 16 | 1);
    put(0x1040 + 44, 4, 1u << 16 | NVME_QUEUE_PHYS_CONTIG);
    put(0x1080 + 0, 1, nvme_admin_dbbuf);
    put(0x1080 + 2, 2, 2);
    put(0x1080 + 24, 8, 0x3000);
    put(0x1080 + 32, 8, 0x4000);
    ctrl.write32(NVME_REG_DBS, 3);
    ctrl.write32(NVME_REG_DBS + 4, 3);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size < 1) {
        return 0;
    }
    Input in{data, size};
    const std::uint8_t mode = static_cast<std::uint8_t>(in.get(1));
    Ram ram;
    Irq irq;
    Log log;
    NvmeControllerState state{};
    std::array<Namespace, kMaxNamespaces> ns;
    ns[0].storage = std::make_unique<RamStorage>(256 * 1024);
    Identity id;
    id.serial = "FUZZ";
    id.model = "fuzz";
    id.firmware = "1";
    // Before the controller: its faults' action is removed from the set
    // when it goes.
    mdev::FaultSet faults;
    Controller ctrl(state, ram, irq, log, id, std::move(ns));
    ctrl.attach_faults(faults);
    ctrl.power_on_reset();
    irq.irq_mode = static_cast<IrqMode>(1 + mode % 3);
    if (mode & 0x10) {
        irq.reenter = &ctrl;
        irq.reenter_offset = (mode & 0x20) ? NVME_REG_CC : NVME_REG_DBS + ((mode >> 6) << 3);
    }
    while (in.take(1)) {
        const unsigned op = static_cast<unsigned>(in.get(1));
        if ((mode & 0x08) && op >= 0xf0) {
            const std::size_t k = std::min<std::size_t>(in.n, 16);
            FuzzedDataProvider fdp(in.p, k);
            mdev::fuzz::fuzz_fault(fdp, faults);
            in.p += k;
            in.n -= k;
        }
        switch ((mode & 0x08) && op >= 0xf0 ? 4 : op % 4) {
        case 0:
            if (!in.take(6)) {
                return 0;
            }
            {
                const auto off = static_cast<std::uint32_t>(in.get(2) & (kBar0Size - 4));
                ctrl.write32(off, static_cast<std::uint32_t>(in.get(4)));
            }
            break;
        case 1: {
            if (!in.take(3)) {
                return 0;
            }
            const std::size_t addr = static_cast<std::size_t>(in.get(2));
            std::size_t len = static_cast<std::size_t>(in.get(1));
            len = std::min({len, in.n, kRam - addr});
            std::memcpy(ram.bytes.data() + addr, in.p, len);
            in.get(0);
            in.p += len;
            in.n -= len;
            break;
        }
        case 2:
            if (!in.take(2)) {
                return 0;
            }
            (void)ctrl.read32(static_cast<std::uint32_t>(in.get(2) & (kBar0Size - 4)));
            break;
        case 3:
            ctrl.write32(NVME_REG_CC, 0);
            ctrl.write32(NVME_REG_AQA, 0x00070007);
            ctrl.write32(NVME_REG_ASQ, 0x1000);
            ctrl.write32(NVME_REG_ACQ, 0x2000);
            ctrl.write32(NVME_REG_CC, NVME_CC_ENABLE | NVME_SQES << NVME_CC_IOSQES_SHIFT |
                                          NVME_CQES << NVME_CC_IOCQES_SHIFT);
            if (op & 0x80) {
                admin_setup(ram, ctrl);
            }
            break;
        }
        // Whatever the guest did, the state is one the controller could be in.
        if (!ctrl.post_load()) {
            const NvmeControllerState &st = ctrl.state();
            std::fprintf(stderr, "FUZZ INVARIANT VIOLATED: cc %08x csts %08x aqa %08x aers %u events %u\n",
                         st.cc, st.csts, st.aqa, st.aer_count, st.event_count);
            for (unsigned q = 0; q < kQueueIds; q++) {
                if (st.sq[q].valid || st.cq[q].valid) {
                    std::fprintf(stderr, "  q%u sq v%d size %u head %u tail %u cq %u | cq v%d size %u head %u tail %u vec %u\n",
                                 q, st.sq[q].valid, st.sq[q].size, st.sq[q].head, st.sq[q].tail,
                                 st.sq[q].cqid, st.cq[q].valid, st.cq[q].size, st.cq[q].head,
                                 st.cq[q].tail, st.cq[q].vector);
                }
            }
            std::abort();
        }
    }
    return 0;
}
