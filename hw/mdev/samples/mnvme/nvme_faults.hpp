// SPDX-License-Identifier: GPL-2.0-or-later
// mnvme's own faults (docs/fault-injection.md), declared beside the hooks
// that check them: media-error (a Read or Write of an LBA range completes
// with a media status, nothing transferred), drop-completion (a command runs
// but its completion entry is never posted), controller-fatal (CSTS.CFS
// now, until the next controller reset).
#pragma once

#include "hw/mdev/fault.hpp"

#include <cstdint>

namespace mdev::samples::nvme {

class NvmeFaults {
public:
    // Parameter indexes of media-error.
    static constexpr std::size_t kLba = 0, kNlb = 1, kOpcode = 2, kStatus = 3, kDnr = 4;
    // Of drop-completion.
    static constexpr std::size_t kSq = 0;

    NvmeFaults() = default;
    NvmeFaults(const NvmeFaults &) = delete;
    NvmeFaults &operator=(const NvmeFaults &) = delete;
    // controller-fatal's action calls the controller that owns this.
    ~NvmeFaults() { detach(); }

    // Declares the faults in `set`; controller-fatal runs `fatal`.
    void attach(FaultSet &set, FaultAction fatal);
    void detach();

    // The hooks' first question: one load and a test while nothing is armed.
    bool armed() const { return set_ && set_->any_armed(); }
    // The status a Read (or Write) of LBAs [slba, slba + nlb) completes with
    // instead of running, or 0.
    std::uint16_t media_error(bool write, std::uint64_t slba, std::uint32_t nlb);
    // Whether the completion of command `cid` on SQ `sqid` is dropped.
    bool drop_completion(std::uint16_t sqid, std::uint16_t cid, std::uint8_t opcode);

private:
    FaultSet *set_ = nullptr;
    FaultSet::Id media_error_ = 0, drop_completion_ = 0, controller_fatal_ = 0;
};

} // namespace mdev::samples::nvme
