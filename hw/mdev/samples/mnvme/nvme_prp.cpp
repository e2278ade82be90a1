// SPDX-License-Identifier: GPL-2.0-or-later
#include "samples/mnvme/nvme_prp.hpp"

#include "hw/mdev/le_bytes.hpp"
#include "samples/mnvme/nvme_spec.hpp"

#include <algorithm>

namespace mdev::samples::nvme {

void PrpWalker::add(std::vector<Segment> &out, std::uint64_t addr, std::uint32_t len)
{
    if (!out.empty() && out.back().addr + out.back().len == addr &&
        out.back().len <= UINT32_MAX - len) {
        out.back().len += len;
        return;
    }
    out.push_back({addr, len});
}

std::uint16_t PrpWalker::map(std::uint64_t prp1, std::uint64_t prp2, std::uint64_t length,
                             std::vector<Segment> &out, const char **why)
{
    out.clear();
    *why = "";
    if (length == 0) {
        return NVME_SC_SUCCESS;
    }
    const std::uint64_t mask = page_ - 1;
    if (prp1 & 3) {
        *why = "PRP1 is not dword aligned";
        return NVME_SC_PRP_INVALID_OFFSET;
    }
    const std::uint64_t first = std::min<std::uint64_t>(length, page_ - (prp1 & mask));
    add(out, prp1, static_cast<std::uint32_t>(first));
    std::uint64_t rem = length - first;
    if (rem == 0) {
        return NVME_SC_SUCCESS;
    }
    if (rem <= page_) {
        if (prp2 & mask) {
            *why = "PRP2 (second data page) has a non-zero offset";
            return NVME_SC_PRP_INVALID_OFFSET;
        }
        add(out, prp2, static_cast<std::uint32_t>(rem));
        return NVME_SC_SUCCESS;
    }
    // PRP2 points at a list of 8-byte entries: its offset may be non-zero
    // but must leave room for whole entries (qword aligned; a dword-aligned
    // one at 0xffc would hold none).
    if (prp2 & 7) {
        *why = "PRP2 (PRP list pointer) is not qword aligned";
        return NVME_SC_PRP_INVALID_OFFSET;
    }
    std::uint64_t list = prp2;
    std::uint64_t needed = (rem + page_ - 1) / page_;
    entries_.resize(page_ / 8);
    while (needed > 0) {
        const std::uint64_t in_page = (page_ - (list & mask)) / 8;
        const bool chained = needed > in_page;
        const std::uint64_t count = chained ? in_page : needed;
        std::span<std::uint8_t> raw(reinterpret_cast<std::uint8_t *>(entries_.data()),
                                    static_cast<std::size_t>(count * 8));
        if (!dma_.read(list, raw)) {
            *why = "a PRP list lies outside guest RAM";
            return NVME_SC_DATA_XFER_ERROR;
        }
        const std::uint64_t data_entries = chained ? count - 1 : count;
        for (std::uint64_t i = 0; i < data_entries; i++) {
            const std::uint64_t e = load_le(raw.subspan(i * 8, 8));
            if (e & mask) {
                *why = "a PRP list entry has a non-zero offset";
                return NVME_SC_PRP_INVALID_OFFSET;
            }
            const std::uint64_t len = std::min<std::uint64_t>(rem, page_);
            add(out, e, static_cast<std::uint32_t>(len));
            rem -= len;
        }
        needed -= data_entries;
        if (chained) {
            const std::uint64_t next = load_le(raw.subspan((count - 1) * 8, 8));
            if (next & mask) {
                *why = "a chained PRP list pointer is not page aligned";
                return NVME_SC_PRP_INVALID_OFFSET;
            }
            list = next;
        }
    }
    return NVME_SC_SUCCESS;
}

} // namespace mdev::samples::nvme
