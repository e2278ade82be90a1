// SPDX-License-Identifier: GPL-2.0-or-later
// NVM command set (NVMe 1.4 chapter 6): Read, Write, Write Zeroes, Flush,
// and moving data between a command's PRPs and a buffer or a namespace.
#include "samples/mnvme/nvme_controller.hpp"

#include <algorithm>
#include <cinttypes>

namespace mdev::samples::nvme {

namespace {

constexpr std::uint16_t invalid(std::uint16_t sc)
{
    return sc | NVME_SC_DNR;
}

constexpr std::uint32_t kFua = 1u << 30; // CDW12 bit 30, Read/Write/Write Zeroes

} // namespace

std::uint16_t Controller::map(const Command &c, std::uint64_t length)
{
    const char *why = "";
    const std::uint16_t status = prp_.map(c.prp1(), c.prp2(), length, segs_, &why);
    if (status != NVME_SC_SUCCESS) {
        log_.guest_error("mnvme: SQ %u command %u (opcode 0x%02x): %s", current_sqid_, c.cid(),
                         c.opcode(), why);
        return invalid(status);
    }
    return NVME_SC_SUCCESS;
}

std::uint16_t Controller::to_guest(const Command &c, std::span<const std::uint8_t> data)
{
    if (std::uint16_t status = map(c, data.size())) {
        return status;
    }
    std::size_t done = 0;
    for (const Segment &s : segs_) {
        if (!dma_.write(s.addr, data.subspan(done, s.len))) {
            log_.guest_error("mnvme: SQ %u command %u: data buffer at 0x%" PRIx64
                             " (%u bytes) is not in guest RAM",
                             current_sqid_, c.cid(), s.addr, s.len);
            return invalid(NVME_SC_DATA_XFER_ERROR);
        }
        done += s.len;
    }
    return NVME_SC_SUCCESS;
}

std::uint16_t Controller::from_guest(const Command &c, std::span<std::uint8_t> data)
{
    if (std::uint16_t status = map(c, data.size())) {
        return status;
    }
    std::size_t done = 0;
    for (const Segment &s : segs_) {
        if (!dma_.read(s.addr, data.subspan(done, s.len))) {
            log_.guest_error("mnvme: SQ %u command %u: data buffer at 0x%" PRIx64
                             " (%u bytes) is not in guest RAM",
                             current_sqid_, c.cid(), s.addr, s.len);
            return invalid(NVME_SC_DATA_XFER_ERROR);
        }
        done += s.len;
    }
    return NVME_SC_SUCCESS;
}

Controller::Outcome Controller::io(const Command &c)
{
    if (c.flags() != 0) {
        log_.guest_error("mnvme: SQ %u command %u asks for fused operation or SGLs (flags "
                         "0x%02x), which this controller does not offer",
                         current_sqid_, c.cid(), c.flags());
        return {invalid(NVME_SC_INVALID_FIELD)};
    }
    if (c.opcode() == nvme_cmd_flush) {
        return flush(c);
    }
    const std::uint32_t nsid = c.nsid();
    if (nsid == 0 || nsid > kMaxNamespaces || !ns_[nsid - 1].storage) {
        log_.guest_error("mnvme: SQ %u command %u (opcode 0x%02x) for nsid 0x%x, not an "
                         "active namespace",
                         current_sqid_, c.cid(), c.opcode(), nsid);
        return {invalid(NVME_SC_INVALID_NS)};
    }
    Namespace &ns = ns_[nsid - 1];
    switch (c.opcode()) {
    case nvme_cmd_write:
        return read_write(c, ns, true);
    case nvme_cmd_read:
        return read_write(c, ns, false);
    case nvme_cmd_write_zeroes:
        return write_zeroes(c, ns);
    default:
        log_.guest_error("mnvme: I/O opcode 0x%02x is not supported", c.opcode());
        return {invalid(NVME_SC_INVALID_OPCODE)};
    }
}

namespace {

// The LBA range of a Read, Write or Write Zeroes: SLBA in CDW10-11, NLB
// (0's based) in CDW12 15:0. Returns a status; `why` for the log.
std::uint16_t lba_range(std::uint64_t slba, std::uint32_t nlb, std::uint64_t blocks)
{
    if (slba >= blocks || nlb > blocks - slba) {
        return invalid(NVME_SC_LBA_RANGE);
    }
    return NVME_SC_SUCCESS;
}

} // namespace

Controller::Outcome Controller::read_write(const Command &c, Namespace &ns, bool write)
{
    const std::uint64_t slba = c.cdw(10) | std::uint64_t(c.cdw(11)) << 32;
    const std::uint32_t nlb = (c.cdw(12) & 0xffff) + 1;
    const std::uint64_t length = std::uint64_t(nlb) << ns.lba_shift;
    if (std::uint16_t status = lba_range(slba, nlb, ns.blocks())) {
        log_.guest_error("mnvme: %s of LBAs %" PRIu64 "+%u past the namespace's %" PRIu64,
                         write ? "Write" : "Read", slba, nlb, ns.blocks());
        return {status};
    }
    if (length > max_transfer()) {
        log_.guest_error("mnvme: %s of %" PRIu64 " bytes, more than MDTS allows (%u)",
                         write ? "Write" : "Read", length, max_transfer());
        return {invalid(NVME_SC_INVALID_FIELD)};
    }
    if (faults_.armed()) {
        if (std::uint16_t status = faults_.media_error(write, slba, nlb)) {
            return {status};
        }
    }
    if (std::uint16_t status = map(c, length)) {
        return {status};
    }
    const std::uint64_t offset = slba << ns.lba_shift;
    Storage &st = *ns.storage;
    const std::span<std::uint8_t> direct = st.direct();
    std::span<std::uint8_t> buf;
    if (!direct.empty()) {
        buf = direct.subspan(offset, length); // DMA straight to and from the namespace
    } else {
        bounce_.resize(length);
        buf = bounce_;
        if (!write && !st.read(offset, buf)) {
            log_.guest_error("mnvme: reading the backing file at %" PRIu64 " failed", offset);
            return {NVME_SC_READ_ERROR};
        }
    }
    std::size_t done = 0;
    for (const Segment &s : segs_) {
        const bool ok = write ? dma_.read(s.addr, buf.subspan(done, s.len))
                              : dma_.write(s.addr, buf.subspan(done, s.len));
        if (!ok) {
            log_.guest_error("mnvme: SQ %u command %u: data buffer at 0x%" PRIx64
                             " (%u bytes) is not in guest RAM",
                             current_sqid_, c.cid(), s.addr, s.len);
            return {invalid(NVME_SC_DATA_XFER_ERROR)};
        }
        done += s.len;
    }
    if (write) {
        st.written();
    }
    if (write && !st.persistent()) {
        s_.volatile_ns_written |= static_cast<std::uint8_t>(1u << (c.nsid() - 1));
    }
    if (write && direct.empty() && !st.write(offset, buf)) {
        log_.guest_error("mnvme: writing the backing file at %" PRIu64 " failed", offset);
        return {NVME_SC_WRITE_FAULT};
    }
    if (write && ((c.cdw(12) & kFua) || !s_.feat.volatile_wc) && !st.flush()) {
        return {NVME_SC_WRITE_FAULT};
    }
    return {};
}

Controller::Outcome Controller::write_zeroes(const Command &c, Namespace &ns)
{
    const std::uint64_t slba = c.cdw(10) | std::uint64_t(c.cdw(11)) << 32;
    const std::uint32_t nlb = (c.cdw(12) & 0xffff) + 1;
    if (std::uint16_t status = lba_range(slba, nlb, ns.blocks())) {
        log_.guest_error("mnvme: Write Zeroes of LBAs %" PRIu64 "+%u past the namespace's "
                         "%" PRIu64,
                         slba, nlb, ns.blocks());
        return {status};
    }
    Storage &st = *ns.storage;
    st.written();
    if (!st.persistent()) {
        s_.volatile_ns_written |= static_cast<std::uint8_t>(1u << (c.nsid() - 1));
    }
    if (!st.write_zeroes(slba << ns.lba_shift, std::uint64_t(nlb) << ns.lba_shift)) {
        return {NVME_SC_WRITE_FAULT};
    }
    if (((c.cdw(12) & kFua) || !s_.feat.volatile_wc) && !st.flush()) {
        return {NVME_SC_WRITE_FAULT};
    }
    return {};
}

Controller::Outcome Controller::flush(const Command &c)
{
    const std::uint32_t nsid = c.nsid();
    // 6.8: NSID FFFFFFFFh flushes every namespace.
    if (nsid != 0xffffffff && (nsid == 0 || nsid > kMaxNamespaces || !ns_[nsid - 1].storage)) {
        log_.guest_error("mnvme: Flush for nsid 0x%x, not an active namespace", nsid);
        return {invalid(NVME_SC_INVALID_NS)};
    }
    for (std::uint32_t i = 1; i <= kMaxNamespaces; i++) {
        if ((nsid == 0xffffffff || nsid == i) && ns_[i - 1].storage &&
            !ns_[i - 1].storage->flush()) {
            log_.guest_error("mnvme: flushing namespace %u's backing file failed", i);
            return {NVME_SC_WRITE_FAULT};
        }
    }
    return {};
}

} // namespace mdev::samples::nvme
