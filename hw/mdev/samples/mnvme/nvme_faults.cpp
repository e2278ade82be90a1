// SPDX-License-Identifier: GPL-2.0-or-later
#include "samples/mnvme/nvme_faults.hpp"
#include "samples/mnvme/nvme_controller.hpp"

#include <array>
#include <cinttypes>
#include <cstdio>

namespace mdev::samples::nvme {

namespace {

constexpr std::array<const char *, 3> kOpcodes{"read", "write", "any"};
constexpr std::array<FaultParam, 5> kMediaParams{{
    {"lba", FaultParamType::integer, "first LBA of the failing range (default: any LBA)"},
    {"nlb", FaultParamType::integer, "number of LBAs in the range (default 1)", {}, 1,
     INT64_MAX},
    {"opcode", FaultParamType::string, "which commands fail: read, write or any (default)",
     kOpcodes},
    {"status", FaultParamType::integer,
     "the completion status, SCT << 8 | SC (default 0x281, Unrecovered Read Error)", {}, 1,
     0x7ff},
    {"dnr", FaultParamType::boolean,
     "set Do Not Retry, so the host fails the I/O at once (default true)"},
}};
constexpr std::array<FaultParam, 1> kDropParams{{
    {"sq", FaultParamType::integer,
     "only commands of this submission queue (0: admin); default any I/O queue", {}, 0,
     kQueueIds - 1},
}};

const FaultDecl kMediaError{
    "media-error",
    "a Read or Write touching the LBA range completes with a media error status "
    "(default Unrecovered Read Error) and transfers nothing",
    kMediaParams};
const FaultDecl kDropCompletion{
    "drop-completion",
    "the next command runs but its completion entry is never posted (no CQ entry, no "
    "interrupt): the host's timeout handling must recover",
    kDropParams};
const FaultDecl kControllerFatal{
    "controller-fatal",
    "the controller sets CSTS.CFS now and processes no command until the host resets it "
    "(CC.EN 1 -> 0)"};

} // namespace

void NvmeFaults::attach(FaultSet &set, FaultAction fatal)
{
    detach();
    set_ = &set;
    media_error_ = set.declare(kMediaError);
    drop_completion_ = set.declare(kDropCompletion);
    controller_fatal_ = set.declare(kControllerFatal);
    set.set_action(controller_fatal_, std::move(fatal));
}

void NvmeFaults::detach()
{
    if (set_) {
        set_->set_action(controller_fatal_, nullptr);
        set_ = nullptr;
    }
}

std::uint16_t NvmeFaults::media_error(bool write, std::uint64_t slba, std::uint32_t nlb)
{
    const FaultArgs *a = set_->armed(media_error_);
    if (!a) {
        return 0;
    }
    const std::string_view op = a->get_str(kOpcode, "any");
    if (op != "any" && op != (write ? "write" : "read")) {
        return 0;
    }
    if (a->has(kLba)) {
        const std::uint64_t lba = std::uint64_t(a->get_int(kLba, 0));
        const std::uint64_t count = std::uint64_t(a->get_int(kNlb, 1));
        // Overlap of [slba, slba + nlb) and [lba, lba + count).
        if (slba >= lba + count || lba >= slba + nlb) {
            return 0;
        }
    }
    // The arguments are read before fire(), which may disarm the fault.
    std::uint16_t status = std::uint16_t(a->get_int(kStatus, NVME_SC_READ_ERROR));
    if (a->get_bool(kDnr, true)) {
        status |= NVME_SC_DNR;
    }
    char event[80];
    std::snprintf(event, sizeof(event), "%s of LBAs %" PRIu64 "+%u", write ? "Write" : "Read",
                  slba, nlb);
    return set_->fire(media_error_, event) ? status : 0;
}

bool NvmeFaults::drop_completion(std::uint16_t sqid, std::uint16_t cid, std::uint8_t opcode)
{
    const FaultArgs *a = set_->armed(drop_completion_);
    if (!a) {
        return false;
    }
    if (a->has(kSq) ? a->get_int(kSq, 0) != sqid : sqid == 0) {
        return false;
    }
    char event[80];
    std::snprintf(event, sizeof(event), "SQ %u command %u (opcode 0x%02x)", sqid, cid, opcode);
    return set_->fire(drop_completion_, event);
}

void Controller::attach_faults(FaultSet &set)
{
    faults_.attach(set, [this](const FaultArgs &) {
        if (s_.csts & NVME_CSTS_RDY) {
            fatal("controller-fatal injected");
        } else {
            // Not enabled: CFS would stop the next enable, as a real
            // controller's fatal state does.
            s_.csts |= NVME_CSTS_CFS;
        }
    });
}

} // namespace mdev::samples::nvme
