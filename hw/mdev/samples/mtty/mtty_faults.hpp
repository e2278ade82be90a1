// SPDX-License-Identifier: GPL-2.0-or-later
// mtty's own faults (docs/fault-injection.md), declared beside the hook
// that checks them (Uart16550's receiver, mtty_uart.cpp):
//   parity-error, framing-error  the next received character(s) arrive with
//                                PE (only while LCR enables parity) or FE;
//   break                        the next received character is a break: a
//                                0 character with BI (and FE);
//   overrun                      the next received character is lost, OE;
//   modem-lines                  at once: the far end drives CTS, DSR, DCD,
//                                RI to the levels given (delta bits, modem
//                                status interrupt).
// Offered with class=vfio only: the virtio face (virtio-console) has no
// line status and no modem lines to report them in.
#pragma once

#include "hw/mdev/fault.hpp"

#include <cstddef>
#include <cstdint>

namespace mdev::samples {

// What the line did to a character on its way into a receiver.
struct RxFault {
    bool lost = false;        // overrun: it never reaches the receiver
    std::uint8_t byte = 0;    // what arrives (0 for a break)
    std::uint8_t errors = 0;  // UART_LSR_PE | UART_LSR_FE | UART_LSR_BI
};

class MttyFaults {
public:
    // Parameter indexes: of the receiver faults (port) and of modem-lines.
    static constexpr std::size_t kPort = 0;
    static constexpr std::size_t kCts = 1, kDsr = 2, kDcd = 3, kRi = 4, kRelease = 5;

    MttyFaults() = default;
    MttyFaults(const MttyFaults &) = delete;
    MttyFaults &operator=(const MttyFaults &) = delete;
    // modem-lines' action calls the device that owns this.
    ~MttyFaults() { detach(); }

    // Declares the faults of a card with `ports` ports (1 or 2: the range
    // of their `port` parameter) in `set`; modem-lines runs `modem_lines`.
    void attach(FaultSet &set, unsigned ports, FaultAction modem_lines);
    // Removes modem-lines' action (it is refused until attach() again); the
    // receiver faults stay declared and fire only on guest writes.
    void detach();

    // The hook's first question: one load and a test while nothing is armed.
    bool armed() const { return set_ && set_->any_armed(); }
    // A character `byte` arriving at port `port`'s receiver, which has room
    // for it; `parity` says whether LCR enables parity (a character received
    // without parity cannot have a parity error, so parity-error does not
    // see it). Overrun is asked first (a lost character is nothing else),
    // then break (a break is no data character), then framing-error and
    // parity-error, which may both mark the same character.
    RxFault on_receive(unsigned port, std::uint8_t byte, bool parity);

private:
    FaultSet *set_ = nullptr;
    FaultSet::Id parity_ = 0, framing_ = 0, overrun_ = 0, break_ = 0, modem_lines_ = 0;
};

} // namespace mdev::samples
