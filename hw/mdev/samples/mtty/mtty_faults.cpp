// SPDX-License-Identifier: GPL-2.0-or-later
#include "samples/mtty/mtty_faults.hpp"

#include "samples/mtty/mtty_state.hpp"

#include <array>
#include <cstdio>
#include <linux/serial_reg.h>

namespace mdev::samples {

namespace {

static_assert(MTTY_MAX_PORTS_PER_DEVICE == 2, "declarations for cards of one and two ports");

// The declarations of a card with `Ports` ports: the same faults, their
// `port` parameter's range fitted to the card, so that a port it does not
// have is refused by name.
template <unsigned Ports>
struct Decls {
    static constexpr std::array<FaultParam, 1> kRxParams{{
        {"port", FaultParamType::integer,
         "only characters received by this port (0 is the first); any port if not given", {},
         0, Ports - 1},
    }};
    static constexpr std::array<FaultParam, 6> kModemParams{{
        {"port", FaultParamType::integer, "the port whose lines change (default 0)", {}, 0,
         Ports - 1},
        {"cts", FaultParamType::boolean, "Clear To Send: raised (true) or dropped (false)"},
        {"dsr", FaultParamType::boolean, "Data Set Ready: raised or dropped"},
        {"dcd", FaultParamType::boolean, "Data Carrier Detect: raised or dropped"},
        {"ri", FaultParamType::boolean,
         "Ring Indicator: raised or dropped (the drop latches TERI)"},
        {"release", FaultParamType::boolean,
         "first give every line back to the loopback plug (RTS->CTS, DTR->DSR and DCD, RI "
         "low), then apply the lines given"},
    }};

    static constexpr FaultDecl kParity{
        "parity-error",
        "the next character received arrives with a parity error (LSR.PE, bit 7, the "
        "receiver line status interrupt); only characters received while LCR enables parity "
        "count",
        kRxParams};
    static constexpr FaultDecl kFraming{
        "framing-error",
        "the next character received arrives with a framing error (LSR.FE, bit 7, the "
        "receiver line status interrupt)",
        kRxParams};
    static constexpr FaultDecl kOverrun{
        "overrun",
        "the next character received is lost as if the receiver were full (LSR.OE and the "
        "receiver line status interrupt)",
        kRxParams};
    static constexpr FaultDecl kBreak{
        "break",
        "the next character received is a break instead: a 0 character with LSR.BI and FE, "
        "bit 7, the receiver line status interrupt",
        kRxParams};
    static constexpr FaultDecl kModemLines{
        "modem-lines",
        "at once: the far end drives the port's modem lines given (cts, dsr, dcd, ri) to the "
        "levels given, latching MSR's delta bits and the modem status interrupt; they stay "
        "so until changed again, released or the port is reset",
        kModemParams};
};

template <unsigned Ports>
void declare(FaultSet &set, FaultSet::Id &parity, FaultSet::Id &framing, FaultSet::Id &overrun,
             FaultSet::Id &brk, FaultSet::Id &modem)
{
    parity = set.declare(Decls<Ports>::kParity);
    framing = set.declare(Decls<Ports>::kFraming);
    overrun = set.declare(Decls<Ports>::kOverrun);
    brk = set.declare(Decls<Ports>::kBreak);
    modem = set.declare(Decls<Ports>::kModemLines);
}

} // namespace

void MttyFaults::attach(FaultSet &set, unsigned ports, FaultAction modem_lines)
{
    detach();
    set_ = &set;
    if (ports == 1) {
        declare<1>(set, parity_, framing_, overrun_, break_, modem_lines_);
    } else {
        declare<2>(set, parity_, framing_, overrun_, break_, modem_lines_);
    }
    set.set_action(modem_lines_, std::move(modem_lines));
}

void MttyFaults::detach()
{
    if (set_) {
        set_->set_action(modem_lines_, nullptr);
        set_ = nullptr;
    }
}

RxFault MttyFaults::on_receive(unsigned port, std::uint8_t byte, bool parity)
{
    RxFault out{.lost = false, .byte = byte, .errors = 0};
    char event[48] = "";
    // Whether fault `id`, armed for this port (or any port), fires on this
    // character; the event's text is made once, when one matches.
    auto fires = [&](FaultSet::Id id) {
        const FaultArgs *a = set_->armed(id);
        if (!a || !a->matches_int(kPort, port)) {
            return false;
        }
        if (!event[0]) {
            std::snprintf(event, sizeof(event), "port %u character 0x%02x", port, byte);
        }
        return set_->fire(id, event);
    };

    if (fires(overrun_)) {
        out.lost = true;
        return out;
    }
    if (fires(break_)) {
        // The line held at space for a character time and more: the
        // receiver loads one all-zero character, its stop bit missing.
        out.byte = 0;
        out.errors = UART_LSR_BI | UART_LSR_FE;
        return out;
    }
    if (fires(framing_)) {
        out.errors |= UART_LSR_FE;
    }
    if (parity && fires(parity_)) {
        out.errors |= UART_LSR_PE;
    }
    return out;
}

} // namespace mdev::samples
