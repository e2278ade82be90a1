// SPDX-License-Identifier: GPL-2.0-or-later
// mtty's faults (hw/mdev/samples/mtty/mtty_faults.hpp, docs/fault-injection.md)
// and what the 16550A's registers make of them, as the PC16550D datasheet
// describes and Linux's 8250 driver reads them (serial8250_handle_irq:
// IIR, then LSR, then RBR per character in serial8250_read_char):
// per-character PE/FE/BI revealed when the character reaches the top of the
// FIFO and cleared by reading LSR, LSR bit 7 while an errored character
// waits, OE for a lost character, the receiver line status interrupt
// (IIR 0x06) with IER.ELSI, and the far end's modem lines with their deltas
// and the modem status interrupt (IIR 0x00) with IER.EDSSI. Then the same
// through a bound device: the faults' declarations per type and class,
// modem-lines' interrupt on INTx, the trace events.
#include "fake_guest.hpp"
#include "recording_host.hpp"
#include "test_uuid.hpp"
#include "samples/mtty/mtty.hpp"
#include "samples/mtty/mtty_faults.hpp"
#include "samples/mtty/mtty_uart.hpp"

#include "hw/mdev/core.hpp"
#include "trace-hw_mdev_core_fault.hpp"
#include "trace-hw_mdev_samples_mtty.hpp"
#include "trace_record.hpp"
#include "vfio/pci_function.hpp"
#include "vfio/vfio_driver.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mdev::samples {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr std::uint8_t kIirFifo = 0xc0; // IIR 7:6 in FIFO mode
constexpr std::uint8_t kLsrIdle = UART_LSR_THRE | UART_LSR_TEMT; // 0x60

// One port's UART with the faults of a two-port card, armed through the
// FaultSet as the monitor arms them.
class UartFaultTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        faults.attach(set, 2, [this](const FaultArgs &a) {
            modem_calls++;
            (void)a;
        });
        uart.set_faults(&faults, 0);
    }

    std::uint8_t rd(std::uint8_t reg) { return uart.read(reg); }
    void wr(std::uint8_t reg, std::uint8_t value) { uart.write(reg, value); }
    void fifo() { wr(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_TRIGGER_14); }

    void arm(const char *fault, std::uint64_t count = 1, std::uint64_t skip = 0,
             std::vector<FaultArgText> args = {})
    {
        Status s = set.inject(fault, count, skip, args);
        ASSERT_TRUE(s) << s.error().message;
    }
    const FaultSet::Entry &entry(const char *fault)
    {
        return set.entries()[*set.find(fault)];
    }

    FaultSet set;
    MttyFaults faults;
    MttyUartState state{};
    Uart16550 uart{state};
    int modem_calls = 0;
};

// ---- Unfaulted ------------------------------------------------------------

TEST_F(UartFaultTest, NothingArmedNoLineErrorInEitherMode)
{
    wr(UART_IER, UART_IER_RLSI);
    wr(UART_LCR, UART_LCR_WLEN8 | UART_LCR_PARITY);
    wr(UART_TX, 'a');
    EXPECT_EQ(rd(UART_LSR), kLsrIdle | UART_LSR_DR);
    EXPECT_EQ(rd(UART_IIR), UART_IIR_NO_INT);
    EXPECT_EQ(rd(UART_RX), 'a');
    fifo();
    for (int i = 0; i < 16; i++) {
        wr(UART_TX, static_cast<std::uint8_t>('A' + i));
    }
    EXPECT_EQ(rd(UART_LSR), kLsrIdle | UART_LSR_DR);
    for (int i = 0; i < 16; i++) {
        EXPECT_EQ(rd(UART_RX), 'A' + i);
        EXPECT_EQ(rd(UART_LSR) & ~UART_LSR_DR, kLsrIdle);
    }
    EXPECT_FALSE(uart.irq_asserted());
}

// ---- parity-error -------------------------------------------------------------

// serial8250_handle_irq's sequence on the interrupt: IIR names the line
// status, LSR shows PE with DR (and bit 7), RBR gives the character; the
// next LSR read shows nothing.
TEST_F(UartFaultTest, ParityErrorAsThe8250DriverReadsIt)
{
    fifo();
    wr(UART_LCR, UART_LCR_WLEN8 | UART_LCR_PARITY);
    wr(UART_IER, UART_IER_RDI | UART_IER_RLSI);
    arm("parity-error");
    wr(UART_TX, 'X');
    EXPECT_EQ(entry("parity-error").fired, 1u);
    EXPECT_FALSE(entry("parity-error").armed); // count 1: spent
    EXPECT_TRUE(uart.irq_asserted());
    EXPECT_EQ(rd(UART_IIR), kIirFifo | UART_IIR_RLSI);
    EXPECT_EQ(rd(UART_LSR), kLsrIdle | UART_LSR_DR | UART_LSR_PE | UART_LSR_FIFOE);
    // The line status interrupt is acknowledged; the data's remains.
    EXPECT_EQ(rd(UART_IIR), kIirFifo | UART_IIR_RX_TIMEOUT);
    EXPECT_EQ(rd(UART_RX), 'X'); // the character itself arrives
    EXPECT_EQ(rd(UART_LSR), kLsrIdle);
    EXPECT_FALSE(uart.irq_asserted());
    // The next one is clean.
    wr(UART_TX, 'Y');
    EXPECT_EQ(rd(UART_LSR), kLsrIdle | UART_LSR_DR);
}

// A character sent without parity cannot have a parity error: the fault
// waits for one sent with parity.
TEST_F(UartFaultTest, ParityErrorOnlyWhileLcrEnablesParity)
{
    wr(UART_LCR, UART_LCR_WLEN8);
    arm("parity-error");
    wr(UART_TX, 'a');
    EXPECT_EQ(rd(UART_LSR), kLsrIdle | UART_LSR_DR);
    EXPECT_EQ(rd(UART_RX), 'a');
    EXPECT_TRUE(entry("parity-error").armed);
    EXPECT_EQ(entry("parity-error").fired, 0u);
    wr(UART_LCR, UART_LCR_WLEN8 | UART_LCR_PARITY | UART_LCR_EPAR);
    wr(UART_TX, 'b');
    EXPECT_EQ(rd(UART_LSR), kLsrIdle | UART_LSR_DR | UART_LSR_PE); // 16450 mode: no bit 7
    EXPECT_EQ(entry("parity-error").fired, 1u);
}

// ---- framing-error ------------------------------------------------------------

TEST_F(UartFaultTest, FramingErrorMarksTheCharacter)
{
    fifo();
    wr(UART_IER, UART_IER_RLSI);
    arm("framing-error");
    wr(UART_TX, 'f');
    EXPECT_EQ(rd(UART_IIR), kIirFifo | UART_IIR_RLSI);
    EXPECT_EQ(rd(UART_LSR), kLsrIdle | UART_LSR_DR | UART_LSR_FE | UART_LSR_FIFOE);
    EXPECT_EQ(rd(UART_IIR), kIirFifo | UART_IIR_NO_INT); // ERBFI is off
    EXPECT_EQ(rd(UART_RX), 'f');
    EXPECT_EQ(rd(UART_LSR), kLsrIdle);
}

// PE and FE armed together mark the same character with both, as a
// character can have both on a line.
TEST_F(UartFaultTest, ParityAndFramingErrorsOnOneCharacter)
{
    wr(UART_LCR, UART_LCR_WLEN8 | UART_LCR_PARITY);
    arm("parity-error");
    arm("framing-error");
    wr(UART_TX, 'z');
    EXPECT_EQ(rd(UART_LSR), kLsrIdle | UART_LSR_DR | UART_LSR_PE | UART_LSR_FE);
    EXPECT_EQ(entry("parity-error").fired, 1u);
    EXPECT_EQ(entry("framing-error").fired, 1u);
}

// ---- break --------------------------------------------------------------------

TEST_F(UartFaultTest, BreakDeliversOneZeroCharacterWithBi)
{
    fifo();
    wr(UART_IER, UART_IER_RDI | UART_IER_RLSI);
    arm("break");
    wr(UART_TX, 'B');
    EXPECT_EQ(uart.rx_count(), 1); // the break replaced the character
    EXPECT_EQ(rd(UART_IIR), kIirFifo | UART_IIR_RLSI);
    EXPECT_EQ(rd(UART_LSR),
              kLsrIdle | UART_LSR_DR | UART_LSR_BI | UART_LSR_FE | UART_LSR_FIFOE);
    EXPECT_EQ(rd(UART_RX), 0x00);
    EXPECT_EQ(rd(UART_LSR), kLsrIdle);
    wr(UART_TX, 'C'); // the line is back: the next character arrives
    EXPECT_EQ(rd(UART_LSR), kLsrIdle | UART_LSR_DR);
    EXPECT_EQ(rd(UART_RX), 'C');
}

// A break is no data character: the parity and framing faults do not
// see it (they wait for the next one).
TEST_F(UartFaultTest, BreakComesBeforeFramingAndParity)
{
    wr(UART_LCR, UART_LCR_WLEN8 | UART_LCR_PARITY);
    fifo();
    arm("break");
    arm("framing-error");
    wr(UART_TX, 'a');
    wr(UART_TX, 'b');
    EXPECT_EQ(entry("break").fired, 1u);
    EXPECT_EQ(entry("framing-error").fired, 1u);
    EXPECT_EQ(rd(UART_LSR) & kLsrCharErrors, UART_LSR_BI | UART_LSR_FE);
    EXPECT_EQ(rd(UART_RX), 0);
    EXPECT_EQ(rd(UART_LSR) & kLsrCharErrors, UART_LSR_FE);
    EXPECT_EQ(rd(UART_RX), 'b');
}

// ---- overrun ------------------------------------------------------------------

TEST_F(UartFaultTest, OverrunLosesTheCharacterAndSetsOe)
{
    fifo();
    wr(UART_IER, UART_IER_RLSI);
    arm("overrun");
    wr(UART_TX, 'L');
    EXPECT_EQ(uart.rx_count(), 0);
    EXPECT_TRUE(uart.irq_asserted());
    EXPECT_EQ(rd(UART_IIR), kIirFifo | UART_IIR_RLSI);
    wr(UART_TX, 'K');
    // OE belongs to no character: no bit 7.
    EXPECT_EQ(rd(UART_LSR), kLsrIdle | UART_LSR_DR | UART_LSR_OE);
    EXPECT_FALSE(uart.irq_asserted());
    EXPECT_EQ(rd(UART_RX), 'K');
    EXPECT_EQ(rd(UART_LSR), kLsrIdle);
}

// The faults see the characters the receiver has room for: one arriving
// at a full FIFO is lost to a real overrun, and the armed fault waits.
TEST_F(UartFaultTest, CharacterAtFullFifoIsNoEventForTheFaults)
{
    fifo();
    for (int i = 0; i < 16; i++) {
        wr(UART_TX, static_cast<std::uint8_t>(i));
    }
    arm("framing-error");
    wr(UART_TX, 0x99);
    EXPECT_EQ(entry("framing-error").fired, 0u);
    EXPECT_EQ(rd(UART_LSR), kLsrIdle | UART_LSR_DR | UART_LSR_OE);
    EXPECT_EQ(rd(UART_RX), 0);
    wr(UART_TX, 0x42); // room again
    EXPECT_EQ(entry("framing-error").fired, 1u);
}

TEST_F(UartFaultTest, OverrunComesFirst)
{
    arm("overrun");
    arm("break");
    wr(UART_TX, 'a');
    EXPECT_EQ(entry("overrun").fired, 1u);
    EXPECT_EQ(entry("break").fired, 0u);
    EXPECT_TRUE(entry("break").armed);
    EXPECT_EQ(uart.rx_count(), 0);
}

// ---- Where the errors show: the top of the FIFO, bit 7 -------------------------

// PE/FE/BI go with their character and show when it reaches the top of
// the FIFO; bit 7 shows while any errored character is in the FIFO, and a
// read of LSR clears it only if none waits behind the top.
TEST_F(UartFaultTest, ErrorShowsWhenItsCharacterReachesTheTop)
{
    fifo();
    wr(UART_IER, UART_IER_RLSI);
    arm("framing-error", 1, 1); // skip 'a': the second character
    wr(UART_TX, 'a');
    wr(UART_TX, 'x');
    wr(UART_TX, 'b');
    // 'a' on top: no FE yet, but an error waits in the FIFO.
    EXPECT_FALSE(uart.irq_asserted());
    EXPECT_EQ(rd(UART_LSR), kLsrIdle | UART_LSR_DR | UART_LSR_FIFOE);
    EXPECT_EQ(rd(UART_LSR), kLsrIdle | UART_LSR_DR | UART_LSR_FIFOE); // it still waits
    EXPECT_EQ(rd(UART_RX), 'a');
    // 'x' on top now: FE, and the line status interrupt.
    EXPECT_TRUE(uart.irq_asserted());
    EXPECT_EQ(rd(UART_IIR), kIirFifo | UART_IIR_RLSI);
    EXPECT_EQ(rd(UART_LSR), kLsrIdle | UART_LSR_DR | UART_LSR_FE | UART_LSR_FIFOE);
    // Read: FE cleared, and nothing with an error behind 'x': bit 7 too.
    EXPECT_EQ(rd(UART_LSR), kLsrIdle | UART_LSR_DR);
    EXPECT_EQ(rd(UART_RX), 'x');
    EXPECT_EQ(rd(UART_LSR), kLsrIdle | UART_LSR_DR);
    EXPECT_EQ(rd(UART_RX), 'b');
}

TEST_F(UartFaultTest, BitSevenStaysWhileAnotherErroredCharacterWaits)
{
    fifo();
    arm("framing-error", 2);
    wr(UART_TX, 'p');
    wr(UART_TX, 'q');
    EXPECT_EQ(rd(UART_LSR), kLsrIdle | UART_LSR_DR | UART_LSR_FE | UART_LSR_FIFOE);
    EXPECT_EQ(rd(UART_LSR), kLsrIdle | UART_LSR_DR | UART_LSR_FIFOE); // 'q' waits
    EXPECT_EQ(rd(UART_RX), 'p');
    EXPECT_EQ(rd(UART_LSR), kLsrIdle | UART_LSR_DR | UART_LSR_FE | UART_LSR_FIFOE);
    EXPECT_EQ(rd(UART_LSR), kLsrIdle | UART_LSR_DR);
    EXPECT_EQ(rd(UART_RX), 'q');
}

// A driver that reads RBR without LSR still finds the error in LSR (it is
// cleared by reading LSR only), and the line status interrupt pending.
TEST_F(UartFaultTest, ErrorBitsStayUntilLsrIsRead)
{
    fifo();
    wr(UART_IER, UART_IER_RLSI);
    arm("framing-error");
    wr(UART_TX, 'e');
    EXPECT_EQ(rd(UART_RX), 'e');
    EXPECT_TRUE(uart.irq_asserted());
    EXPECT_EQ(rd(UART_LSR), kLsrIdle | UART_LSR_FE | UART_LSR_FIFOE);
    EXPECT_EQ(rd(UART_LSR), kLsrIdle);
    EXPECT_FALSE(uart.irq_asserted());
}

// Clearing the receiver FIFO drops the characters, not LSR's error bits.
TEST_F(UartFaultTest, FifoClearKeepsErrorsUntilLsrRead)
{
    fifo();
    arm("break");
    wr(UART_TX, 'a');
    wr(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR);
    EXPECT_EQ(uart.rx_count(), 0);
    EXPECT_EQ(rd(UART_LSR), kLsrIdle | UART_LSR_BI | UART_LSR_FE | UART_LSR_FIFOE);
    EXPECT_EQ(rd(UART_LSR), kLsrIdle);
}

TEST_F(UartFaultTest, LineStatusOutranksDataAndNeedsElsi)
{
    fifo();
    wr(UART_IER, UART_IER_RDI);
    arm("framing-error");
    wr(UART_TX, 'a');
    EXPECT_EQ(rd(UART_IIR), kIirFifo | UART_IIR_RX_TIMEOUT); // no ELSI: data only
    wr(UART_IER, UART_IER_RDI | UART_IER_RLSI);
    EXPECT_EQ(rd(UART_IIR), kIirFifo | UART_IIR_RLSI);
}

// ---- count, skip, port ------------------------------------------------------

TEST_F(UartFaultTest, SkipAndCountPickTheCharacters)
{
    fifo();
    arm("framing-error", 2, 1);
    for (char c : std::string("abcd")) {
        wr(UART_TX, static_cast<std::uint8_t>(c));
    }
    std::string errored;
    for (int i = 0; i < 4; i++) {
        const bool fe = rd(UART_LSR) & UART_LSR_FE;
        const char c = static_cast<char>(rd(UART_RX));
        if (fe) {
            errored += c;
        }
    }
    EXPECT_EQ(errored, "bc");
    EXPECT_EQ(entry("framing-error").fired, 2u);
    EXPECT_FALSE(entry("framing-error").armed);
}

TEST_F(UartFaultTest, CountZeroUntilCleared)
{
    arm("break", 0);
    for (int i = 0; i < 3; i++) {
        wr(UART_TX, 'x');
        EXPECT_EQ(rd(UART_LSR) & UART_LSR_BI, UART_LSR_BI);
        EXPECT_EQ(rd(UART_RX), 0);
    }
    ASSERT_TRUE(set.clear("break"));
    wr(UART_TX, 'x');
    EXPECT_EQ(rd(UART_LSR), kLsrIdle | UART_LSR_DR);
    EXPECT_EQ(entry("break").fired, 3u);
}

TEST_F(UartFaultTest, PortParameterPicksThePort)
{
    arm("framing-error", 1, 0, {{"port", "1"}});
    wr(UART_TX, 'a'); // this UART is port 0
    EXPECT_EQ(rd(UART_LSR), kLsrIdle | UART_LSR_DR);
    EXPECT_TRUE(entry("framing-error").armed);

    MttyUartState other{};
    Uart16550 port1(other);
    port1.set_faults(&faults, 1);
    port1.write(UART_TX, 'b');
    EXPECT_EQ(port1.read(UART_LSR), kLsrIdle | UART_LSR_DR | UART_LSR_FE);
    EXPECT_FALSE(entry("framing-error").armed);
}

TEST_F(UartFaultTest, RefusalsNameWhatIsAccepted)
{
    Status s = set.inject("break", 1, 0, std::vector<FaultArgText>{{"port", "2"}});
    ASSERT_FALSE(s);
    EXPECT_THAT(s.error().message, HasSubstr("parameter 'port' takes 0 to 1, not 2"));
    s = set.inject("overrun", 1, 0, std::vector<FaultArgText>{{"byte", "2"}});
    ASSERT_FALSE(s);
    EXPECT_THAT(s.error().message, HasSubstr("it takes: port (int)"));
    s = set.inject("modem-lines", 1, 0, std::vector<FaultArgText>{{"cts", "maybe"}});
    ASSERT_FALSE(s);
    EXPECT_THAT(s.error().message, HasSubstr("takes true or false"));
    s = set.inject("modem-lines", 1, 1, {});
    ASSERT_FALSE(s);
    EXPECT_THAT(s.error().message, HasSubstr("skip does not apply"));
    s = set.inject("hum", 1, 0, {});
    ASSERT_FALSE(s);
    EXPECT_THAT(s.error().message,
                HasSubstr("parity-error, framing-error, overrun, break, modem-lines"));
    EXPECT_EQ(modem_calls, 0);
    EXPECT_FALSE(set.any_armed());
}

// ---- 16450 mode ---------------------------------------------------------------

TEST_F(UartFaultTest, NonFifoModeShowsErrorsAtOnceWithoutBitSeven)
{
    wr(UART_IER, UART_IER_RLSI);
    arm("break");
    wr(UART_TX, 'a');
    EXPECT_EQ(rd(UART_IIR), UART_IIR_RLSI);
    EXPECT_EQ(rd(UART_LSR), kLsrIdle | UART_LSR_DR | UART_LSR_BI | UART_LSR_FE);
    EXPECT_EQ(rd(UART_RX), 0);
}

// ---- The far end's modem lines ----------------------------------------------

TEST_F(UartFaultTest, DroppingCtsLatchesDctsAndTheModemStatusInterrupt)
{
    wr(UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
    rd(UART_MSR); // the deltas of raising them
    wr(UART_IER, UART_IER_MSI);
    ASSERT_EQ(rd(UART_MSR), UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD);
    uart.drive_modem_inputs(UART_MSR_CTS, 0, false);
    EXPECT_TRUE(uart.irq_asserted());
    EXPECT_EQ(rd(UART_IIR), UART_IIR_MSI);
    EXPECT_EQ(rd(UART_MSR), UART_MSR_DSR | UART_MSR_DCD | UART_MSR_DCTS);
    EXPECT_FALSE(uart.irq_asserted());
    // RTS no longer moves CTS: the far end holds it.
    wr(UART_MCR, UART_MCR_DTR | UART_MCR_OUT2);
    EXPECT_EQ(rd(UART_MSR), UART_MSR_DSR | UART_MSR_DCD);
    // Raised again.
    uart.drive_modem_inputs(UART_MSR_CTS, UART_MSR_CTS, false);
    EXPECT_EQ(rd(UART_MSR), UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD | UART_MSR_DCTS);
}

TEST_F(UartFaultTest, EachLineItsDelta)
{
    wr(UART_IER, UART_IER_MSI);
    uart.drive_modem_inputs(UART_MSR_DSR | UART_MSR_DCD, UART_MSR_DSR | UART_MSR_DCD, false);
    EXPECT_EQ(rd(UART_MSR), UART_MSR_DSR | UART_MSR_DCD | UART_MSR_DDSR | UART_MSR_DDCD);
    // Driving a line to the level it has latches nothing.
    uart.drive_modem_inputs(UART_MSR_DSR, UART_MSR_DSR, false);
    EXPECT_EQ(rd(UART_MSR), UART_MSR_DSR | UART_MSR_DCD);
    EXPECT_FALSE(uart.irq_asserted());
}

// TERI is the trailing edge of RI only.
TEST_F(UartFaultTest, RingIndicatorLatchesTeriOnItsTrailingEdge)
{
    wr(UART_IER, UART_IER_MSI);
    uart.drive_modem_inputs(UART_MSR_RI, UART_MSR_RI, false);
    EXPECT_FALSE(uart.irq_asserted());
    EXPECT_EQ(rd(UART_MSR), UART_MSR_RI);
    uart.drive_modem_inputs(UART_MSR_RI, 0, false);
    EXPECT_TRUE(uart.irq_asserted());
    EXPECT_EQ(rd(UART_IIR), UART_IIR_MSI);
    EXPECT_EQ(rd(UART_MSR), UART_MSR_TERI);
}

TEST_F(UartFaultTest, ReleaseGivesTheLinesBackToThePlug)
{
    wr(UART_MCR, UART_MCR_RTS);
    uart.drive_modem_inputs(UART_MSR_CTS | UART_MSR_DCD, UART_MSR_DCD, false);
    rd(UART_MSR);
    uart.drive_modem_inputs(0, 0, true);
    EXPECT_EQ(rd(UART_MSR), UART_MSR_CTS | UART_MSR_DCTS | UART_MSR_DDCD);
    EXPECT_EQ(state.msr_driven, 0);
    // Release, then drive: only the lines given stay driven.
    uart.drive_modem_inputs(UART_MSR_RI, UART_MSR_RI, true);
    EXPECT_EQ(state.msr_driven, UART_MSR_RI);
}

// In LOOP mode the part's inputs are disconnected: the far end changes
// nothing there, and leaving LOOP shows its lines with their deltas.
TEST_F(UartFaultTest, LoopModeIgnoresTheFarEnd)
{
    wr(UART_MCR, UART_MCR_LOOP | UART_MCR_RTS);
    rd(UART_MSR);
    uart.drive_modem_inputs(UART_MSR_CTS | UART_MSR_DSR, UART_MSR_DSR, false);
    EXPECT_EQ(rd(UART_MSR), UART_MSR_CTS);
    wr(UART_MCR, UART_MCR_RTS);
    EXPECT_EQ(rd(UART_MSR), UART_MSR_DSR | UART_MSR_DCTS | UART_MSR_DDSR);
}

// ---- Reset and migrated state ---------------------------------------------

TEST_F(UartFaultTest, ResetClearsErrorsAndTheFarEnd)
{
    fifo();
    arm("framing-error");
    wr(UART_TX, 'a');
    uart.drive_modem_inputs(UART_MSR_DCD, UART_MSR_DCD, false);
    uart.reset();
    EXPECT_EQ(rd(UART_LSR), kLsrIdle);
    EXPECT_EQ(rd(UART_MSR), 0);
    EXPECT_EQ(state.msr_driven, 0);
    EXPECT_EQ(state.lsr_errors, 0);
    EXPECT_FALSE(state.fifo_error);
}

TEST_F(UartFaultTest, StateIsValidChecksTheNewFields)
{
    fifo();
    arm("break");
    wr(UART_TX, 'a');
    uart.drive_modem_inputs(UART_MSR_RI, UART_MSR_RI, false);
    EXPECT_TRUE(Uart16550::state_is_valid(state));
    MttyUartState bad = state;
    bad.rx_errors[3] = UART_LSR_OE;
    EXPECT_FALSE(Uart16550::state_is_valid(bad));
    bad = state;
    bad.lsr_errors = UART_LSR_DR;
    EXPECT_FALSE(Uart16550::state_is_valid(bad));
    bad = state;
    bad.msr_driven = UART_MSR_DCTS;
    EXPECT_FALSE(Uart16550::state_is_valid(bad));
    bad = state;
    bad.msr_driven_levels = UART_MSR_CTS; // a level of a line not driven
    EXPECT_FALSE(Uart16550::state_is_valid(bad));
}

// ---- Through a bound device ---------------------------------------------------

class MttyDeviceFaultTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        auto p = std::make_unique<MttyParent>();
        ASSERT_TRUE(core.register_parent(std::move(p)));
        ASSERT_TRUE(core.find_parent("mtty")->register_ops(core));
        core.bus().register_driver(vfio::vfio_pci_driver());
    }

    vfio::PciFunction &make(const char *type, const char *cls = "vfio")
    {
        Result<Device *> r = core.create({"mtty", type, ::mdev::test::uuid_n(1), cls, &host});
        EXPECT_TRUE(r) << r.error().message;
        dev = *r;
        vfio::PciFunction *f = vfio::pci_function(*dev);
        if (f) {
            f->connect_irqs();
        }
        return *f;
    }
    std::vector<std::string> names()
    {
        std::vector<std::string> out;
        for (const FaultSet::Entry &e : dev->faults().entries()) {
            out.emplace_back(e.decl->name);
        }
        return out;
    }
    bool pin() const { return !host.intx.empty() && host.intx.back(); }

    ::mdev::test::RecordingHost host;
    Core core;
    Device *dev = nullptr;
};

TEST_F(MttyDeviceFaultTest, VfioClassOffersTheUartFaults)
{
    make("mtty-2");
    // The parent declares its own as the function opens, before the
    // frontend's.
    EXPECT_THAT(names(), ElementsAre("parity-error", "framing-error", "overrun", "break",
                                     "modem-lines", "drop-irq", "spurious-irq", "dma-error"));
}

// The virtio face has no UART: no line status, no modem lines. (A driver
// that builds no transport: what is declared is the parent's alone.)
TEST_F(MttyDeviceFaultTest, VirtioClassOffersNone)
{
    test::NullVirtioDriver virtio_driver;
    core.bus().register_driver(virtio_driver);
    Result<Device *> r = core.create({"mtty", "mtty-2", ::mdev::test::uuid_n(1), "virtio", &host});
    ASSERT_TRUE(r) << r.error().message;
    dev = *r;
    EXPECT_THAT(names(), IsEmpty());
    ASSERT_TRUE(core.remove(::mdev::test::uuid_n(1))); // before the driver goes
}

TEST_F(MttyDeviceFaultTest, SinglePortCardRefusesPortOne)
{
    make("mtty-1");
    Status s = dev->faults().inject("overrun", 1, 0, std::vector<FaultArgText>{{"port", "1"}});
    ASSERT_FALSE(s);
    EXPECT_THAT(s.error().message, HasSubstr("takes 0 to 0, not 1"));
    EXPECT_TRUE(dev->faults().inject("overrun", 1, 0, std::vector<FaultArgText>{{"port", "0"}}));
}

// The 8250 driver's view through the BAR, on port 1 of an mtty-2: the
// receiver line status interrupt on INTx, the marked character.
TEST_F(MttyDeviceFaultTest, ParityErrorThroughTheBar)
{
    vfio::PciFunction &f = make("mtty-2");
    f.bar_write(1, UART_FCR, UART_FCR_ENABLE_FIFO, 1);
    f.bar_write(1, UART_LCR, UART_LCR_WLEN8 | UART_LCR_PARITY, 1);
    f.bar_write(1, UART_IER, UART_IER_RLSI, 1);
    ASSERT_TRUE(dev->faults().inject("parity-error", 1, 0,
                                     std::vector<FaultArgText>{{"port", "1"}}));
    f.bar_write(0, UART_TX, 'n', 1); // port 0: untouched
    EXPECT_FALSE(pin());
    trace_record::take();
    _TRACE_MDEV_FAULT_FIRE_DSTATE = _TRACE_MDEV_MTTY_LINE_FAULT_DSTATE = 1;
    f.bar_write(1, UART_TX, 'p', 1);
    _TRACE_MDEV_FAULT_FIRE_DSTATE = _TRACE_MDEV_MTTY_LINE_FAULT_DSTATE = 0;
    EXPECT_TRUE(pin());
    EXPECT_EQ(f.bar_read(1, UART_IIR, 1), std::uint64_t(kIirFifo | UART_IIR_RLSI));
    EXPECT_EQ(f.bar_read(1, UART_LSR, 1),
              std::uint64_t(kLsrIdle | UART_LSR_DR | UART_LSR_PE | UART_LSR_FIFOE));
    EXPECT_FALSE(pin());
    EXPECT_EQ(f.bar_read(1, UART_RX, 1), std::uint64_t('p'));
    const std::string u = ::mdev::test::uuid_n(1);
    EXPECT_THAT(trace_record::take(),
                ElementsAre("mdev_fault_fire: " + u + " parity-error fired on port 1 character 0x70",
                            "mdev_mtty_line_fault: " + u +
                                " port 1: received: character 0x70, LSR errors 0x04"));
}

// modem-lines happens at once: MSR, the modem status interrupt on INTx,
// a trace of the change; each injection counted.
TEST_F(MttyDeviceFaultTest, ModemLinesAtOnce)
{
    vfio::PciFunction &f = make("mtty-2");
    f.bar_write(0, UART_MCR, UART_MCR_DTR | UART_MCR_RTS, 1);
    f.bar_read(0, UART_MSR, 1);
    f.bar_write(0, UART_IER, UART_IER_MSI, 1);
    ASSERT_FALSE(pin());
    trace_record::take();
    _TRACE_MDEV_MTTY_MODEM_LINES_DSTATE = 1;
    Status s = dev->faults().inject(
        "modem-lines", 1, 0, std::vector<FaultArgText>{{"cts", "false"}, {"dcd", "off"}});
    _TRACE_MDEV_MTTY_MODEM_LINES_DSTATE = 0;
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_TRUE(pin());
    EXPECT_EQ(f.bar_read(0, UART_IIR, 1), std::uint64_t(UART_IIR_MSI));
    EXPECT_EQ(f.bar_read(0, UART_MSR, 1),
              std::uint64_t(UART_MSR_DSR | UART_MSR_DCTS | UART_MSR_DDCD));
    EXPECT_FALSE(pin());
    EXPECT_THAT(trace_record::take(),
                ElementsAre("mdev_mtty_modem_lines: " + ::mdev::test::uuid_n(1) +
                            " port 0: modem-lines: MSR 0xb0 -> 0x29"));
    // Port 1's lines, RI's trailing edge.
    f.bar_write(1, UART_IER, UART_IER_MSI, 1);
    ASSERT_TRUE(dev->faults().inject(
        "modem-lines", 1, 0, std::vector<FaultArgText>{{"port", "1"}, {"ri", "true"}}));
    EXPECT_FALSE(pin());
    EXPECT_EQ(f.bar_read(1, UART_MSR, 1), std::uint64_t(UART_MSR_RI));
    ASSERT_TRUE(dev->faults().inject(
        "modem-lines", 1, 0, std::vector<FaultArgText>{{"port", "1"}, {"ri", "false"}}));
    EXPECT_TRUE(pin());
    EXPECT_EQ(f.bar_read(1, UART_MSR, 1), std::uint64_t(UART_MSR_TERI));
    EXPECT_FALSE(pin());
    EXPECT_EQ(dev->faults().entries()[*dev->faults().find("modem-lines")].fired, 3u);
    EXPECT_FALSE(dev->faults().any_armed());
    EXPECT_THAT(host.errors, IsEmpty());
}

// VFIO_DEVICE_RESET: the ports' power-on state, the far end's lines back
// to the plug.
TEST_F(MttyDeviceFaultTest, DeviceResetReleasesTheLines)
{
    vfio::PciFunction &f = make("mtty-1");
    ASSERT_TRUE(dev->faults().inject("modem-lines", 1, 0,
                                     std::vector<FaultArgText>{{"dsr", "true"}}));
    EXPECT_EQ(f.bar_read(0, UART_MSR, 1), std::uint64_t(UART_MSR_DSR | UART_MSR_DDSR));
    f.reset();
    EXPECT_EQ(f.bar_read(0, UART_MSR, 1), 0u);
}

} // namespace
} // namespace mdev::samples
