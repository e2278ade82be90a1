// SPDX-License-Identifier: GPL-2.0-or-later
// Register model of one mtty port: a 16550A UART whose transmitter is looped
// back into its own receiver over an infinitely fast line.
//
// It follows the PC16550D datasheet, which is what Linux's 8250 driver
// expects, and not the kernel's mtty sample, whose deviations (one shared
// FIFO, OR-ed IIR, trigger level forced to 1, OE not cleared by reading LSR,
// garbage on an empty RBR read, reset doing nothing) are defects.
//
// The line itself never fails; injected faults (mtty_faults.hpp) damage a
// received character (parity, framing, break), lose it (overrun) or move
// the far end's modem lines, and the registers report them as the part's
// would (per-character error bits revealed at the top of the FIFO, LSR bit
// 7, the receiver line status and modem status interrupts).
#pragma once

#include <cstddef>
#include <cstdint>
#include <linux/serial_reg.h>

#include "hw/mdev/regfile.hpp"

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

// The LSR bits that travel with a received character (<linux/serial_reg.h>
// has UART_LSR_BRK_ERROR_BITS, which also counts OE: OE belongs to no
// character).
constexpr std::uint8_t kLsrCharErrors = UART_LSR_BI | UART_LSR_FE | UART_LSR_PE;

class MttyFaults;

// The register model. It owns no state: everything lives in the
// MttyUartState it is given, so the QOM glue can migrate that struct as plain
// data and rebuild a Uart16550 around it at any time. The constructor does
// not reset, so a struct loaded by migration is taken as it is.
//
// The eight registers are declared in a table (kRegisters, below):
// names, masks, reset values, where MttyUartState keeps each value, and
// hooks for the registers whose access is a command (RBR pops the FIFO, THR
// transmits) and for DLAB's banking of DLL/DLM over RBR/THR and IER.
class Uart16550 {
public:
    // Guest errors (writes the part refuses: LSR, MSR) go to `log` if there
    // is one; the register file's trace events (mdev_reg_read/write) name
    // the port by `who` ("<uuid> port 1").
    explicit Uart16550(MttyUartState &state, GuestLog *log = nullptr, const char *who = "")
        : state_(state), log_(log), who_(who) {}
    void set_guest_log(GuestLog *log) { log_ = log; }
    // The faults that may damage what this port (`port`, 0 or 1) receives;
    // nullptr: none (the default).
    void set_faults(MttyFaults *faults, unsigned port)
    {
        faults_ = faults;
        port_ = port;
    }

    // Datasheet master reset (also what an all-zero state already is).
    void reset();

    // Guest access to BAR offset `reg` (0..7). Reads have the part's side
    // effects (RBR pops, LSR clears OE, MSR clears deltas, IIR may clear the
    // THRE latch). Out-of-range `reg` is the caller's bug: a read returns
    // 0xff, a write is ignored. `irq_may_change` is set when the access
    // changed state that irq_asserted() depends on (and left alone
    // otherwise), so that a caller recomputes the interrupt pin only then:
    // a poll of LSR, or a write of SCR, leaves it alone. A write the part
    // refuses (LSR, MSR) goes to the log given at construction, if any.
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

    // The port's declared registers, and a register file over this port's
    // state (DLAB banking included).
    static constexpr const regs::RegisterTable &register_table() { return kRegisterTable; }
    regs::RegisterFile registers()
    {
        return regs::RegisterFile(kRegisterTable, regs::storage_of(state_), this, log_, who_);
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
        std::uint8_t value = UART_LSR_THRE | UART_LSR_TEMT | state_.lsr_errors;
        if (!rx_empty()) {
            value |= UART_LSR_DR;
        }
        if (state_.overrun) {
            value |= UART_LSR_OE;
        }
        if (state_.fifo_error && fifo_enabled()) {
            value |= UART_LSR_FIFOE;
        }
        return value;
    }
    std::uint8_t peek_msr() const;

    // The far end of the line drives the modem inputs in `mask` (MSR bits
    // 7:4: UART_MSR_CTS, _DSR, _RI, _DCD) to `levels`; with `release`, every
    // input first goes back to the loopback plug. The inputs that change
    // latch their delta bits (RI only on its trailing edge), which raise the
    // modem status interrupt with IER.EDSSI; in LOOP mode the part's inputs
    // are disconnected, so nothing changes until LOOP is left. The caller
    // recomputes the interrupt pin.
    void drive_modem_inputs(std::uint8_t mask, std::uint8_t levels, bool release);

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

    // The table's hooks.
    std::uint64_t read_rbr(const regs::Register &);
    std::uint64_t read_iir(const regs::Register &);
    std::uint64_t read_lsr(const regs::Register &)
    {
        note_irq_change(state_.overrun || state_.lsr_errors != 0);
        const std::uint8_t value = peek_lsr();
        state_.overrun = false;
        state_.lsr_errors = 0;
        if (state_.fifo_error) [[unlikely]] {
            state_.fifo_error = errors_behind_top();
        }
        return value;
    }
    std::uint64_t read_msr(const regs::Register &);
    const char *write_thr(const regs::Register &, std::uint64_t value);
    const char *write_ier(const regs::Register &, std::uint64_t value);
    const char *write_fcr(const regs::Register &, std::uint64_t value);
    const char *write_mcr(const regs::Register &, std::uint64_t value);

    // A character arriving at the receiver with line errors `errors`
    // (kLsrCharErrors bits).
    void receive(std::uint8_t byte, std::uint8_t errors = 0);
    // A character lost for want of room in the receiver: OE.
    void lose() { state_.overrun = true; }
    // The character at the top of the receiver shows its errors in LSR.
    void reveal_top_errors();
    bool errors_behind_top() const;
    std::uint8_t msr_inputs() const;
    void clear_rx();
    std::uint8_t pending_interrupt_id() const;

    MttyUartState &state_;
    GuestLog *log_;
    const char *who_;
    MttyFaults *faults_ = nullptr;
    unsigned port_ = 0;
    // Whether the current access changed what irq_asserted() depends on
    // (cleared as read()/write() begin; the hooks set it).
    bool irq_may_change_ = false;
    void note_irq_change(bool changes)
    {
        if (changes) {
            irq_may_change_ = true;
        }
    }

    // The eight registers, as PC16550D's register table lists them. DLAB
    // (LCR bit 7) banks DLL over RBR/THR and DLM over IER: the divisor
    // latch entries come first, selected by dlab(). Reset values are the
    // master-reset ones (IIR reads 0x01, LSR 0x60, the rest 0). A constant
    // here, in the header, so that read()/write() below decode it at
    // compile time (RegisterFile::read<Table, Size>).
    static constexpr regs::Register kRegisters[] = {
        {.name = "DLL", .offset = UART_DLL, .storage = offsetof(MttyUartState, dll),
         .bank = regs::bank_hook<&Uart16550::dlab>},
        {.name = "RBR", .offset = UART_RX, .access = regs::kRead, .ro = regs::kAllBits,
         .on_read = regs::read_hook<&Uart16550::read_rbr>},
        {.name = "THR", .offset = UART_TX, .access = regs::kWrite,
         .on_write = regs::write_hook<&Uart16550::write_thr>},
        {.name = "DLM", .offset = UART_DLM, .storage = offsetof(MttyUartState, dlm),
         .bank = regs::bank_hook<&Uart16550::dlab>},
        {.name = "IER", .offset = UART_IER, .rsvd = static_cast<std::uint8_t>(~kIerWritableMask),
         .storage = offsetof(MttyUartState, ier),
         .on_write = regs::write_hook<&Uart16550::write_ier>},
        {.name = "IIR", .offset = UART_IIR, .access = regs::kRead, .reset = UART_IIR_NO_INT,
         .ro = regs::kAllBits, .on_read = regs::read_hook<&Uart16550::read_iir>},
        // FIFO Control: bits 1-2 are actions (never stored), 5:4 reserved.
        {.name = "FCR", .offset = UART_FCR, .access = regs::kWrite,
         .rsvd = static_cast<std::uint8_t>(
             ~(kFcrStoredMask | UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT)),
         .storage = offsetof(MttyUartState, fcr),
         .on_write = regs::write_hook<&Uart16550::write_fcr>},
        {.name = "LCR", .offset = UART_LCR, .storage = offsetof(MttyUartState, lcr)},
        {.name = "MCR", .offset = UART_MCR, .rsvd = static_cast<std::uint8_t>(~kMcrWritableMask),
         .storage = offsetof(MttyUartState, mcr),
         .on_write = regs::write_hook<&Uart16550::write_mcr>},
        // A 16550A ignores writes of LSR (a factory test on the real part)
        // and MSR (inputs and read-to-clear deltas). No driver for the part
        // makes them (Linux's 8250 never does; drivers of other parts with
        // extended registers at these offsets do), so the register file
        // refuses them, which changes nothing, as on the part, and logs
        // one line naming the register for -d guest_errors.
        {.name = "LSR", .offset = UART_LSR, .reset = UART_LSR_THRE | UART_LSR_TEMT,
         .ro = regs::kAllBits, .on_read = regs::read_hook<&Uart16550::read_lsr>},
        {.name = "MSR", .offset = UART_MSR, .ro = regs::kAllBits,
         .on_read = regs::read_hook<&Uart16550::read_msr>},
        {.name = "SCR", .offset = UART_SCR, .storage = offsetof(MttyUartState, scr)},
    };
    static constexpr regs::RegisterTable kRegisterTable{"mtty: UART", kRegisters};
};

// Always inlined: a port's BAR handler is this and the register file's
// jump on the offset (mtty.cpp).
[[gnu::always_inline]] inline std::uint8_t Uart16550::read(std::uint8_t reg, bool &irq_may_change)
{
    if (reg >= kUartRegCount) {
        return 0xff; // not a register: the caller's bug
    }
    irq_may_change_ = false;
    const auto value = static_cast<std::uint8_t>(registers().read<kRegisterTable, 1>(reg));
    irq_may_change |= irq_may_change_;
    return value;
}

[[gnu::always_inline]] inline void Uart16550::write(std::uint8_t reg, std::uint8_t value,
                                                    bool &irq_may_change)
{
    if (reg >= kUartRegCount) {
        return; // not a register: the caller's bug
    }
    irq_may_change_ = false;
    registers().write<kRegisterTable, 1>(reg, value);
    irq_may_change |= irq_may_change_;
}

} // namespace mdev::samples
