// SPDX-License-Identifier: GPL-2.0-or-later
// Register model of one mtty port: a 16550A UART whose transmitter is looped
// back into its own receiver over an infinitely fast line.
//
// It follows the PC16550D datasheet, which is what Linux's 8250 driver
// expects, and not the kernel's mtty sample, whose deviations (one shared
// FIFO, OR-ed IIR, trigger level forced to 1, OE not cleared by reading LSR,
// garbage on an empty RBR read, reset doing nothing) are defects.
#pragma once

#include <cstdint>
#include <linux/serial_reg.h>

#include "samples/mtty/mtty_state.hpp"

namespace mdev::samples {

// Register offsets and bits are <linux/serial_reg.h>'s (UART_RX, UART_IER,
// UART_LSR_DR, ...), the names Linux's 8250 driver uses. What follows is only
// what that header has no name for.

// The size of the port's I/O BAR: the eight 16550 registers.
constexpr std::uint8_t kUartRegCount = 8;

// IER bits the part implements (7:4 read 0): the four enables.
constexpr std::uint8_t kIerWritableMask =
    UART_IER_RDI | UART_IER_THRI | UART_IER_RLSI | UART_IER_MSI;

// IIR: bits 3:0 are the id, bit 0 (UART_IIR_NO_INT) included; UART_IIR_ID
// leaves it out. Bits 7:6 read 11 in FIFO mode, a value that later kernels'
// serial_reg.h names (UART_IIR_FIFO_ENABLED_16550A) but Debian 12's 6.1 does not.
constexpr std::uint8_t kIirIdMask = UART_IIR_NO_INT | UART_IIR_ID;
constexpr std::uint8_t kIirFifosEnabled = 0xc0;

// FCR: what the part keeps of a write: the clear bits are actions, 5:4
// reserved.
constexpr std::uint8_t kFcrStoredMask =
    UART_FCR_ENABLE_FIFO | UART_FCR_DMA_SELECT | UART_FCR_TRIGGER_MASK;

// MCR bits the part implements (7:5 read 0).
constexpr std::uint8_t kMcrWritableMask =
    UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT1 | UART_MCR_OUT2 | UART_MCR_LOOP;

// MSR inputs (7:4); the deltas (3:0) are UART_MSR_ANY_DELTA.
constexpr std::uint8_t kMsrInputMask = UART_MSR_DCD | UART_MSR_RI | UART_MSR_DSR | UART_MSR_CTS;

constexpr std::uint8_t kRxFifoSize = MTTY_FIFO_SIZE;

// The datasheet's name of register `reg` (0..7) for an access in direction
// `write` with LCR's DLAB bit `dlab` (traces name registers by it).
constexpr const char *uart_reg_name(std::uint8_t reg, bool dlab, bool write)
{
    switch (reg) {
    case UART_RX: // UART_TX, UART_DLL
        return dlab ? "DLL" : write ? "THR" : "RBR";
    case UART_IER: // UART_DLM
        return dlab ? "DLM" : "IER";
    case UART_IIR: // UART_FCR
        return write ? "FCR" : "IIR";
    case UART_LCR:
        return "LCR";
    case UART_MCR:
        return "MCR";
    case UART_LSR:
        return "LSR";
    case UART_MSR:
        return "MSR";
    case UART_SCR:
        return "SCR";
    default:
        return "?";
    }
}

// The register model. It owns no state: everything lives in the
// MttyUartState it is given, so the QOM glue can migrate that struct as plain
// data and rebuild a Uart16550 around it at any time. The constructor does
// not reset, so a struct loaded by migration is taken as it is.
class Uart16550 {
public:
    explicit Uart16550(MttyUartState &state) : state_(state) {}

    // Datasheet master reset (also what an all-zero state already is).
    void reset();

    // Guest access to BAR offset `reg` (0..7). Reads have the part's side
    // effects (RBR pops, LSR clears OE, MSR clears deltas, IIR may clear the
    // THRE latch). Out-of-range `reg` is the caller's bug: a read returns
    // 0xff, a write is ignored. `irq_may_change` is set when the access
    // changed state that irq_asserted() depends on (and left alone
    // otherwise), so that a caller recomputes the interrupt pin only then:
    // a poll of LSR, or a write of SCR, leaves it alone.
    // Defined below, inline: they are the guest's access path.
    std::uint8_t read(std::uint8_t reg, bool &irq_may_change);
    void write(std::uint8_t reg, std::uint8_t value, bool &irq_may_change);
    std::uint8_t read(std::uint8_t reg)
    {
        bool ignored = false;
        return read(reg, ignored);
    }
    void write(std::uint8_t reg, std::uint8_t value)
    {
        bool ignored = false;
        write(reg, value, ignored);
    }

    // True iff an interrupt is pending (IIR bit 0 would read 0).
    bool irq_asserted() const;

    // The registers with read side effects, as they would read now, with no
    // side effect.
    std::uint8_t peek_iir() const;
    std::uint8_t peek_lsr() const
    {
        // The line is infinitely fast: a THR write is transmitted before the
        // guest can look, so the transmitter is always empty.
        std::uint8_t value = UART_LSR_THRE | UART_LSR_TEMT;
        if (!rx_empty()) {
            value |= UART_LSR_DR;
        }
        if (state_.overrun) {
            value |= UART_LSR_OE;
        }
        return value;
    }
    std::uint8_t peek_msr() const;

    std::uint8_t rx_count() const;
    bool fifo_enabled() const;
    // Received-data-available threshold: 1/4/8/14 in FIFO mode, 1 otherwise.
    std::uint8_t rx_trigger_level() const;

    // Whether `state` (e.g. just loaded from a migration stream) keeps the
    // invariants the model relies on; the glue should refuse it otherwise.
    static bool state_is_valid(const MttyUartState &state);

private:
    bool dlab() const { return state_.lcr & UART_LCR_DLAB; }
    bool rx_empty() const { return state_.rx_count == 0; }
    bool rx_full() const;

    std::uint8_t read_rbr();
    std::uint8_t read_iir();
    std::uint8_t read_lsr()
    {
        const std::uint8_t value = peek_lsr();
        state_.overrun = false;
        return value;
    }
    std::uint8_t read_msr();

    void write_thr(std::uint8_t value);
    void write_ier(std::uint8_t value);
    void write_fcr(std::uint8_t value);
    void write_mcr(std::uint8_t value);

    void receive(std::uint8_t byte);
    void clear_rx();
    std::uint8_t pending_interrupt_id() const;

    MttyUartState &state_;
};

inline std::uint8_t Uart16550::read(std::uint8_t reg, bool &irq_may_change)
{
    switch (reg) {
    case UART_RX: // UART_DLL with DLAB set
        if (dlab()) {
            return state_.dll;
        }
        irq_may_change |= !rx_empty();
        return read_rbr();
    case UART_IER: // UART_DLM with DLAB set
        return dlab() ? state_.dlm : state_.ier;
    case UART_IIR:
        irq_may_change |= state_.thre_pending;
        return read_iir();
    case UART_LCR:
        return state_.lcr;
    case UART_MCR:
        return state_.mcr;
    case UART_LSR:
        irq_may_change |= state_.overrun;
        return read_lsr();
    case UART_MSR:
        irq_may_change |= state_.msr_deltas != 0;
        return read_msr();
    case UART_SCR:
        return state_.scr;
    default:
        return 0xff; // not a register: the caller's bug
    }
}

inline void Uart16550::write(std::uint8_t reg, std::uint8_t value, bool &irq_may_change)
{
    switch (reg) {
    case UART_TX: // UART_DLL with DLAB set
        if (dlab()) {
            state_.dll = value;
        } else {
            write_thr(value);
            irq_may_change = true;
        }
        break;
    case UART_IER: // UART_DLM with DLAB set
        if (dlab()) {
            state_.dlm = value;
        } else {
            write_ier(value);
            irq_may_change = true;
        }
        break;
    case UART_FCR:
        write_fcr(value);
        irq_may_change = true;
        break;
    case UART_LCR:
        state_.lcr = value; // DLAB only selects registers
        break;
    case UART_MCR:
        write_mcr(value);
        irq_may_change = true;
        break;
    case UART_SCR:
        state_.scr = value;
        break;
    case UART_LSR: // factory test on real parts: ignored
    case UART_MSR: // read-only
    default:
        break;
    }
}

} // namespace mdev::samples
