// SPDX-License-Identifier: GPL-2.0-or-later
// What a frontend needs from the machine it runs in: a log for guest errors
// and the interrupt wires. Inside QEMU the QOM glue implements it (through
// the C interface in mdev.h); unit tests implement it with a recorder.
#pragma once

#include "hw/mdev/guest_log.hpp"

#include <cstdint>

namespace mdev {

class Host : public GuestLog {
public:
    // The function's INTx pin (level).
    virtual void set_intx(bool asserted) = 0;
    // One MSI message for `vector`.
    virtual void notify_msi(std::uint32_t vector) = 0;
};

} // namespace mdev
