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

#include "samples/mtty/mtty_state.hpp"

namespace mdev::samples {

// Register offsets in the port's 8-byte I/O BAR.
namespace uart_reg {
constexpr std::uint8_t kRbrThr = 0; // DLAB=0: RBR (read) / THR (write)
constexpr std::uint8_t kDll = 0;    // DLAB=1: divisor latch low
constexpr std::uint8_t kIer = 1;    // DLAB=0
constexpr std::uint8_t kDlm = 1;    // DLAB=1: divisor latch high
constexpr std::uint8_t kIir = 2;    // read
constexpr std::uint8_t kFcr = 2;    // write
constexpr std::uint8_t kLcr = 3;
constexpr std::uint8_t kMcr = 4;
constexpr std::uint8_t kLsr = 5;
constexpr std::uint8_t kMsr = 6;
constexpr std::uint8_t kScr = 7;
constexpr std::uint8_t kCount = 8; // size of the BAR
} // namespace uart_reg

// Interrupt Enable Register.
namespace ier {
constexpr std::uint8_t kRxDataAvailable = 0x01; // ERBFI (also char timeout)
constexpr std::uint8_t kThrEmpty = 0x02;        // ETBEI
constexpr std::uint8_t kRxLineStatus = 0x04;    // ELSI
constexpr std::uint8_t kModemStatus = 0x08;     // EDSSI
constexpr std::uint8_t kWritableMask = 0x0f;
} // namespace ier

// Interrupt Identification Register.
namespace iir {
constexpr std::uint8_t kModemStatus = 0x00;
constexpr std::uint8_t kNoInterrupt = 0x01;
constexpr std::uint8_t kThrEmpty = 0x02;
constexpr std::uint8_t kRxDataAvailable = 0x04;
constexpr std::uint8_t kRxLineStatus = 0x06;
constexpr std::uint8_t kCharTimeout = 0x0c;
constexpr std::uint8_t kIdMask = 0x0f;       // the interrupt-id bits 3:0
constexpr std::uint8_t kFifosEnabled = 0xc0; // bits 7:6 in FIFO mode
} // namespace iir

// FIFO Control Register (write-only).
namespace fcr {
constexpr std::uint8_t kFifoEnable = 0x01;
constexpr std::uint8_t kClearRx = 0x02; // self-clearing
constexpr std::uint8_t kClearTx = 0x04; // self-clearing
constexpr std::uint8_t kDmaMode = 0x08;
constexpr std::uint8_t kTriggerMask = 0xc0;
constexpr std::uint8_t kTrigger1 = 0x00;
constexpr std::uint8_t kTrigger4 = 0x40;
constexpr std::uint8_t kTrigger8 = 0x80;
constexpr std::uint8_t kTrigger14 = 0xc0;
// What the part keeps of a write: the clear bits are actions, 5:4 reserved.
constexpr std::uint8_t kStoredMask = kFifoEnable | kDmaMode | kTriggerMask;
} // namespace fcr

// Line Control Register.
namespace lcr {
constexpr std::uint8_t kWordLengthMask = 0x03;
constexpr std::uint8_t kStopBits = 0x04;
constexpr std::uint8_t kParityEnable = 0x08;
constexpr std::uint8_t kEvenParity = 0x10;
constexpr std::uint8_t kStickParity = 0x20;
constexpr std::uint8_t kBreak = 0x40;
constexpr std::uint8_t kDlab = 0x80;
} // namespace lcr

// Modem Control Register.
namespace mcr {
constexpr std::uint8_t kDtr = 0x01;
constexpr std::uint8_t kRts = 0x02;
constexpr std::uint8_t kOut1 = 0x04;
constexpr std::uint8_t kOut2 = 0x08;
constexpr std::uint8_t kLoop = 0x10;
constexpr std::uint8_t kWritableMask = 0x1f;
} // namespace mcr

// Line Status Register.
namespace lsr {
constexpr std::uint8_t kDataReady = 0x01;
constexpr std::uint8_t kOverrun = 0x02;
constexpr std::uint8_t kParityError = 0x04;  // never set: no line errors
constexpr std::uint8_t kFramingError = 0x08; // never set
constexpr std::uint8_t kBreak = 0x10;        // never set
constexpr std::uint8_t kThrEmpty = 0x20;
constexpr std::uint8_t kTransmitterEmpty = 0x40;
constexpr std::uint8_t kRxFifoError = 0x80; // never set
} // namespace lsr

// Modem Status Register.
namespace msr {
constexpr std::uint8_t kDeltaCts = 0x01;
constexpr std::uint8_t kDeltaDsr = 0x02;
constexpr std::uint8_t kTrailingEdgeRi = 0x04;
constexpr std::uint8_t kDeltaDcd = 0x08;
constexpr std::uint8_t kCts = 0x10;
constexpr std::uint8_t kDsr = 0x20;
constexpr std::uint8_t kRi = 0x40;
constexpr std::uint8_t kDcd = 0x80;
constexpr std::uint8_t kDeltaMask = 0x0f;
constexpr std::uint8_t kInputMask = 0xf0;
} // namespace msr

constexpr std::uint8_t kRxFifoSize = MTTY_FIFO_SIZE;

// The register model. It owns no state: everything lives in the
// MttyUartState it is given, so the QOM glue can migrate that struct as plain
// data and rebuild a Uart16550 around it at any time. The constructor does
// not reset, so a struct loaded by migration is taken as it is.
class Uart16550 {
public:
    explicit Uart16550(MttyUartState &state);

    // Datasheet master reset (also what an all-zero state already is).
    void reset();

    // Guest access to BAR offset `reg` (0..7). Reads have the part's side
    // effects (RBR pops, LSR clears OE, MSR clears deltas, IIR may clear the
    // THRE latch). Out-of-range `reg` is the caller's bug: a read returns
    // 0xff, a write is ignored.
    std::uint8_t read(std::uint8_t reg);
    void write(std::uint8_t reg, std::uint8_t value);

    // True iff an interrupt is pending (IIR bit 0 would read 0).
    bool irq_asserted() const;

    // The registers with read side effects, as they would read now, with no
    // side effect.
    std::uint8_t peek_iir() const;
    std::uint8_t peek_lsr() const;
    std::uint8_t peek_msr() const;

    std::uint8_t rx_count() const;
    bool fifo_enabled() const;
    // Received-data-available threshold: 1/4/8/14 in FIFO mode, 1 otherwise.
    std::uint8_t rx_trigger_level() const;

    // Whether `state` (e.g. just loaded from a migration stream) keeps the
    // invariants the model relies on; the glue should refuse it otherwise.
    static bool state_is_valid(const MttyUartState &state);

private:
    bool dlab() const;
    bool rx_empty() const;
    bool rx_full() const;

    std::uint8_t read_rbr();
    std::uint8_t read_iir();
    std::uint8_t read_lsr();
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

} // namespace mdev::samples
