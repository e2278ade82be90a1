// SPDX-License-Identifier: GPL-2.0-or-later
// Physical Region Page entries (NVMe 1.4, 4.3): turns a command's PRP1/PRP2
// and transfer length into the guest memory segments it names, checking
// what a hostile guest can get wrong. The walk is bounded by the transfer
// length (the caller has already refused one beyond MDTS): a list that
// points back at itself only yields more entries, never more work, and a
// chained list pointer must be page aligned, so every list page yields at
// least one data entry.
#pragma once

#include "samples/mnvme/nvme_ports.hpp"

#include <cstdint>
#include <vector>

namespace mdev::samples::nvme {

struct Segment {
    std::uint64_t addr;
    std::uint32_t len;
};

class PrpWalker {
public:
    PrpWalker(Dma &dma, std::uint32_t page_size) : dma_(dma), page_(page_size) {}

    // Fills `out` (cleared first) with contiguous runs, in transfer order.
    // Returns an NVMe status: NVME_SC_SUCCESS, NVME_SC_PRP_INVALID_OFFSET
    // (a misaligned entry), NVME_SC_DATA_XFER_ERROR (a list outside RAM).
    // `why` names the fault for the guest-error log.
    std::uint16_t map(std::uint64_t prp1, std::uint64_t prp2, std::uint64_t length,
                      std::vector<Segment> &out, const char **why);

private:
    void add(std::vector<Segment> &out, std::uint64_t addr, std::uint32_t len);

    Dma &dma_;
    std::uint32_t page_;
    std::vector<std::uint64_t> entries_; // one list page, reused
};

} // namespace mdev::samples::nvme
