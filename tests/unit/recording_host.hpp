// SPDX-License-Identifier: GPL-2.0-or-later
// A Host for unit tests: records every guest error, INTx level and MSI
// vector a frontend or device reports, in order.
#pragma once

#include "hw/mdev/host.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mdev::test {

class RecordingHost : public Host {
public:
    void guest_error(std::string_view message) override { errors.emplace_back(message); }
    void set_intx(bool asserted) override { intx.push_back(asserted); }
    void notify_msi(std::uint32_t vector) override { msi.push_back(vector); }
    void block_migration(std::string_view reason) override { blocks.emplace_back(reason); }
    void unblock_migration() override { unblocks++; }

    std::vector<std::string> errors;
    std::vector<std::string> blocks; // each block_migration's reason
    unsigned unblocks = 0;
    std::vector<bool> intx;
    std::vector<std::uint32_t> msi;
};

} // namespace mdev::test
