// SPDX-License-Identifier: GPL-2.0-or-later
// The whole state of one mtty port (a 16550A UART whose transmitter loops
// back into its own receiver), as plain data.
//
// The register model (mtty_uart.hpp) works on it through a reference, and
// mtty.cpp declares it field by field for migration. Hence only fixed-width
// integers and bools, no pointers, nothing derived: every value that the
// guest can observe is either stored here or computed from what is stored
// here.
//
// An all-zero MttyUartState is exactly the datasheet's master-reset state,
// so a zero-initialised struct needs no further set-up.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mdev::samples {

// Depth of the 16550A's receive FIFO.
inline constexpr int MTTY_FIFO_SIZE = 16;

// The "Dual port serial" type has the most ports: one per I/O BAR.
inline constexpr int MTTY_MAX_PORTS_PER_DEVICE = 2;

struct MttyUartState {
    // Receiver ring buffer. The unread bytes are rx_fifo[(rx_head + i) %
    // MTTY_FIFO_SIZE] for i in [0, rx_count). In 16450 (non-FIFO) mode only
    // one byte is ever held: it is the receiver buffer register.
    std::uint8_t rx_fifo[MTTY_FIFO_SIZE];
    // Index of the oldest unread byte, 0 .. MTTY_FIFO_SIZE - 1.
    std::uint8_t rx_head;
    // Unread bytes: 0 .. MTTY_FIFO_SIZE in FIFO mode, 0 .. 1 otherwise.
    std::uint8_t rx_count;
    // Interrupt Enable Register; only bits 3:0 exist (ERBFI ETBEI ELSI EDSSI).
    std::uint8_t ier;
    // FIFO Control Register as programmed: bit 0 FIFO enable, bit 3 DMA mode,
    // bits 7:6 RX trigger level. The self-clearing bits 1 and 2 are actions
    // and are never stored.
    std::uint8_t fcr;
    // Line Control Register, all 8 bits (bit 7 is DLAB).
    std::uint8_t lcr;
    // Modem Control Register; only bits 4:0 exist (DTR RTS OUT1 OUT2 LOOP).
    std::uint8_t mcr;
    // MSR delta bits 3:0 (DCTS DDSR TERI DDCD) latched since the last MSR
    // read. The MSR input bits 7:4 are not stored: they are a function of
    // mcr (loopback plug or internal loopback).
    std::uint8_t msr_deltas;
    // Scratch Register.
    std::uint8_t scr;
    // Divisor latch, low and high byte (stored, no baud timing emulated).
    std::uint8_t dll;
    std::uint8_t dlm;
    // LSR.OE: a received byte was lost since the last LSR read.
    bool overrun;
    // The THR-empty interrupt latch: pending THRE interrupt, reported in IIR
    // when IER.ETBEI is set. Cleared by reading IIR while it names THRE as
    // the source, or by a THR write (which sets it again at once).
    bool thre_pending;

    // Since version 2 of the migrated struct: line errors and the far end's
    // modem lines, which only injected faults (mtty_faults.hpp) produce; a
    // loopback line never damages a character by itself.

    // The line errors each unread character arrived with (UART_LSR_PE,
    // UART_LSR_FE, UART_LSR_BI), beside it: rx_errors[i] goes with
    // rx_fifo[i].
    std::uint8_t rx_errors[MTTY_FIFO_SIZE];
    // LSR's PE, FE and BI as they read now: the errors of each character
    // that reached the top of the receiver (the next RBR read), latched
    // until LSR is read, as the datasheet reveals them.
    std::uint8_t lsr_errors;
    // LSR bit 7 (UART_LSR_FIFOE), FIFO mode only: set when a character with
    // an error enters the FIFO; a read of LSR clears it unless another
    // character with an error waits behind the one at the top.
    bool fifo_error;
    // The modem inputs (MSR bits 7:4) that the far end of the line drives
    // (the modem-lines fault), and their levels; the others follow the
    // loopback plug. Ignored in LOOP mode, as the part disconnects its
    // inputs then.
    std::uint8_t msr_driven;
    std::uint8_t msr_driven_levels;
};

inline constexpr int MTTY_CONFIG_SPACE_SIZE = 256;

// The whole state of one mtty mdev's vfio face: its UART ports and the
// config space it keeps.
struct MttyDeviceState {
    MttyUartState port[MTTY_MAX_PORTS_PER_DEVICE];
    // PCI config space as the device holds it (the vfio config region).
    std::uint8_t config[MTTY_CONFIG_SPACE_SIZE];
};

} // namespace mdev::samples
