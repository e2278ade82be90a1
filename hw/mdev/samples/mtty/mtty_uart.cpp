// SPDX-License-Identifier: GPL-2.0-or-later
#include "samples/mtty/mtty_uart.hpp"

#include "samples/mtty/mtty_faults.hpp"
#include "samples/mtty/trace.hpp"

#include <cstddef>

namespace mdev::samples {

using regs::Register;

namespace {

// What the MSR input bits (7:4) read for a given MCR, with the far end
// driving the inputs `driven` to `levels` (the modem-lines fault).
//
// The port's connector carries a loopback plug wired RTS->CTS and
// DTR->DSR+DCD, with RI left open; so even outside LOOP mode the guest sees
// its own modem outputs, except on the lines the far end drives. In LOOP
// mode the 16550's internal loopback takes over (the inputs are
// disconnected, far end included), which also routes OUT1->RI and
// OUT2->DCD (Linux's autoconfig probes exactly this: MCR = LOOP|OUT2|RTS
// must give MSR & 0xf0 == DCD|CTS).
std::uint8_t msr_inputs_for(std::uint8_t mcr_value, std::uint8_t driven, std::uint8_t levels)
{
    const bool dtr = mcr_value & UART_MCR_DTR;
    const bool rts = mcr_value & UART_MCR_RTS;
    std::uint8_t inputs = 0;
    if (rts) {
        inputs |= UART_MSR_CTS;
    }
    if (dtr) {
        inputs |= UART_MSR_DSR;
    }
    if (mcr_value & UART_MCR_LOOP) {
        if (mcr_value & UART_MCR_OUT1) {
            inputs |= UART_MSR_RI;
        }
        if (mcr_value & UART_MCR_OUT2) {
            inputs |= UART_MSR_DCD;
        }
        return inputs;
    }
    if (dtr) {
        inputs |= UART_MSR_DCD;
    }
    return static_cast<std::uint8_t>((inputs & ~driven) | (levels & driven));
}

// The delta bits a change of the MSR inputs from `before` to `after` latches.
// RI only reports its trailing edge (1 -> 0), as on the real part.
std::uint8_t msr_deltas_for(std::uint8_t before, std::uint8_t after)
{
    const std::uint8_t changed = before ^ after;
    std::uint8_t deltas = 0;
    if (changed & UART_MSR_CTS) {
        deltas |= UART_MSR_DCTS;
    }
    if (changed & UART_MSR_DSR) {
        deltas |= UART_MSR_DDSR;
    }
    if (changed & UART_MSR_DCD) {
        deltas |= UART_MSR_DDCD;
    }
    if ((before & UART_MSR_RI) && !(after & UART_MSR_RI)) {
        deltas |= UART_MSR_TERI;
    }
    return deltas;
}

} // namespace

void Uart16550::reset()
{
    // Every stored register's master-reset value is 0 (IIR, LSR and MSR are
    // computed from the rest: 0x01, 0x60, 0x00), so the reset state is the
    // all-zero struct. The FIFO bytes are zeroed too so that two reset ports
    // compare equal byte for byte (and migrate identically).
    state_ = MttyUartState{};
    registers().reset();
}

bool Uart16550::irq_asserted() const
{
    // Not gated by MCR.OUT2: on PC ISA boards OUT2 enables the IRQ line's
    // driver, but PCI serial boards such as this one wire INT straight to
    // INTx, so the interrupt is visible whatever OUT2 says (lead's decision).
    return pending_interrupt_id() != UART_IIR_NO_INT;
}

std::uint8_t Uart16550::peek_iir() const
{
    const std::uint8_t fifo_bits = fifo_enabled() ? kIirFifosEnabled : 0;
    return fifo_bits | pending_interrupt_id();
}

std::uint8_t Uart16550::msr_inputs() const
{
    return msr_inputs_for(state_.mcr, state_.msr_driven, state_.msr_driven_levels);
}

std::uint8_t Uart16550::peek_msr() const
{
    return msr_inputs() | (state_.msr_deltas & UART_MSR_ANY_DELTA);
}

void Uart16550::drive_modem_inputs(std::uint8_t mask, std::uint8_t levels, bool release)
{
    const std::uint8_t before = msr_inputs();
    mask &= kMsrInputMask;
    if (release) {
        state_.msr_driven = 0;
        state_.msr_driven_levels = 0;
    }
    state_.msr_driven |= mask;
    state_.msr_driven_levels =
        static_cast<std::uint8_t>((state_.msr_driven_levels & ~mask) | (levels & mask));
    state_.msr_deltas |= msr_deltas_for(before, msr_inputs());
}

std::uint8_t Uart16550::rx_count() const
{
    return state_.rx_count;
}

bool Uart16550::fifo_enabled() const
{
    return state_.fcr & UART_FCR_ENABLE_FIFO;
}

std::uint8_t Uart16550::rx_trigger_level() const
{
    if (!fifo_enabled()) {
        return 1;
    }
    switch (state_.fcr & UART_FCR_TRIGGER_MASK) {
    case UART_FCR_TRIGGER_4:
        return 4;
    case UART_FCR_TRIGGER_8:
        return 8;
    case UART_FCR_TRIGGER_14:
        return 14;
    default:
        return 1;
    }
}

bool Uart16550::state_is_valid(const MttyUartState &state)
{
    const bool fifo_mode = state.fcr & UART_FCR_ENABLE_FIFO;
    const std::uint8_t capacity = fifo_mode ? kRxFifoSize : 1;
    for (std::uint8_t errors : state.rx_errors) {
        if (errors & ~kLsrCharErrors) {
            return false;
        }
    }
    return state.rx_head < kRxFifoSize && state.rx_count <= capacity &&
           (state.ier & ~kIerWritableMask) == 0 &&
           (state.fcr & ~kFcrStoredMask) == 0 &&
           (state.mcr & ~kMcrWritableMask) == 0 &&
           (state.msr_deltas & ~UART_MSR_ANY_DELTA) == 0 &&
           (state.lsr_errors & ~kLsrCharErrors) == 0 &&
           (state.msr_driven & ~kMsrInputMask) == 0 &&
           (state.msr_driven_levels & ~state.msr_driven) == 0;
}

bool Uart16550::rx_full() const
{
    const std::uint8_t capacity = fifo_enabled() ? kRxFifoSize : 1;
    return state_.rx_count >= capacity;
}

std::uint64_t Uart16550::read_rbr(const Register &)
{
    note_irq_change(!rx_empty());
    // A real part returns whatever RBR last held. We return 0 instead: it
    // is deterministic, needs no extra migrated state, and no driver may rely
    // on the value (LSR.DR was clear). Nothing is popped, so the count never
    // underflows.
    if (rx_empty()) {
        return 0;
    }
    const std::uint8_t byte = state_.rx_fifo[state_.rx_head % kRxFifoSize];
    state_.rx_head = static_cast<std::uint8_t>((state_.rx_head + 1) % kRxFifoSize);
    state_.rx_count--;
    // The next character comes to the top: its errors show in LSR now.
    reveal_top_errors();
    return byte;
}

void Uart16550::reveal_top_errors()
{
    if (!rx_empty()) {
        const std::uint8_t errors = state_.rx_errors[state_.rx_head % kRxFifoSize];
        note_irq_change(errors != 0);
        state_.lsr_errors |= errors;
    }
}

bool Uart16550::errors_behind_top() const
{
    for (std::uint8_t i = 1; i < state_.rx_count; i++) {
        if (state_.rx_errors[(state_.rx_head + i) % kRxFifoSize]) {
            return true;
        }
    }
    return false;
}

std::uint64_t Uart16550::read_iir(const Register &)
{
    note_irq_change(state_.thre_pending);
    const std::uint8_t value = peek_iir();
    // Reading IIR acknowledges a THRE interrupt, but only when IIR names it
    // as the source: a higher-priority one would hide it, and it must stay.
    if ((value & kIirIdMask) == UART_IIR_THRI) {
        state_.thre_pending = false;
    }
    return value;
}

std::uint64_t Uart16550::read_msr(const Register &)
{
    note_irq_change(state_.msr_deltas != 0);
    const std::uint8_t value = peek_msr();
    state_.msr_deltas = 0;
    return value;
}

const char *Uart16550::write_thr(const Register &, std::uint64_t value)
{
    note_irq_change(true);
    // Writing THR acknowledges the THRE interrupt, but the byte leaves at
    // once over the infinitely fast line, so THR is empty again and the
    // latch is set again before the guest can observe the clear. The byte
    // arrives in this port's own receiver (loopback plug or LOOP mode: the
    // data path is the same).
    state_.thre_pending = false;
    const auto byte = static_cast<std::uint8_t>(value);
    // Injected faults see the characters the receiver has room for; one
    // that finds it full is lost to a real overrun anyway.
    if (faults_ && faults_->armed() && !rx_full()) [[unlikely]] {
        const RxFault f = faults_->on_receive(port_, byte, state_.lcr & UART_LCR_PARITY);
        if (f.lost) {
            trace_mdev_mtty_line_fault(who_, "lost", byte, UART_LSR_OE);
            lose();
        } else {
            if (f.errors) {
                trace_mdev_mtty_line_fault(who_, "received", f.byte, f.errors);
            }
            receive(f.byte, f.errors);
        }
    } else {
        receive(byte);
    }
    state_.thre_pending = true;
    return nullptr;
}

// The value comes masked to the four enables (the table's rsvd bits).
const char *Uart16550::write_ier(const Register &, std::uint64_t value)
{
    note_irq_change(true);
    const auto new_ier = static_cast<std::uint8_t>(value);
    const bool thre_newly_enabled =
        !(state_.ier & UART_IER_THRI) && (new_ier & UART_IER_THRI);
    state_.ier = new_ier;
    // The real part raises a THRE interrupt when ETBEI is enabled while THR
    // is empty (Linux's 8250 probes for this), and THR is always empty here.
    if (thre_newly_enabled) {
        state_.thre_pending = true;
    }
    return nullptr;
}

const char *Uart16550::write_fcr(const Register &, std::uint64_t value)
{
    note_irq_change(true);
    const bool enable = value & UART_FCR_ENABLE_FIFO;
    if (enable != fifo_enabled()) {
        // Switching between 16450 and FIFO mode empties both FIFOs.
        clear_rx();
    }
    if (!enable) {
        // FCR bits 7:1 are only programmed together with FIFO enable; with
        // it clear they are ignored, so keep the old (now unused) ones.
        state_.fcr &= static_cast<std::uint8_t>(~UART_FCR_ENABLE_FIFO);
        return nullptr;
    }
    state_.fcr = value & kFcrStoredMask;
    if (value & UART_FCR_CLEAR_RCVR) {
        clear_rx();
    }
    // UART_FCR_CLEAR_XMIT: the TX FIFO is always empty here, nothing to clear.
    return nullptr;
}

// The value comes masked to the five outputs (the table's rsvd bits).
const char *Uart16550::write_mcr(const Register &, std::uint64_t value)
{
    note_irq_change(true);
    const std::uint8_t before = msr_inputs();
    state_.mcr = static_cast<std::uint8_t>(value);
    state_.msr_deltas |= msr_deltas_for(before, msr_inputs());
    return nullptr;
}

void Uart16550::receive(std::uint8_t byte, std::uint8_t errors)
{
    if (!rx_full()) {
        const std::uint8_t tail =
            static_cast<std::uint8_t>((state_.rx_head + state_.rx_count) % kRxFifoSize);
        state_.rx_fifo[tail] = byte;
        state_.rx_errors[tail] = errors;
        state_.rx_count++;
        if (errors && fifo_enabled()) [[unlikely]] {
            state_.fifo_error = true;
        }
        if (state_.rx_count == 1) {
            reveal_top_errors(); // an empty receiver: it is the top at once
        }
        return;
    }
    state_.overrun = true;
    if (!fifo_enabled()) {
        // 16450 mode: the new character overwrites the unread one in RBR,
        // and its errors show with it (the old one's stay until LSR is read).
        state_.rx_fifo[state_.rx_head % kRxFifoSize] = byte;
        state_.rx_errors[state_.rx_head % kRxFifoSize] = errors;
        reveal_top_errors();
    }
    // FIFO mode: the FIFO keeps its contents and the new character is lost.
}

void Uart16550::clear_rx()
{
    // Resetting the receiver FIFO does not touch LSR errors (datasheet), so
    // OE, PE, FE, BI and bit 7 stay as they are until LSR is read.
    state_.rx_head = 0;
    state_.rx_count = 0;
}

std::uint8_t Uart16550::pending_interrupt_id() const
{
    const std::uint8_t enabled = state_.ier;
    if ((enabled & UART_IER_RLSI) && (state_.overrun || state_.lsr_errors != 0)) {
        return UART_IIR_RLSI;
    }
    if ((enabled & UART_IER_RDI) && !rx_empty()) {
        if (state_.rx_count >= rx_trigger_level()) {
            return UART_IIR_RDI;
        }
        // Only reachable in FIFO mode (the 16450 trigger level is 1). The
        // real part signals a character timeout when data has sat below the
        // trigger level for four character times with no FIFO activity. On
        // an infinitely fast line those four character times have always
        // already elapsed when the guest looks, so the timeout is pending
        // whenever the FIFO holds data below the trigger level.
        return UART_IIR_RX_TIMEOUT;
    }
    if ((enabled & UART_IER_THRI) && state_.thre_pending) {
        return UART_IIR_THRI;
    }
    if ((enabled & UART_IER_MSI) && (state_.msr_deltas & UART_MSR_ANY_DELTA)) {
        return UART_IIR_MSI;
    }
    return UART_IIR_NO_INT;
}

} // namespace mdev::samples
