// SPDX-License-Identifier: GPL-2.0-or-later
// Admin command set (NVMe 1.4 chapter 5): queue creation and deletion,
// Identify, Get/Set Features, Get Log Page, Abort, Asynchronous Events.
#include "samples/mnvme/nvme_controller.hpp"
#include "samples/mnvme/nvme_dbbuf.hpp"

#include "hw/mdev/le_bytes.hpp"

#include <algorithm>
#include <cstring>

namespace mdev::samples::nvme {

namespace {

void put_ascii(std::span<std::uint8_t> field, const std::string &text)
{
    // Identify strings are ASCII, left-justified, padded with spaces.
    std::fill(field.begin(), field.end(), ' ');
    std::memcpy(field.data(), text.data(), std::min(text.size(), field.size()));
}

void put(std::span<std::uint8_t> out, unsigned offset, unsigned size, std::uint64_t v)
{
    store_le(out.subspan(offset, size), v);
}

constexpr std::uint16_t invalid(std::uint16_t sc)
{
    return sc | NVME_SC_DNR;
}

} // namespace

Controller::Outcome Controller::admin(const Command &c)
{
    // Only AERs are ever outstanding: a command reusing one's id is a
    // conflict (4.2: a CID is unique among a queue's outstanding commands).
    for (unsigned i = 0; i < s_.aer_count; i++) {
        if (s_.aer_cid[i] == c.cid()) {
            log_.guest_error("mnvme: admin command 0x%02x reuses command id %u of an "
                             "outstanding Asynchronous Event Request",
                             c.opcode(), c.cid());
            return {invalid(NVME_SC_CMDID_CONFLICT)};
        }
    }
    if (c.flags() != 0) {
        log_.guest_error("mnvme: admin command 0x%02x asks for fused operation or SGLs "
                         "(flags 0x%02x), which this controller does not offer",
                         c.opcode(), c.flags());
        return {invalid(NVME_SC_INVALID_FIELD)};
    }
    switch (c.opcode()) {
    case nvme_admin_delete_sq:
        return delete_sq(c);
    case nvme_admin_create_sq:
        return create_sq(c);
    case nvme_admin_get_log_page:
        return get_log_page(c);
    case nvme_admin_delete_cq:
        return delete_cq(c);
    case nvme_admin_create_cq:
        return create_cq(c);
    case nvme_admin_identify:
        return identify(c);
    case nvme_admin_abort_cmd:
        // Every command but the AERs has completed by the time an Abort is
        // fetched, and the spec lets a controller leave AERs alone: DW0
        // bit 0 set says "not aborted".
        return {NVME_SC_SUCCESS, 1};
    case nvme_admin_set_features:
        return set_features(c);
    case nvme_admin_get_features:
        return get_features(c);
    case nvme_admin_async_event:
        return async_event(c);
    case nvme_admin_dbbuf:
        if (id_.shadow_doorbells) {
            return doorbell_buffer_config(c);
        }
        [[fallthrough]];
    default:
        log_.guest_error("mnvme: admin opcode 0x%02x is not supported", c.opcode());
        return {invalid(NVME_SC_INVALID_OPCODE)};
    }
}

Controller::Outcome Controller::create_cq(const Command &c)
{
    const std::uint32_t qid = c.cdw(10) & 0xffff;
    const std::uint32_t entries = (c.cdw(10) >> 16) + 1;
    const std::uint32_t flags = c.cdw(11);
    const std::uint32_t vector = flags >> 16;
    const std::uint32_t allowed = s_.feat.ncqa ? s_.feat.ncqa : kMaxIoQueues;
    if (qid == 0 || qid > allowed || s_.cq[qid].valid) {
        log_.guest_error("mnvme: Create I/O CQ %u: no such queue id free (1..%u)", qid,
                         allowed);
        return {invalid(NVME_SC_QID_INVALID)};
    }
    if (entries < 2 || entries > kMaxQueueEntries) {
        log_.guest_error("mnvme: Create I/O CQ %u with %u entries (2..%u)", qid, entries,
                         kMaxQueueEntries);
        return {invalid(NVME_SC_QUEUE_SIZE)};
    }
    if (vector >= kQueueIds) {
        log_.guest_error("mnvme: Create I/O CQ %u on interrupt vector %u (0..%u)", qid, vector,
                         kQueueIds - 1);
        return {invalid(NVME_SC_INVALID_VECTOR)};
    }
    if (!(flags & NVME_QUEUE_PHYS_CONTIG) || ((s_.cc >> NVME_CC_IOCQES_SHIFT) & 15) != NVME_CQES) {
        log_.guest_error("mnvme: Create I/O CQ %u: not physically contiguous (CAP.CQR) or "
                         "CC.IOCQES is not 4",
                         qid);
        return {invalid(NVME_SC_INVALID_FIELD)};
    }
    if (c.prp1() == 0 || (c.prp1() & (kPageSize - 1))) {
        log_.guest_error("mnvme: Create I/O CQ %u at 0x%llx, not page aligned", qid,
                         static_cast<unsigned long long>(c.prp1()));
        return {invalid(NVME_SC_PRP_INVALID_OFFSET)};
    }
    s_.cq[qid] = NvmeCq{.base = c.prp1(), .size = static_cast<std::uint16_t>(entries),
                        .head = 0, .tail = 0, .vector = static_cast<std::uint16_t>(vector),
                        .valid = true, .irq_enabled = (flags & NVME_CQ_IRQ_ENABLED) != 0,
                        .phase = true, .msi_pending = false};
    if (s_.dbbuf_on) {
        shadow_queue_created(false, static_cast<std::uint16_t>(qid));
    }
    return {};
}

Controller::Outcome Controller::create_sq(const Command &c)
{
    const std::uint32_t qid = c.cdw(10) & 0xffff;
    const std::uint32_t entries = (c.cdw(10) >> 16) + 1;
    const std::uint32_t flags = c.cdw(11);
    const std::uint32_t cqid = flags >> 16;
    const std::uint32_t allowed = s_.feat.nsqa ? s_.feat.nsqa : kMaxIoQueues;
    if (qid == 0 || qid > allowed || s_.sq[qid].valid) {
        log_.guest_error("mnvme: Create I/O SQ %u: no such queue id free (1..%u)", qid,
                         allowed);
        return {invalid(NVME_SC_QID_INVALID)};
    }
    if (entries < 2 || entries > kMaxQueueEntries) {
        log_.guest_error("mnvme: Create I/O SQ %u with %u entries (2..%u)", qid, entries,
                         kMaxQueueEntries);
        return {invalid(NVME_SC_QUEUE_SIZE)};
    }
    if (cqid == 0 || cqid >= kQueueIds || !s_.cq[cqid].valid) {
        log_.guest_error("mnvme: Create I/O SQ %u on CQ %u, which is not an I/O CQ", qid, cqid);
        return {invalid(NVME_SC_CQ_INVALID)};
    }
    if (!(flags & NVME_QUEUE_PHYS_CONTIG) || ((s_.cc >> NVME_CC_IOSQES_SHIFT) & 15) != NVME_SQES) {
        log_.guest_error("mnvme: Create I/O SQ %u: not physically contiguous (CAP.CQR) or "
                         "CC.IOSQES is not 6",
                         qid);
        return {invalid(NVME_SC_INVALID_FIELD)};
    }
    if (c.prp1() == 0 || (c.prp1() & (kPageSize - 1))) {
        log_.guest_error("mnvme: Create I/O SQ %u at 0x%llx, not page aligned", qid,
                         static_cast<unsigned long long>(c.prp1()));
        return {invalid(NVME_SC_PRP_INVALID_OFFSET)};
    }
    // Queue priority (CDW11 2:1) only matters with weighted round robin,
    // which CAP.AMS does not offer.
    s_.sq[qid] = NvmeSq{.base = c.prp1(), .size = static_cast<std::uint16_t>(entries),
                        .head = 0, .tail = 0, .cqid = static_cast<std::uint16_t>(cqid),
                        .valid = true};
    if (s_.dbbuf_on) {
        shadow_queue_created(true, static_cast<std::uint16_t>(qid));
    }
    return {};
}

Controller::Outcome Controller::delete_sq(const Command &c)
{
    const std::uint32_t qid = c.cdw(10) & 0xffff;
    if (qid == 0 || qid >= kQueueIds || !s_.sq[qid].valid) {
        log_.guest_error("mnvme: Delete I/O SQ %u, which does not exist", qid);
        return {invalid(NVME_SC_QID_INVALID)};
    }
    s_.sq[qid] = NvmeSq{};
    return {};
}

Controller::Outcome Controller::delete_cq(const Command &c)
{
    const std::uint32_t qid = c.cdw(10) & 0xffff;
    if (qid == 0 || qid >= kQueueIds || !s_.cq[qid].valid) {
        log_.guest_error("mnvme: Delete I/O CQ %u, which does not exist", qid);
        return {invalid(NVME_SC_QID_INVALID)};
    }
    for (const NvmeSq &sq : s_.sq) {
        if (sq.valid && sq.cqid == qid) {
            log_.guest_error("mnvme: Delete I/O CQ %u while an SQ still uses it", qid);
            return {invalid(NVME_SC_QUEUE_DELETION)};
        }
    }
    s_.cq[qid] = NvmeCq{};
    update_intx();
    return {};
}

std::array<std::uint8_t, 16> Controller::namespace_uuid(std::uint32_t nsid) const
{
    // Unique per mdev and namespace, stable across runs with the same
    // mdev UUID: the mdev's UUID with the nsid folded into its last bytes.
    std::array<std::uint8_t, 16> u = id_.uuid;
    u[14] ^= static_cast<std::uint8_t>(nsid >> 8);
    u[15] ^= static_cast<std::uint8_t>(nsid);
    return u;
}

void Controller::identify_controller(std::span<std::uint8_t> out) const
{
    put(out, ID_CTRL_VID, 2, id_.vid);
    put(out, ID_CTRL_SSVID, 2, id_.ssvid);
    put_ascii(out.subspan(ID_CTRL_SN, 20), id_.serial);
    put_ascii(out.subspan(ID_CTRL_MN, 40), id_.model);
    put_ascii(out.subspan(ID_CTRL_FR, 8), id_.firmware);
    out[ID_CTRL_RAB] = 6;
    out[ID_CTRL_MDTS] = id_.mdts;
    put(out, ID_CTRL_CNTLID, 2, 0);
    put(out, ID_CTRL_OACS, 2, id_.shadow_doorbells ? NVME_CTRL_OACS_DBBUF_SUPP : 0);
    put(out, ID_CTRL_VER, 4, NVME_VS_1_4);
    out[ID_CTRL_CNTRLTYPE] = NVME_CTRL_TYPE_IO;
    out[ID_CTRL_ACL] = 3;               // 4 Aborts (0's based)
    out[ID_CTRL_AERL] = kAerLimit - 1;  // 0's based
    out[ID_CTRL_FRMW] = 0x03;           // slot 1 read-only, 1 slot
    out[ID_CTRL_ELPE] = 0;              // one Error Information log entry (0's based)
    out[ID_CTRL_NPSS] = 0;              // one power state
    put(out, ID_CTRL_WCTEMP, 2, 0x0157);
    put(out, ID_CTRL_CCTEMP, 2, 0x0175);
    out[ID_CTRL_SQES] = NVME_SQES << 4 | NVME_SQES;
    out[ID_CTRL_CQES] = NVME_CQES << 4 | NVME_CQES;
    put(out, ID_CTRL_NN, 4, kMaxNamespaces);
    put(out, ID_CTRL_ONCS, 2, NVME_CTRL_ONCS_WRITE_ZEROES);
    out[ID_CTRL_VWC] = NVME_CTRL_VWC_PRESENT;
    // SUBNQN (1.2.1+): the UUID form of 7.9, from the mdev's UUID.
    char nqn[80];
    const auto &u = id_.uuid;
    std::snprintf(nqn, sizeof(nqn),
                  "nqn.2014-08.org.nvmexpress:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-"
                  "%02x%02x-%02x%02x%02x%02x%02x%02x",
                  u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11],
                  u[12], u[13], u[14], u[15]);
    std::memcpy(out.data() + ID_CTRL_SUBNQN, nqn, std::strlen(nqn));
    // Power state 0: 25 W max (units of 0.01 W), entry/exit latencies 0.
    put(out, ID_CTRL_PSD0, 2, 2500);
}

void Controller::identify_namespace(std::uint32_t nsid, std::span<std::uint8_t> out) const
{
    const Namespace &n = ns_[nsid - 1];
    const std::uint64_t blocks = n.blocks();
    put(out, ID_NS_NSZE, 8, blocks);
    put(out, ID_NS_NCAP, 8, blocks);
    put(out, ID_NS_NUSE, 8, blocks);
    out[ID_NS_NSFEAT] = 0;
    out[ID_NS_NLBAF] = 0; // one LBA format (0's based)
    out[ID_NS_FLBAS] = 0;
    out[ID_NS_DLFEAT] = 0x09; // deallocated blocks read zeroes; Write Zeroes may deallocate
    const std::array<std::uint8_t, 16> uuid = namespace_uuid(nsid);
    std::memcpy(out.data() + ID_NS_NGUID, uuid.data(), 16);
    put(out, ID_NS_LBAF0, 4, std::uint32_t(n.lba_shift) << NVME_LBAF_LBADS_SHIFT);
}

Controller::Outcome Controller::identify(const Command &c)
{
    const std::uint8_t cns = c.cdw(10) & 0xff;
    const std::uint32_t nsid = c.nsid();
    std::array<std::uint8_t, NVME_IDENTIFY_DATA_SIZE> data{};
    const bool valid_nsid = nsid >= 1 && nsid <= kMaxNamespaces;
    switch (cns) {
    case NVME_ID_CNS_NS:
        if (!valid_nsid) {
            log_.guest_error("mnvme: Identify Namespace for nsid 0x%x (1..%u)", nsid,
                             kMaxNamespaces);
            return {invalid(NVME_SC_INVALID_NS)};
        }
        // An inactive (but valid) namespace identifies as all zeroes.
        if (ns_[nsid - 1].storage) {
            identify_namespace(nsid, data);
        }
        break;
    case NVME_ID_CNS_CTRL:
        identify_controller(data);
        break;
    case NVME_ID_CNS_NS_ACTIVE_LIST: {
        if (nsid >= 0xfffffffe) {
            log_.guest_error("mnvme: Active Namespace ID list after nsid 0x%x", nsid);
            return {invalid(NVME_SC_INVALID_NS)};
        }
        unsigned k = 0;
        for (std::uint32_t i = 1; i <= kMaxNamespaces; i++) {
            if (i > nsid && ns_[i - 1].storage) {
                put(data, 4 * k++, 4, i);
            }
        }
        break;
    }
    case NVME_ID_CNS_NS_DESC_LIST: {
        if (!valid_nsid || !ns_[nsid - 1].storage) {
            log_.guest_error("mnvme: Namespace Identification Descriptors for nsid 0x%x, "
                             "not an active namespace",
                             nsid);
            return {invalid(NVME_SC_INVALID_NS)};
        }
        data[0] = NVME_NIDT_UUID;
        data[1] = NVME_NIDT_UUID_LEN;
        const std::array<std::uint8_t, 16> uuid = namespace_uuid(nsid);
        std::memcpy(data.data() + 4, uuid.data(), uuid.size());
        break;
    }
    default:
        log_.guest_error("mnvme: Identify CNS 0x%02x is not supported", cns);
        return {invalid(NVME_SC_INVALID_FIELD)};
    }
    return {to_guest(c, data)};
}

Controller::Outcome Controller::set_features(const Command &c)
{
    const std::uint8_t fid = c.cdw(10) & 0xff;
    const std::uint32_t v = c.cdw(11);
    if (c.cdw(10) & NVME_FEAT_SAVE) {
        log_.guest_error("mnvme: Set Features 0x%02x asks to save; nothing is saveable", fid);
        return {invalid(NVME_SC_FEATURE_NOT_SAVEABLE)};
    }
    NvmeFeatures &f = s_.feat;
    switch (fid) {
    case NVME_FEAT_ARBITRATION:
        f.arbitration = v & 0xffffff07; // AB, LPW, MPW, HPW
        return {};
    case NVME_FEAT_POWER_MGMT:
        if ((v & 0x1f) != 0) { // NPSS = 0: power state 0 only
            log_.guest_error("mnvme: power state %u does not exist", v & 0x1f);
            return {invalid(NVME_SC_INVALID_FIELD)};
        }
        f.power_mgmt = v & 0xff;
        return {};
    case NVME_FEAT_TEMP_THRESH:
        // One sensor (composite), over-temperature threshold only.
        if ((v >> 16) & 0x3f) {
            return {invalid(NVME_SC_INVALID_FIELD)};
        }
        f.temp_thresh = v & 0xffff;
        return {};
    case NVME_FEAT_ERR_RECOVERY:
        f.err_recovery = v & 0xffff;
        return {};
    case NVME_FEAT_VOLATILE_WC:
        f.volatile_wc = v & 1;
        return {};
    case NVME_FEAT_NUM_QUEUES: {
        const std::uint32_t nsqr = v & 0xffff, ncqr = v >> 16;
        if (nsqr == 0xffff || ncqr == 0xffff) {
            return {invalid(NVME_SC_INVALID_FIELD)};
        }
        for (unsigned q = 1; q < kQueueIds; q++) {
            if (s_.sq[q].valid || s_.cq[q].valid) {
                log_.guest_error("mnvme: Number of Queues set after I/O queues were created");
                return {invalid(NVME_SC_CMD_SEQ_ERROR)};
            }
        }
        f.nsqa = static_cast<std::uint16_t>(std::min<std::uint32_t>(nsqr + 1, kMaxIoQueues));
        f.ncqa = static_cast<std::uint16_t>(std::min<std::uint32_t>(ncqr + 1, kMaxIoQueues));
        return {NVME_SC_SUCCESS, std::uint32_t(f.ncqa - 1) << 16 | std::uint32_t(f.nsqa - 1)};
    }
    case NVME_FEAT_IRQ_COALESCE:
        // Accepted and reported back; completions are signalled at once
        // (coalescing is a hint the controller may ignore, 5.21.1.8).
        f.irq_coalesce = v & 0xffff;
        return {};
    case NVME_FEAT_IRQ_CONFIG: {
        const std::uint32_t iv = v & 0xffff;
        if (iv >= kQueueIds) {
            return {invalid(NVME_SC_INVALID_FIELD)};
        }
        f.irq_config_cd = (v & (1u << 16)) ? f.irq_config_cd | (1u << iv)
                                          : f.irq_config_cd & ~(1u << iv);
        return {};
    }
    case NVME_FEAT_WRITE_ATOMIC:
        f.write_atomic = v & 1;
        return {};
    case NVME_FEAT_ASYNC_EVENT:
        f.async_event_cfg = v;
        return {};
    default:
        log_.guest_error("mnvme: Set Features for feature 0x%02x, which is not supported", fid);
        return {invalid(NVME_SC_INVALID_FIELD)};
    }
}

Controller::Outcome Controller::get_features(const Command &c)
{
    const std::uint8_t fid = c.cdw(10) & 0xff;
    const unsigned sel = (c.cdw(10) >> NVME_FEAT_SEL_SHIFT) & 7;
    NvmeFeatures defaults{};
    defaults.volatile_wc = true;
    defaults.temp_thresh = 0x0157;
    // Current (0), default (1) and saved (2: nothing is saveable, so the
    // defaults); 3 reports capabilities: changeable, not saveable.
    const NvmeFeatures &f = sel == 0 ? s_.feat : defaults;
    std::uint32_t v;
    switch (fid) {
    case NVME_FEAT_ARBITRATION: v = f.arbitration; break;
    case NVME_FEAT_POWER_MGMT: v = f.power_mgmt; break;
    case NVME_FEAT_TEMP_THRESH:
        if ((c.cdw(11) >> 16) & 0x3f) {
            return {invalid(NVME_SC_INVALID_FIELD)};
        }
        v = f.temp_thresh;
        break;
    case NVME_FEAT_ERR_RECOVERY: v = f.err_recovery; break;
    case NVME_FEAT_VOLATILE_WC: v = f.volatile_wc ? 1 : 0; break;
    case NVME_FEAT_NUM_QUEUES: {
        const std::uint32_t nsq = f.nsqa ? f.nsqa : kMaxIoQueues;
        const std::uint32_t ncq = f.ncqa ? f.ncqa : kMaxIoQueues;
        v = (ncq - 1) << 16 | (nsq - 1);
        break;
    }
    case NVME_FEAT_IRQ_COALESCE: v = f.irq_coalesce; break;
    case NVME_FEAT_IRQ_CONFIG: {
        const std::uint32_t iv = c.cdw(11) & 0xffff;
        if (iv >= kQueueIds) {
            return {invalid(NVME_SC_INVALID_FIELD)};
        }
        v = iv | ((f.irq_config_cd >> iv) & 1) << 16;
        break;
    }
    case NVME_FEAT_WRITE_ATOMIC: v = f.write_atomic; break;
    case NVME_FEAT_ASYNC_EVENT: v = f.async_event_cfg; break;
    default:
        log_.guest_error("mnvme: Get Features for feature 0x%02x, which is not supported", fid);
        return {invalid(NVME_SC_INVALID_FIELD)};
    }
    if (sel == 3) {
        v = 1u << 2; // changeable
    } else if (sel > 3) {
        return {invalid(NVME_SC_INVALID_FIELD)};
    }
    return {NVME_SC_SUCCESS, v};
}

Controller::Outcome Controller::get_log_page(const Command &c)
{
    const std::uint8_t lid = c.cdw(10) & 0xff;
    const bool rae = (c.cdw(10) >> NVME_LOG_RAE_BIT) & 1;
    const std::uint64_t dwords = ((c.cdw(10) >> 16) | (std::uint64_t(c.cdw(11) & 0xffff) << 16)) + 1;
    const std::uint64_t offset = c.cdw(12) | std::uint64_t(c.cdw(13)) << 32;
    const std::uint64_t length = dwords * 4;
    std::array<std::uint8_t, 512> page{};
    std::size_t size;
    switch (lid) {
    case NVME_LOG_ERROR: // one 64-byte entry: the latest error
        size = 64;
        put(page, 0, 8, s_.error_count);
        put(page, 8, 2, s_.error_sqid);
        put(page, 10, 2, s_.error_cid);
        put(page, 12, 2, std::uint32_t(s_.error_status) << 1);
        put(page, 14, 2, 0xffff); // parameter error location: not given
        break;
    case NVME_LOG_SMART:
        size = 512;
        put(page, 1, 2, 0x0137); // composite temperature: 311 K
        page[3] = 100;           // available spare
        page[4] = 10;            // spare threshold
        break;
    case NVME_LOG_FW_SLOT:
        size = 512;
        page[0] = 1; // slot 1 active
        put_ascii(std::span(page).subspan(8, 8), id_.firmware);
        break;
    default:
        log_.guest_error("mnvme: Get Log Page for log 0x%02x, which is not supported", lid);
        return {invalid(NVME_SC_INVALID_LOG_PAGE)};
    }
    if ((offset & 3) || offset >= size || length > max_transfer()) {
        log_.guest_error("mnvme: Get Log Page 0x%02x: offset %llu or length %llu does not fit",
                         lid, static_cast<unsigned long long>(offset),
                         static_cast<unsigned long long>(length));
        return {invalid(NVME_SC_INVALID_FIELD)};
    }
    // Bytes past the log's end read as zeroes (5.14: "undefined").
    std::vector<std::uint8_t> data(static_cast<std::size_t>(length), 0);
    std::memcpy(data.data(), page.data() + offset,
                std::min<std::size_t>(size - static_cast<std::size_t>(offset), data.size()));
    const std::uint16_t status = to_guest(c, data);
    if (status == NVME_SC_SUCCESS && !rae && lid == NVME_LOG_ERROR) {
        // Reading the log page of an event type unmasks that type (5.2).
        s_.masked_event_types &= static_cast<std::uint8_t>(~(1u << NVME_AER_ERROR));
        deliver_events();
    }
    return {status};
}

Controller::Outcome Controller::async_event(const Command &c)
{
    if (s_.aer_count >= kAerLimit) {
        log_.guest_error("mnvme: more than %u Asynchronous Event Requests outstanding",
                         kAerLimit);
        return {invalid(NVME_SC_ASYNC_LIMIT)};
    }
    s_.aer_cid[s_.aer_count++] = c.cid();
    deliver_events();
    return {.deferred = true};
}

void Controller::raise_event(std::uint8_t type, std::uint8_t info, std::uint8_t log_page)
{
    const std::uint32_t dw0 = type | std::uint32_t(info) << 8 | std::uint32_t(log_page) << 16;
    for (unsigned i = 0; i < s_.event_count; i++) {
        if (s_.events[i] == dw0) {
            deliver_events();
            return; // already waiting to be reported
        }
    }
    if (s_.event_count < kEventQueue) {
        s_.events[s_.event_count++] = dw0;
    }
    deliver_events();
}

void Controller::deliver_events()
{
    while (s_.aer_count > 0 && enabled()) {
        unsigned i = 0;
        while (i < s_.event_count && (s_.masked_event_types & (1u << (s_.events[i] & 7)))) {
            i++;
        }
        if (i == s_.event_count || cq_full(s_.cq[0])) {
            return;
        }
        const std::uint32_t dw0 = s_.events[i];
        std::copy(s_.events + i + 1, s_.events + s_.event_count, s_.events + i);
        s_.event_count--;
        s_.masked_event_types |= static_cast<std::uint8_t>(1u << (dw0 & 7));
        const std::uint16_t cid = s_.aer_cid[0];
        std::copy(s_.aer_cid + 1, s_.aer_cid + s_.aer_count, s_.aer_cid);
        s_.aer_count--;
        post(0, cid, NVME_SC_SUCCESS, dw0);
    }
}

} // namespace mdev::samples::nvme

namespace mdev::samples::nvme {

// Doorbell Buffer Config (nvme_dbbuf.hpp): PRP1 the shadow doorbell buffer,
// PRP2 the EventIdx buffer, each a page. Given again, the new pages replace
// the old. The queues that exist take their current values into both.
Controller::Outcome Controller::doorbell_buffer_config(const Command &c)
{
    const std::uint64_t dbs = c.prp1();
    const std::uint64_t eis = c.prp2();
    if ((dbs | eis) & (kPageSize - 1)) {
        log_.guest_error("mnvme: Doorbell Buffer Config: buffers at 0x%llx and 0x%llx, not "
                         "both page aligned",
                         static_cast<unsigned long long>(dbs),
                         static_cast<unsigned long long>(eis));
        return {invalid(NVME_SC_INVALID_FIELD)};
    }
    if (dbs == eis) {
        log_.guest_error("mnvme: Doorbell Buffer Config: the shadow doorbell and EventIdx "
                         "buffers are the same page 0x%llx",
                         static_cast<unsigned long long>(dbs));
        return {invalid(NVME_SC_INVALID_FIELD)};
    }
    std::array<std::uint8_t, dbbuf::kUsedBytes> probe{};
    for (const std::uint64_t at : {dbs, eis}) {
        if (!dma_.read(at, probe)) {
            log_.guest_error("mnvme: Doorbell Buffer Config: buffer at 0x%llx cannot be "
                             "reached by DMA (not RAM, or bus mastering off)",
                             static_cast<unsigned long long>(at));
            return {invalid(NVME_SC_INVALID_FIELD)};
        }
    }
    s_.dbbuf_dbs = dbs;
    s_.dbbuf_eis = eis;
    s_.dbbuf_on = true;
    shadow_forget();
    for (std::uint16_t q = 0; q < kQueueIds && s_.dbbuf_on; q++) {
        const NvmeSq &sq = s_.sq[q];
        if (sq.valid && shadow_write(dbs, dbbuf::sq_slot(q), sq.tail) &&
            shadow_write(eis, dbbuf::sq_slot(q), sq.tail)) {
            sq_event_[q] = sq.tail;
        }
        const NvmeCq &cq = s_.cq[q];
        if (cq.valid && s_.dbbuf_on && shadow_write(dbs, dbbuf::cq_slot(q), cq.head) &&
            shadow_write(eis, dbbuf::cq_slot(q), cq.head)) {
            cq_event_[q] = cq.head;
        }
    }
    if (!s_.dbbuf_on) {
        return {invalid(NVME_SC_DATA_XFER_ERROR)}; // shadow_off logged it
    }
    return {};
}

} // namespace mdev::samples::nvme
