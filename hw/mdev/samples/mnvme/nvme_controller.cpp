// SPDX-License-Identifier: GPL-2.0-or-later
// Registers, doorbells, queue processing, completions and interrupts.
#include "samples/mnvme/nvme_controller.hpp"
#include "samples/mnvme/nvme_dbbuf.hpp"

#include "hw/mdev/le_bytes.hpp"

#include <atomic>
#include <cinttypes>
#include <cstddef>
#include <cstring>

namespace mdev::samples::nvme {

namespace {

std::uint16_t aqa_sq_entries(std::uint32_t aqa)
{
    return static_cast<std::uint16_t>((aqa & 0xfff) + 1);
}

std::uint16_t aqa_cq_entries(std::uint32_t aqa)
{
    return static_cast<std::uint16_t>(((aqa >> 16) & 0xfff) + 1);
}

std::uint16_t wrap_inc(std::uint16_t v, std::uint16_t size)
{
    return static_cast<std::uint16_t>(v + 1 == size ? 0 : v + 1);
}

} // namespace

std::uint16_t Controller::Command::cid() const
{
    return static_cast<std::uint16_t>(load_le(std::span(raw).subspan(SQE_CID, 2)));
}

std::uint32_t Controller::Command::nsid() const
{
    return static_cast<std::uint32_t>(load_le(std::span(raw).subspan(SQE_NSID, 4)));
}

std::uint64_t Controller::Command::prp1() const
{
    return load_le(std::span(raw).subspan(SQE_PRP1, 8));
}

std::uint64_t Controller::Command::prp2() const
{
    return load_le(std::span(raw).subspan(SQE_PRP2, 8));
}

std::uint32_t Controller::Command::cdw(unsigned n) const
{
    return static_cast<std::uint32_t>(load_le(std::span(raw).subspan(SQE_CDW10 + 4 * (n - 10), 4)));
}

Controller::Controller(NvmeControllerState &state, Dma &dma, Interrupts &irq, ErrorLog &log,
                       Identity identity, std::array<Namespace, kMaxNamespaces> namespaces)
    : s_(state), dma_(dma), irq_(irq), log_(log), id_(std::move(identity)),
      ns_(std::move(namespaces)), prp_(dma, kPageSize)
{
    segs_.reserve(max_transfer() / kPageSize + 1);
    shadow_forget();
}

using regs::Register;

namespace {

// CAP (3.1.1): MQES, CQR, TO; DSTRD, MPSMIN and MPSMAX 0 (4 KiB pages).
constexpr std::uint64_t kCap = std::uint64_t(kMaxQueueEntries - 1) << NVME_CAP_MQES_SHIFT |
                               std::uint64_t(1) << NVME_CAP_CQR_SHIFT |
                               std::uint64_t(10) << NVME_CAP_TO_SHIFT | // 5 s to become ready
                               NVME_CAP_CSS_NVM << NVME_CAP_CSS_SHIFT;

} // namespace

std::uint64_t Controller::cap() const
{
    return kCap;
}

bool Controller::enabled() const
{
    return (s_.csts & NVME_CSTS_RDY) && !(s_.csts & NVME_CSTS_CFS);
}

// The controller registers of NVMe 1.4, 3.1. Reserved space between and
// after them, and the absent CMB, PMR and boot partition registers, read 0
// (log_unknown_reads off); writes there are refused and logged.
const Register Controller::kRegisters[] = {
    {.name = "CAP", .offset = NVME_REG_CAP, .width = 8, .reset = kCap, .ro = regs::kAllBits},
    {.name = "VS", .offset = NVME_REG_VS, .width = 4, .reset = NVME_VS_1_4, .ro = regs::kAllBits},
    // Interrupt mask set / clear: one mask, INTMC clearing what is written
    // as 1 (w1c), INTMS setting it (its hook).
    {.name = "INTMS", .offset = NVME_REG_INTMS, .width = 4,
     .storage = offsetof(NvmeControllerState, intms),
     .on_write = regs::write_hook<&Controller::write_intms>},
    {.name = "INTMC", .offset = NVME_REG_INTMC, .width = 4, .w1c = 0xffffffff,
     .storage = offsetof(NvmeControllerState, intms),
     .on_write = regs::write_hook<&Controller::write_intmc>},
    {.name = "CC", .offset = NVME_REG_CC, .width = 4, .rsvd = ~NVME_CC_WRITABLE,
     .storage = offsetof(NvmeControllerState, cc),
     .on_write = regs::write_hook<&Controller::write_cc_reg>},
    {.name = "CSTS", .offset = NVME_REG_CSTS, .width = 4, .ro = regs::kAllBits,
     .storage = offsetof(NvmeControllerState, csts)},
    // CAP.NSSRS is 0: reads 0, and a write is refused.
    {.name = "NSSR", .offset = NVME_REG_NSSR, .width = 4,
     .on_write = regs::write_hook<&Controller::write_nssr>},
    {.name = "AQA", .offset = NVME_REG_AQA, .width = 4, .rsvd = ~NVME_AQA_WRITABLE,
     .storage = offsetof(NvmeControllerState, aqa),
     .on_write = regs::write_hook<&Controller::write_admin_queue>},
    {.name = "ASQ", .offset = NVME_REG_ASQ, .width = 8,
     .storage = offsetof(NvmeControllerState, asq),
     .on_write = regs::write_hook<&Controller::write_admin_queue>},
    {.name = "ACQ", .offset = NVME_REG_ACQ, .width = 8,
     .storage = offsetof(NvmeControllerState, acq),
     .on_write = regs::write_hook<&Controller::write_admin_queue>},
};
const regs::RegisterTable Controller::kRegisterTable{"mnvme: BAR0", kRegisters,
                                                     /*log_unknown=*/false};

std::uint32_t Controller::read32(std::uint32_t offset) const
{
    // Doorbells (whose reads the spec leaves undefined) read 0.
    if (offset >= NVME_REG_DBS) {
        return 0;
    }
    // No register of the table has a read hook: a read changes nothing.
    return static_cast<std::uint32_t>(const_cast<Controller *>(this)->registers().read(offset, 4));
}

void Controller::write32(std::uint32_t offset, std::uint32_t value)
{
    if (offset >= NVME_REG_DBS) {
        doorbell(offset, value);
        return;
    }
    registers().write(offset, value, 4);
}

const char *Controller::write_intms(const Register &, std::uint64_t value)
{
    if (irq_.mode() == IrqMode::msix) {
        return "written while MSI-X is enabled (the spec reserves it then)";
    }
    s_.intms |= static_cast<std::uint32_t>(value);
    update_intx();
    return nullptr;
}

// `value` is the mask with the bits written as 1 cleared (w1c).
const char *Controller::write_intmc(const Register &, std::uint64_t value)
{
    if (irq_.mode() == IrqMode::msix) {
        return "written while MSI-X is enabled (the spec reserves it then)";
    }
    s_.intms = static_cast<std::uint32_t>(value);
    // MSI messages held back by the mask go out now.
    for (NvmeCq &cq : s_.cq) {
        if (cq.valid && cq.msi_pending && !(s_.intms & (1u << (cq.vector & 31)))) {
            cq.msi_pending = false;
            signal(cq);
        }
    }
    update_intx();
    return nullptr;
}

const char *Controller::write_cc_reg(const Register &, std::uint64_t value)
{
    write_cc(static_cast<std::uint32_t>(value));
    return nullptr;
}

const char *Controller::write_nssr(const Register &, std::uint64_t)
{
    return "NVM Subsystem Reset is not supported (CAP.NSSRS is 0)";
}

const char *Controller::write_admin_queue(const Register &reg, std::uint64_t value)
{
    if (s_.cc & NVME_CC_ENABLE) {
        return "written while CC.EN is set";
    }
    regs::store(regs::storage_of(s_), reg, value);
    return nullptr;
}

void Controller::write_cc(std::uint32_t value)
{
    const std::uint32_t old = s_.cc;
    s_.cc = value & NVME_CC_WRITABLE;
    if ((old & NVME_CC_ENABLE) && !(value & NVME_CC_ENABLE)) {
        controller_reset();
    } else if (!(old & NVME_CC_ENABLE) && (value & NVME_CC_ENABLE)) {
        enable();
    }
    if ((value & NVME_CC_SHN_MASK) && !(old & NVME_CC_SHN_MASK)) {
        // Normal or abrupt shutdown: nothing is in flight, so only the
        // backing files' caches need writing out.
        for (Namespace &ns : ns_) {
            if (ns.storage && !ns.storage->flush()) {
                log_.guest_error("mnvme: flush at shutdown failed");
            }
        }
        s_.csts = (s_.csts & ~NVME_CSTS_SHST_MASK) | NVME_CSTS_SHST_CMPLT;
    } else if (!(value & NVME_CC_SHN_MASK)) {
        s_.csts &= ~NVME_CSTS_SHST_MASK;
    }
}

void Controller::enable()
{
    const std::uint32_t cc = s_.cc;
    const char *why = nullptr;
    if (s_.csts & NVME_CSTS_CFS) {
        why = "the controller is in fatal status (clear CC.EN first)";
    } else if (((cc >> NVME_CC_CSS_SHIFT) & 7) != NVME_CC_CSS_NVM) {
        why = "CC.CSS selects a command set other than NVM";
    } else if (((cc >> NVME_CC_MPS_SHIFT) & 15) != 0) {
        why = "CC.MPS asks for pages other than 4 KiB (CAP.MPSMIN = MPSMAX = 0)";
    } else if (((cc >> NVME_CC_AMS_SHIFT) & 7) != 0) {
        why = "CC.AMS asks for an arbitration mechanism other than round robin";
    } else if ((s_.aqa & 0xfff) == 0 || ((s_.aqa >> 16) & 0xfff) == 0) {
        why = "AQA gives the admin queues fewer than 2 entries";
    } else if ((s_.asq & (kPageSize - 1)) || (s_.acq & (kPageSize - 1))) {
        why = "ASQ or ACQ is not page aligned";
    }
    if (why) {
        log_.guest_error("mnvme: CC.EN set but %s; the controller stays not ready", why);
        return;
    }
    NvmeSq &sq = s_.sq[0];
    sq = NvmeSq{.base = s_.asq, .size = aqa_sq_entries(s_.aqa), .head = 0, .tail = 0,
                .cqid = 0, .valid = true};
    NvmeCq &cq = s_.cq[0];
    cq = NvmeCq{.base = s_.acq, .size = aqa_cq_entries(s_.aqa), .head = 0, .tail = 0,
                .vector = 0, .valid = true, .irq_enabled = true, .phase = true,
                .msi_pending = false};
    s_.csts |= NVME_CSTS_RDY;
}

void Controller::default_features()
{
    s_.feat = NvmeFeatures{};
    s_.feat.volatile_wc = true;
    s_.feat.temp_thresh = 0x0157; // 343 K, a common over-temperature threshold
}

void Controller::controller_reset()
{
    // 7.3.2: queues deleted, outstanding commands (the AERs) dropped,
    // registers but AQA/ASQ/ACQ (and CC, written by the guest) back to
    // their reset values.
    resets_++;
    for (NvmeSq &sq : s_.sq) {
        sq = NvmeSq{};
    }
    for (NvmeCq &cq : s_.cq) {
        cq = NvmeCq{};
    }
    s_.aer_count = 0;
    s_.event_count = 0;
    s_.masked_event_types = 0;
    s_.intms = 0;
    s_.csts = 0;
    s_.dbbuf_dbs = s_.dbbuf_eis = 0;
    s_.dbbuf_on = false;
    shadow_forget();
    default_features();
    update_intx();
}

void Controller::power_on_reset()
{
    controller_reset();
    s_.cc = 0;
    s_.aqa = 0;
    s_.asq = 0;
    s_.acq = 0;
    s_.error_count = 0;
    s_.error_sqid = s_.error_cid = s_.error_status = 0;
}

void Controller::fatal(const char *why)
{
    log_.guest_error("mnvme: %s; controller fatal status (CSTS.CFS) until reset", why);
    s_.csts |= NVME_CSTS_CFS;
}

void Controller::doorbell(std::uint32_t offset, std::uint32_t value)
{
    const std::uint32_t index = (offset - NVME_REG_DBS) / 4;
    const std::uint32_t qid = index / 2;
    const bool is_cq = index & 1;
    if (!enabled()) {
        log_.guest_error("mnvme: doorbell 0x%x written while the controller is not ready; "
                         "ignored",
                         offset);
        return;
    }
    if (qid >= kQueueIds || !(is_cq ? s_.cq[qid].valid : s_.sq[qid].valid)) {
        log_.guest_error("mnvme: doorbell 0x%x is for %s %u, which does not exist", offset,
                         is_cq ? "CQ" : "SQ", qid);
        raise_event(NVME_AER_ERROR, NVME_AER_ERROR_INVALID_DB_REG, NVME_LOG_ERROR);
        return;
    }
    if (is_cq) {
        NvmeCq &cq = s_.cq[qid];
        if (s_.dbbuf_on && qid != 0 && value < cq.size) {
            // With shadow doorbells the MMIO write says "look": the shadow
            // holds the head, and is never older than the written value,
            // which may be (a posted write served over vfio-user arrives
            // after the controller has read newer heads from the shadow).
            const bool was_full = cq_full(cq);
            if (shadow_cq_head(qid)) {
                if (irq_.mode() == IrqMode::intx && cq.irq_enabled && cq.head != cq.tail) {
                    // Entries posted since the host's interrupt handler
                    // looked: the level stays up, and the next head must
                    // ring again to bring it down.
                    shadow_cq_ask_head(qid);
                }
                update_intx();
                if (was_full) {
                    run();
                }
                return;
            }
        }
        // The new head may pass at most the entries posted since the old one.
        const std::uint32_t posted = (cq.tail + cq.size - cq.head) % cq.size;
        const std::uint32_t consumed = (value + cq.size - cq.head) % cq.size;
        if (value >= cq.size || consumed > posted) {
            log_.guest_error("mnvme: CQ %u head doorbell %u is past the queue (%u entries) or "
                             "its tail %u",
                             qid, value, cq.size, cq.tail);
            raise_event(NVME_AER_ERROR, NVME_AER_ERROR_INVALID_DB_VALUE, NVME_LOG_ERROR);
            return;
        }
        const bool was_full = cq_full(cq);
        cq.head = static_cast<std::uint16_t>(value);
        if (s_.dbbuf_on && qid == 0) {
            // Linux never writes the admin queue's shadow slots.
            shadow_write(s_.dbbuf_dbs, dbbuf::cq_slot(0), cq.head);
        }
        update_intx();
        if (was_full) {
            run(); // submission queues stopped for room on this CQ go on
        }
        return;
    }
    NvmeSq &sq = s_.sq[qid];
    if (value >= sq.size) {
        log_.guest_error("mnvme: SQ %u tail doorbell %u is past the queue (%u entries)", qid,
                         value, sq.size);
        raise_event(NVME_AER_ERROR, NVME_AER_ERROR_INVALID_DB_VALUE, NVME_LOG_ERROR);
        return;
    }
    if (s_.dbbuf_on && qid != 0) {
        // As for the CQ heads: the shadow tail counts, the written value
        // may be stale. Taking it would move the tail back behind entries
        // already taken from the shadow, and the controller would run the
        // ring's old entries again (seen over vfio-user: Linux's nvme
        // logged "genctr mismatch" for their completions, then oopsed).
        std::uint16_t tail = 0;
        if (shadow_read(dbbuf::sq_slot(qid), &tail)) {
            if (tail < sq.size) {
                sq.tail = tail;
            } else {
                log_.guest_error("mnvme: SQ %u shadow tail %u is past the queue (%u entries); "
                                 "ignored",
                                 qid, tail, sq.size);
            }
            run();
            return;
        }
    }
    sq.tail = static_cast<std::uint16_t>(value);
    if (s_.dbbuf_on && qid == 0) {
        shadow_write(s_.dbbuf_dbs, dbbuf::sq_slot(0), sq.tail);
    }
    run();
}

void Controller::run()
{
    if (running_) {
        rerun_ = true;
        return;
    }
    running_ = true;
    unsigned passes = 0;
    do {
        rerun_ = false;
        shadow_more_ = false;
        deliver_events();
        for (std::uint16_t q = 0; q < kQueueIds && enabled(); q++) {
            if (s_.sq[q].valid) {
                drain(q);
            }
        }
    } while ((rerun_ || (shadow_more_ && ++passes < dbbuf::kMaxPasses)) && enabled());
    if (shadow_more_ && s_.dbbuf_on && enabled()) {
        // The passes are spent and the host is still adding entries: ask
        // for the next doorbell on every SQ that has some left (nvme_dbbuf.hpp).
        for (std::uint16_t q = 0; q < kQueueIds && s_.dbbuf_on; q++) {
            const NvmeSq &sq = s_.sq[q];
            if (sq.valid && sq.head != sq.tail &&
                shadow_write(s_.dbbuf_eis, dbbuf::sq_slot(q), sq.tail)) {
                sq_event_[q] = sq.tail;
            }
        }
    }
    if (s_.dbbuf_on && irq_.mode() == IrqMode::intx) {
        // The INTx level follows the CQ heads: have the host ring each.
        for (std::uint16_t q = 0; q < kQueueIds && s_.dbbuf_on; q++) {
            const NvmeCq &cq = s_.cq[q];
            if (cq.valid && cq.irq_enabled && cq.head != cq.tail) {
                shadow_cq_ask_head(q);
            }
        }
        update_intx();
    }
    running_ = false;
}

bool Controller::cq_full(const NvmeCq &cq) const
{
    return wrap_inc(cq.tail, cq.size) == cq.head;
}

void Controller::drain(std::uint16_t sqid)
{
    const std::uint64_t epoch = resets_;
    // At most one pass over the ring per call; the guest's next doorbell
    // (or CQ room) brings the next.
    for (unsigned n = 0; n < s_.sq[sqid].size; n++) {
        NvmeSq &sq = s_.sq[sqid];
        if (resets_ != epoch || !enabled() || !sq.valid) {
            return;
        }
        if (sq.head == sq.tail && !(s_.dbbuf_on && shadow_sq_more(sqid))) {
            return;
        }
        if (!s_.cq[sq.cqid].valid ||
            (cq_full(s_.cq[sq.cqid]) && !(s_.dbbuf_on && shadow_cq_room(sq.cqid)))) {
            return; // 4.1: no fetching while the CQ has no room
        }
        Command c{};
        const std::uint64_t addr = sq.base + std::uint64_t(sq.head) * NVME_SQE_SIZE;
        if (!dma_.read(addr, c.raw)) {
            char why[128];
            std::snprintf(why, sizeof(why), "SQ %u entry at 0x%" PRIx64 " cannot be reached by DMA (not RAM, or bus mastering off)",
                          sqid, addr);
            fatal(why);
            return;
        }
        sq.head = wrap_inc(sq.head, sq.size);
        current_sqid_ = sqid;
        Outcome out = sqid == 0 ? admin(c) : io(c);
        if (resets_ != epoch || !s_.sq[sqid].valid) {
            return; // the command's own effects reset the controller
        }
        if (out.deferred) {
            continue;
        }
        if (out.status != NVME_SC_SUCCESS) {
            log_error(sqid, c, out.status);
        }
        if (faults_.armed() && faults_.drop_completion(sqid, c.cid(), c.opcode())) {
            continue;
        }
        post(sqid, c.cid(), out.status, out.dw0);
    }
    // A whole ring's worth: with shadow doorbells the host may have added
    // more without ringing; run() comes back (a bounded number of times).
    if (s_.dbbuf_on && resets_ == epoch) {
        shadow_more_ = true;
    }
}

void Controller::log_error(std::uint16_t sqid, const Command &c, std::uint16_t status)
{
    s_.error_count++;
    s_.error_sqid = sqid;
    s_.error_cid = c.cid();
    s_.error_status = status;
}

bool Controller::post(std::uint16_t sqid, std::uint16_t cid, std::uint16_t status,
                      std::uint32_t dw0)
{
    const NvmeSq &sq = s_.sq[sqid];
    NvmeCq &cq = s_.cq[sq.cqid];
    if (!cq.valid || cq_full(cq)) {
        return false; // callers check for room first; an AER waits instead
    }
    std::uint8_t e[NVME_CQE_SIZE] = {};
    std::span<std::uint8_t> entry(e);
    store_le(entry.subspan(CQE_RESULT, 4), dw0);
    store_le(entry.subspan(CQE_SQHD, 2), sq.head);
    store_le(entry.subspan(CQE_SQID, 2), sqid);
    store_le(entry.subspan(CQE_CID, 2), cid);
    store_le(entry.subspan(CQE_STATUS, 2), std::uint16_t(status << 1) | (cq.phase ? 1 : 0));
    const std::uint64_t addr = cq.base + std::uint64_t(cq.tail) * NVME_CQE_SIZE;
    if (!dma_.write(addr, entry)) {
        char why[128];
        std::snprintf(why, sizeof(why), "CQ %u entry at 0x%" PRIx64 " cannot be reached by DMA (not RAM, or bus mastering off)",
                      sq.cqid, addr);
        fatal(why);
        return false;
    }
    cq.tail = wrap_inc(cq.tail, cq.size);
    if (cq.tail == 0) {
        cq.phase = !cq.phase;
    }
    signal(cq);
    return true;
}

void Controller::signal(NvmeCq &cq)
{
    if (!cq.irq_enabled) {
        return;
    }
    switch (irq_.mode()) {
    case IrqMode::msix:
    case IrqMode::msi:
        if (cq.vector >= irq_.vectors()) {
            log_.guest_error("mnvme: CQ uses interrupt vector %u, but only %u are enabled",
                             cq.vector, irq_.vectors());
            return;
        }
        if (irq_.mode() == IrqMode::msi && (s_.intms & (1u << (cq.vector & 31)))) {
            cq.msi_pending = true;
            return;
        }
        irq_.notify(cq.vector);
        return;
    case IrqMode::intx:
        update_intx();
        return;
    case IrqMode::none:
        return;
    }
}

void Controller::update_intx()
{
    bool level = false;
    if (irq_.mode() == IrqMode::intx) {
        // 7.5.1: asserted while any interrupt-enabled CQ holds entries the
        // host has not consumed and its vector is not masked by INTMS.
        for (const NvmeCq &cq : s_.cq) {
            if (cq.valid && cq.irq_enabled && cq.head != cq.tail &&
                !(s_.intms & (1u << (cq.vector & 31)))) {
                level = true;
                break;
            }
        }
    }
    if (level != s_.intx_level) {
        s_.intx_level = level;
        irq_.set_intx(level);
    }
}

void Controller::irq_changed()
{
    if (s_.dbbuf_on && irq_.mode() == IrqMode::intx) {
        for (std::uint16_t q = 0; q < kQueueIds && s_.dbbuf_on; q++) {
            if (s_.cq[q].valid && s_.cq[q].irq_enabled && s_.cq[q].head != s_.cq[q].tail) {
                shadow_cq_ask_head(q);
            }
        }
    }
    update_intx();
}

// ---- Shadow doorbells (nvme_dbbuf.hpp) --------------------------------------

void Controller::shadow_forget()
{
    sq_event_.fill(-1);
    cq_event_.fill(-1);
}

void Controller::shadow_off(const char *what, std::uint64_t addr)
{
    log_.guest_error("mnvme: %s at 0x%" PRIx64 " cannot be reached by DMA (not RAM, or bus "
                     "mastering off); shadow doorbells off, the MMIO doorbells count again",
                     what, addr);
    s_.dbbuf_on = false;
    s_.dbbuf_dbs = s_.dbbuf_eis = 0;
    shadow_forget();
}

bool Controller::shadow_read(std::uint64_t slot, std::uint16_t *value)
{
    if (!s_.dbbuf_on) {
        return false;
    }
    // The host wrote its value, then read our EventIdx; we wrote EventIdx,
    // now read its value: neither read may pass the other's write.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    std::array<std::uint8_t, 4> b{};
    if (!dma_.read(s_.dbbuf_dbs + slot, b)) {
        shadow_off("the shadow doorbell", s_.dbbuf_dbs + slot);
        return false;
    }
    *value = static_cast<std::uint16_t>(load_le(std::span<const std::uint8_t>(b)));
    return true;
}

bool Controller::shadow_write(std::uint64_t base, std::uint64_t slot, std::uint16_t value)
{
    if (!s_.dbbuf_on) {
        return false;
    }
    std::array<std::uint8_t, 4> b{};
    store_le(std::span<std::uint8_t>(b), std::uint32_t(value));
    if (!dma_.write(base + slot, b)) {
        shadow_off(base == s_.dbbuf_eis ? "the EventIdx buffer" : "the shadow doorbell",
                   base + slot);
        return false;
    }
    std::atomic_thread_fence(std::memory_order_seq_cst);
    return true;
}

// SQ `sqid` has been processed up to the tail we know: true if its shadow
// tail brings more entries. If not, EventIdx = tail asks for a doorbell on
// the next one; the shadow is read once more after that, since the host
// may have added an entry while the old EventIdx told it not to ring.
bool Controller::shadow_sq_more(std::uint16_t sqid)
{
    NvmeSq &sq = s_.sq[sqid];
    for (int look = 0; look < 2; look++) {
        std::uint16_t tail = 0;
        if (!shadow_read(dbbuf::sq_slot(sqid), &tail)) {
            return false;
        }
        if (tail >= sq.size) {
            log_.guest_error("mnvme: SQ %u shadow tail %u is past the queue (%u entries); "
                             "ignored",
                             sqid, tail, sq.size);
            return false;
        }
        if (tail != sq.tail) {
            sq.tail = tail;
            return true;
        }
        if (sq_event_[sqid] == tail) {
            return false; // asked for this doorbell already
        }
        if (!shadow_write(s_.dbbuf_eis, dbbuf::sq_slot(sqid), tail)) {
            return false;
        }
        sq_event_[sqid] = tail;
    }
    return false;
}

// Takes CQ `cqid`'s head from the shadow (checked as an MMIO head doorbell
// is). false if the shadow cannot be read.
bool Controller::shadow_cq_head(std::uint16_t cqid)
{
    NvmeCq &cq = s_.cq[cqid];
    std::uint16_t head = 0;
    if (!shadow_read(dbbuf::cq_slot(cqid), &head)) {
        return false;
    }
    const std::uint32_t posted = (cq.tail + cq.size - cq.head) % cq.size;
    const std::uint32_t consumed = (std::uint32_t(head) + cq.size - cq.head) % cq.size;
    if (head >= cq.size || consumed > posted) {
        log_.guest_error("mnvme: CQ %u shadow head %u is past the queue (%u entries) or its "
                         "tail %u; ignored",
                         cqid, head, cq.size, cq.tail);
        return true;
    }
    cq.head = head;
    return true;
}

// CQ `cqid` looked full: true if its shadow head made room. If not, the
// host is asked to ring the head doorbell when it frees an entry.
bool Controller::shadow_cq_room(std::uint16_t cqid)
{
    if (!shadow_cq_head(cqid)) {
        return false;
    }
    if (!cq_full(s_.cq[cqid])) {
        return true;
    }
    shadow_cq_ask_head(cqid);
    return !cq_full(s_.cq[cqid]);
}

// EventIdx = the CQ's head: the host's next head update rings the MMIO
// doorbell. Read again after, as for the SQs.
void Controller::shadow_cq_ask_head(std::uint16_t cqid)
{
    for (int look = 0; look < 3 && s_.dbbuf_on; look++) {
        if (!shadow_cq_head(cqid)) {
            return;
        }
        const std::uint16_t head = s_.cq[cqid].head;
        if (cq_event_[cqid] == head) {
            return;
        }
        if (!shadow_write(s_.dbbuf_eis, dbbuf::cq_slot(cqid), head)) {
            return;
        }
        cq_event_[cqid] = head;
    }
}

// A queue created while shadow doorbells are on starts at 0 in both
// buffers: its first entry (or first consumed completion) rings.
void Controller::shadow_queue_created(bool sq, std::uint16_t qid)
{
    const std::uint64_t slot = sq ? dbbuf::sq_slot(qid) : dbbuf::cq_slot(qid);
    if (shadow_write(s_.dbbuf_dbs, slot, 0) && shadow_write(s_.dbbuf_eis, slot, 0)) {
        (sq ? sq_event_ : cq_event_)[qid] = 0;
    }
}

bool Controller::post_load()
{
    const std::uint32_t known_csts = NVME_CSTS_RDY | NVME_CSTS_CFS | NVME_CSTS_SHST_MASK;
    if ((s_.cc & ~NVME_CC_WRITABLE) || (s_.csts & ~known_csts) ||
        (s_.aqa & ~NVME_AQA_WRITABLE) || s_.aer_count > kAerLimit ||
        s_.event_count > kEventQueue) {
        return false;
    }
    for (unsigned q = 0; q < kQueueIds; q++) {
        const NvmeSq &sq = s_.sq[q];
        const NvmeCq &cq = s_.cq[q];
        const unsigned max = q == 0 ? kMaxAdminEntries : kMaxQueueEntries;
        if (sq.valid && (sq.size < 2 || sq.size > max || sq.head >= sq.size ||
                         sq.tail >= sq.size || sq.cqid >= kQueueIds || !s_.cq[sq.cqid].valid ||
                         (q == 0) != (sq.cqid == 0))) {
            return false;
        }
        if (cq.valid && (cq.size < 2 || cq.size > max || cq.head >= cq.size ||
                         cq.tail >= cq.size || cq.vector >= kQueueIds)) {
            return false;
        }
    }
    if (s_.feat.nsqa > kMaxIoQueues || s_.feat.ncqa > kMaxIoQueues) {
        return false;
    }
    if (s_.dbbuf_on && ((s_.dbbuf_dbs | s_.dbbuf_eis) & (kPageSize - 1) ||
                        s_.dbbuf_dbs == s_.dbbuf_eis || !id_.shadow_doorbells)) {
        return false;
    }
    if (!s_.dbbuf_on && (s_.dbbuf_dbs || s_.dbbuf_eis)) {
        return false;
    }
    shadow_forget();
    // The level the machine has is the source's; make ours match it.
    s_.intx_level = !s_.intx_level;
    update_intx();
    return true;
}

} // namespace mdev::samples::nvme
