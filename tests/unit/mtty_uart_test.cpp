// SPDX-License-Identifier: GPL-2.0-or-later
// The mtty port's 16550A register model, checked against PC16550D datasheet
// semantics (and the lead's choices for the infinitely fast loopback line).
#include "samples/mtty/mtty_uart.hpp"

#include <gtest/gtest.h>

#include <cstdint>

#include "samples/mtty/mtty_state.hpp"

namespace mdev::samples {
namespace {

class UartTest : public ::testing::Test {
protected:
    std::uint8_t rd(std::uint8_t reg) { return uart.read(reg); }
    void wr(std::uint8_t reg, std::uint8_t value) { uart.write(reg, value); }

    void enable_fifo(std::uint8_t trigger) { wr(uart_reg::kFcr, fcr::kFifoEnable | trigger); }

    // Transmits `count` bytes first, first+1, ...; they loop back into RX.
    void send(int count, std::uint8_t first = 0x40)
    {
        for (int i = 0; i < count; i++) {
            wr(uart_reg::kRbrThr, static_cast<std::uint8_t>(first + i));
        }
    }

    void set_dlab(bool on) { wr(uart_reg::kLcr, on ? lcr::kDlab : 0); }

    MttyUartState state{};
    Uart16550 uart{state};
};

// ---- Reset ---------------------------------------------------------------

TEST_F(UartTest, ZeroStateReadsAsDatasheetResetValues)
{
    EXPECT_EQ(rd(uart_reg::kIer), 0x00);
    EXPECT_EQ(rd(uart_reg::kIir), 0x01);
    EXPECT_EQ(rd(uart_reg::kLcr), 0x00);
    EXPECT_EQ(rd(uart_reg::kMcr), 0x00);
    EXPECT_EQ(rd(uart_reg::kLsr), 0x60);
    EXPECT_EQ(rd(uart_reg::kMsr), 0x00);
    EXPECT_EQ(rd(uart_reg::kScr), 0x00);
    EXPECT_EQ(uart.rx_count(), 0);
    EXPECT_FALSE(uart.fifo_enabled());
    EXPECT_FALSE(uart.irq_asserted());
    set_dlab(true);
    EXPECT_EQ(rd(uart_reg::kDll), 0x00);
    EXPECT_EQ(rd(uart_reg::kDlm), 0x00);
}

TEST_F(UartTest, ResetRestoresEveryRegisterAfterActivity)
{
    set_dlab(true);
    wr(uart_reg::kDll, 0x0c);
    wr(uart_reg::kDlm, 0x01);
    wr(uart_reg::kLcr, 0x03);
    enable_fifo(fcr::kTrigger8);
    wr(uart_reg::kIer, 0x0f);
    wr(uart_reg::kMcr, 0x1f);
    wr(uart_reg::kScr, 0x5a);
    send(17);
    ASSERT_TRUE(uart.irq_asserted());

    uart.reset();

    EXPECT_EQ(rd(uart_reg::kIer), 0x00);
    EXPECT_EQ(rd(uart_reg::kIir), 0x01);
    EXPECT_EQ(rd(uart_reg::kLcr), 0x00);
    EXPECT_EQ(rd(uart_reg::kMcr), 0x00);
    EXPECT_EQ(rd(uart_reg::kLsr), 0x60);
    EXPECT_EQ(rd(uart_reg::kMsr), 0x00);
    EXPECT_EQ(rd(uart_reg::kScr), 0x00);
    EXPECT_EQ(uart.rx_count(), 0);
    EXPECT_FALSE(uart.fifo_enabled());
    EXPECT_FALSE(uart.irq_asserted());
    EXPECT_FALSE(state.thre_pending);
    EXPECT_EQ(state.msr_deltas, 0);
    set_dlab(true);
    EXPECT_EQ(rd(uart_reg::kDll), 0x00);
    EXPECT_EQ(rd(uart_reg::kDlm), 0x00);
}

TEST_F(UartTest, ResetLeavesAllZeroState)
{
    enable_fifo(fcr::kTrigger14);
    send(20, 0x80);
    wr(uart_reg::kMcr, 0x1f);
    uart.reset();
    for (std::uint8_t byte : state.rx_fifo) {
        EXPECT_EQ(byte, 0);
    }
    EXPECT_EQ(state.rx_head, 0);
    EXPECT_EQ(state.rx_count, 0);
    EXPECT_EQ(state.fcr, 0);
    EXPECT_EQ(state.mcr, 0);
    EXPECT_FALSE(state.overrun);
}

TEST_F(UartTest, ConstructorTakesExistingStateAsIs)
{
    MttyUartState loaded{};
    loaded.scr = 0x77;
    loaded.fcr = fcr::kFifoEnable;
    loaded.rx_fifo[5] = 0x33;
    loaded.rx_head = 5;
    loaded.rx_count = 1;
    Uart16550 restored(loaded);
    EXPECT_EQ(restored.read(uart_reg::kScr), 0x77);
    EXPECT_EQ(restored.rx_count(), 1);
    EXPECT_EQ(restored.read(uart_reg::kRbrThr), 0x33);
}

// ---- Plain registers -----------------------------------------------------

TEST_F(UartTest, ScratchRegisterReadsBackWhatWasWritten)
{
    wr(uart_reg::kScr, 0xa5);
    EXPECT_EQ(rd(uart_reg::kScr), 0xa5);
    wr(uart_reg::kScr, 0x5a);
    EXPECT_EQ(rd(uart_reg::kScr), 0x5a);
}

TEST_F(UartTest, LcrStoresAllEightBits)
{
    wr(uart_reg::kLcr, 0x7f);
    EXPECT_EQ(rd(uart_reg::kLcr), 0x7f);
    wr(uart_reg::kLcr, 0xbf);
    EXPECT_EQ(rd(uart_reg::kLcr), 0xbf);
}

TEST_F(UartTest, IerKeepsOnlyLowFourBits)
{
    wr(uart_reg::kIer, 0xff);
    EXPECT_EQ(rd(uart_reg::kIer), 0x0f);
    wr(uart_reg::kIer, 0xf5);
    EXPECT_EQ(rd(uart_reg::kIer), 0x05);
}

TEST_F(UartTest, McrKeepsOnlyLowFiveBits)
{
    wr(uart_reg::kMcr, 0xff);
    EXPECT_EQ(rd(uart_reg::kMcr), 0x1f);
    wr(uart_reg::kMcr, 0xe3);
    EXPECT_EQ(rd(uart_reg::kMcr), 0x03);
}

TEST_F(UartTest, LsrWriteIsIgnored)
{
    wr(uart_reg::kLsr, 0xff);
    EXPECT_EQ(rd(uart_reg::kLsr), 0x60);
    EXPECT_EQ(uart.rx_count(), 0);
}

TEST_F(UartTest, MsrWriteIsIgnored)
{
    wr(uart_reg::kMsr, 0xff);
    EXPECT_EQ(rd(uart_reg::kMsr), 0x00);
}

TEST_F(UartTest, OutOfRangeRegisterReadsFfAndWriteIsIgnored)
{
    EXPECT_EQ(rd(uart_reg::kCount), 0xff);
    EXPECT_EQ(rd(0xff), 0xff);
    const MttyUartState before = state;
    wr(uart_reg::kCount, 0x12);
    wr(0xff, 0x34);
    EXPECT_EQ(state.scr, before.scr);
    EXPECT_EQ(state.lcr, before.lcr);
    EXPECT_EQ(state.rx_count, before.rx_count);
    EXPECT_EQ(rd(uart_reg::kIir), 0x01);
}

TEST_F(UartTest, OffsetTwoWritesFcrAndReadsIir)
{
    enable_fifo(fcr::kTrigger1);
    EXPECT_TRUE(uart.fifo_enabled());
    EXPECT_EQ(rd(uart_reg::kIir), 0xc1);
}

TEST_F(UartTest, IirTopBitsFollowFifoEnable)
{
    EXPECT_EQ(rd(uart_reg::kIir) & 0xc0, 0x00);
    enable_fifo(fcr::kTrigger14);
    EXPECT_EQ(rd(uart_reg::kIir) & 0xc0, 0xc0);
    wr(uart_reg::kFcr, 0x00);
    EXPECT_EQ(rd(uart_reg::kIir) & 0xc0, 0x00);
}

// ---- Divisor latch (DLAB) ------------------------------------------------

TEST_F(UartTest, DlabMapsOffsetZeroToDivisorLatchLow)
{
    set_dlab(true);
    wr(uart_reg::kDll, 0x0c);
    EXPECT_EQ(rd(uart_reg::kDll), 0x0c);
    EXPECT_EQ(uart.rx_count(), 0);
    EXPECT_EQ(rd(uart_reg::kLsr), 0x60);
}

TEST_F(UartTest, DlabMapsOffsetOneToDivisorLatchHigh)
{
    set_dlab(true);
    wr(uart_reg::kDlm, 0xab);
    EXPECT_EQ(rd(uart_reg::kDlm), 0xab);
    set_dlab(false);
    EXPECT_EQ(rd(uart_reg::kIer), 0x00);
}

TEST_F(UartTest, DivisorLatchKeepsValueWhileDlabIsClear)
{
    set_dlab(true);
    wr(uart_reg::kDll, 0x01);
    wr(uart_reg::kDlm, 0x02);
    set_dlab(false);
    wr(uart_reg::kIer, 0x05);
    send(1, 0x99);
    EXPECT_EQ(rd(uart_reg::kIer), 0x05);
    set_dlab(true);
    EXPECT_EQ(rd(uart_reg::kDll), 0x01);
    EXPECT_EQ(rd(uart_reg::kDlm), 0x02);
}

TEST_F(UartTest, DivisorLatchReadDoesNotPopReceiver)
{
    send(1, 0x41);
    set_dlab(true);
    EXPECT_EQ(rd(uart_reg::kDll), 0x00);
    EXPECT_EQ(uart.rx_count(), 1);
    set_dlab(false);
    EXPECT_EQ(rd(uart_reg::kRbrThr), 0x41);
}

TEST_F(UartTest, DlabLeavesOffsetsTwoToSevenAlone)
{
    wr(uart_reg::kLcr, lcr::kDlab | 0x03);
    enable_fifo(fcr::kTrigger1);
    wr(uart_reg::kMcr, mcr::kRts);
    wr(uart_reg::kScr, 0x42);
    EXPECT_EQ(rd(uart_reg::kIir), 0xc1);
    EXPECT_EQ(rd(uart_reg::kLcr), 0x83);
    EXPECT_EQ(rd(uart_reg::kMcr), 0x02);
    EXPECT_EQ(rd(uart_reg::kLsr), 0x60);
    EXPECT_EQ(rd(uart_reg::kMsr), 0x11);
    EXPECT_EQ(rd(uart_reg::kScr), 0x42);
}

// ---- Transmit / receive --------------------------------------------------

TEST_F(UartTest, ThrWriteLoopsBackIntoOwnReceiver)
{
    wr(uart_reg::kRbrThr, 0x41);
    EXPECT_EQ(rd(uart_reg::kLsr), 0x61);
    EXPECT_EQ(rd(uart_reg::kRbrThr), 0x41);
    EXPECT_EQ(rd(uart_reg::kLsr), 0x60);
}

TEST_F(UartTest, TransmitterAlwaysReportsEmpty)
{
    enable_fifo(fcr::kTrigger1);
    send(16);
    EXPECT_EQ(rd(uart_reg::kLsr) & (lsr::kThrEmpty | lsr::kTransmitterEmpty), 0x60);
    send(5);
    EXPECT_EQ(rd(uart_reg::kLsr) & (lsr::kThrEmpty | lsr::kTransmitterEmpty), 0x60);
}

TEST_F(UartTest, RbrReadWithNoDataReturnsZeroWithoutUnderflow)
{
    EXPECT_EQ(rd(uart_reg::kRbrThr), 0x00);
    EXPECT_EQ(rd(uart_reg::kRbrThr), 0x00);
    EXPECT_EQ(uart.rx_count(), 0);
    send(1, 0x55);
    EXPECT_EQ(uart.rx_count(), 1);
    EXPECT_EQ(rd(uart_reg::kRbrThr), 0x55);
    EXPECT_EQ(rd(uart_reg::kRbrThr), 0x00);
    EXPECT_EQ(uart.rx_count(), 0);
}

TEST_F(UartTest, FifoModeHoldsSixteenBytesInOrder)
{
    enable_fifo(fcr::kTrigger1);
    send(16, 0x10);
    EXPECT_EQ(uart.rx_count(), 16);
    EXPECT_EQ(rd(uart_reg::kLsr), 0x61);
    for (int i = 0; i < 16; i++) {
        EXPECT_EQ(rd(uart_reg::kRbrThr), 0x10 + i) << "byte " << i;
    }
    EXPECT_EQ(rd(uart_reg::kLsr), 0x60);
}

TEST_F(UartTest, FifoRingWrapsAround)
{
    enable_fifo(fcr::kTrigger1);
    send(10, 0x00);
    for (int i = 0; i < 10; i++) {
        rd(uart_reg::kRbrThr);
    }
    send(16, 0x20);
    EXPECT_EQ(uart.rx_count(), 16);
    EXPECT_EQ(rd(uart_reg::kLsr), 0x61);
    for (int i = 0; i < 16; i++) {
        EXPECT_EQ(rd(uart_reg::kRbrThr), 0x20 + i) << "byte " << i;
    }
}

TEST_F(UartTest, FifoOverrunLosesSeventeenthByteAndSetsOe)
{
    enable_fifo(fcr::kTrigger1);
    send(16, 0x30);
    EXPECT_EQ(rd(uart_reg::kLsr), 0x61);
    send(1, 0xee);
    EXPECT_EQ(uart.rx_count(), 16);
    EXPECT_EQ(rd(uart_reg::kLsr), 0x63);
    for (int i = 0; i < 16; i++) {
        EXPECT_EQ(rd(uart_reg::kRbrThr), 0x30 + i) << "byte " << i;
    }
    EXPECT_EQ(rd(uart_reg::kRbrThr), 0x00);
}

TEST_F(UartTest, LsrReadClearsOverrun)
{
    enable_fifo(fcr::kTrigger1);
    send(17);
    EXPECT_EQ(rd(uart_reg::kLsr), 0x63);
    EXPECT_EQ(rd(uart_reg::kLsr), 0x61);
    EXPECT_EQ(uart.rx_count(), 16);
}

TEST_F(UartTest, OverrunPersistsUntilLsrRead)
{
    enable_fifo(fcr::kTrigger1);
    send(17);
    rd(uart_reg::kRbrThr);
    send(1);
    EXPECT_EQ(uart.peek_lsr(), 0x63);
    EXPECT_EQ(rd(uart_reg::kLsr), 0x63);
}

TEST_F(UartTest, LsrNeverReportsLineErrors)
{
    enable_fifo(fcr::kTrigger1);
    send(40);
    const std::uint8_t errors = lsr::kParityError | lsr::kFramingError |
                                lsr::kBreak | lsr::kRxFifoError;
    EXPECT_EQ(rd(uart_reg::kLsr) & errors, 0);
}

TEST_F(UartTest, NonFifoModeHoldsOneByte)
{
    send(1, 0x61);
    EXPECT_EQ(uart.rx_count(), 1);
    EXPECT_EQ(rd(uart_reg::kLsr), 0x61);
    EXPECT_EQ(rd(uart_reg::kRbrThr), 0x61);
    EXPECT_EQ(rd(uart_reg::kLsr), 0x60);
}

TEST_F(UartTest, NonFifoOverrunOverwritesUnreadByte)
{
    send(1, 0x61);
    send(1, 0x62);
    EXPECT_EQ(uart.rx_count(), 1);
    EXPECT_EQ(rd(uart_reg::kLsr), 0x63);
    EXPECT_EQ(rd(uart_reg::kRbrThr), 0x62);
    EXPECT_EQ(rd(uart_reg::kLsr), 0x60);
}

TEST_F(UartTest, NonFifoByteAfterReadIsNoOverrun)
{
    send(1, 0x61);
    rd(uart_reg::kRbrThr);
    send(1, 0x62);
    EXPECT_EQ(rd(uart_reg::kLsr), 0x61);
    EXPECT_EQ(rd(uart_reg::kRbrThr), 0x62);
}

// ---- FCR -----------------------------------------------------------------

TEST_F(UartTest, EnablingFifoClearsReceiver)
{
    send(1, 0x61);
    enable_fifo(fcr::kTrigger1);
    EXPECT_EQ(uart.rx_count(), 0);
    EXPECT_EQ(rd(uart_reg::kLsr), 0x60);
}

TEST_F(UartTest, DisablingFifoClearsReceiver)
{
    enable_fifo(fcr::kTrigger1);
    send(5);
    wr(uart_reg::kFcr, 0x00);
    EXPECT_FALSE(uart.fifo_enabled());
    EXPECT_EQ(uart.rx_count(), 0);
    EXPECT_EQ(rd(uart_reg::kLsr), 0x60);
}

TEST_F(UartTest, RewritingFifoEnableKeepsContents)
{
    enable_fifo(fcr::kTrigger1);
    send(5, 0x70);
    enable_fifo(fcr::kTrigger8);
    EXPECT_EQ(uart.rx_count(), 5);
    EXPECT_EQ(uart.rx_trigger_level(), 8);
    EXPECT_EQ(rd(uart_reg::kRbrThr), 0x70);
}

TEST_F(UartTest, FcrClearRxEmptiesFifo)
{
    enable_fifo(fcr::kTrigger1);
    send(9);
    wr(uart_reg::kFcr, fcr::kFifoEnable | fcr::kClearRx);
    EXPECT_EQ(uart.rx_count(), 0);
    EXPECT_EQ(rd(uart_reg::kLsr), 0x60);
    EXPECT_EQ(rd(uart_reg::kRbrThr), 0x00);
}

TEST_F(UartTest, FcrClearRxIsSelfClearing)
{
    enable_fifo(fcr::kTrigger1);
    send(3);
    wr(uart_reg::kFcr, fcr::kFifoEnable | fcr::kClearRx);
    send(2, 0x50);
    EXPECT_TRUE(uart.fifo_enabled());
    EXPECT_EQ(uart.rx_count(), 2);
    EXPECT_EQ(rd(uart_reg::kRbrThr), 0x50);
    EXPECT_EQ(rd(uart_reg::kRbrThr), 0x51);
}

TEST_F(UartTest, FcrClearRxKeepsOverrunFlag)
{
    enable_fifo(fcr::kTrigger1);
    send(17);
    wr(uart_reg::kFcr, fcr::kFifoEnable | fcr::kClearRx);
    EXPECT_EQ(rd(uart_reg::kLsr), 0x62);
}

TEST_F(UartTest, FcrClearTxLeavesReceiverAlone)
{
    enable_fifo(fcr::kTrigger1);
    send(3);
    wr(uart_reg::kFcr, fcr::kFifoEnable | fcr::kClearTx);
    EXPECT_EQ(uart.rx_count(), 3);
    EXPECT_EQ(rd(uart_reg::kLsr), 0x61);
}

TEST_F(UartTest, FcrBitsIgnoredWhileFifoEnableIsClear)
{
    send(1, 0x61);
    wr(uart_reg::kFcr, fcr::kClearRx | fcr::kClearTx | fcr::kTrigger14);
    EXPECT_FALSE(uart.fifo_enabled());
    EXPECT_EQ(uart.rx_count(), 1);
    EXPECT_EQ(uart.rx_trigger_level(), 1);
    EXPECT_EQ(rd(uart_reg::kIir) & 0xc0, 0x00);
    EXPECT_EQ(rd(uart_reg::kRbrThr), 0x61);
}

TEST_F(UartTest, DmaModeBitIsStoredWithoutEffect)
{
    wr(uart_reg::kFcr, fcr::kFifoEnable | fcr::kDmaMode | fcr::kTrigger4);
    EXPECT_EQ(state.fcr, fcr::kFifoEnable | fcr::kDmaMode | fcr::kTrigger4);
    EXPECT_EQ(uart.rx_trigger_level(), 4);
    send(16);
    EXPECT_EQ(uart.rx_count(), 16);
    EXPECT_EQ(rd(uart_reg::kLsr), 0x61);
}

TEST_F(UartTest, TriggerLevelDecodesFcrBits)
{
    EXPECT_EQ(uart.rx_trigger_level(), 1);
    enable_fifo(fcr::kTrigger1);
    EXPECT_EQ(uart.rx_trigger_level(), 1);
    enable_fifo(fcr::kTrigger4);
    EXPECT_EQ(uart.rx_trigger_level(), 4);
    enable_fifo(fcr::kTrigger8);
    EXPECT_EQ(uart.rx_trigger_level(), 8);
    enable_fifo(fcr::kTrigger14);
    EXPECT_EQ(uart.rx_trigger_level(), 14);
}

// ---- Receive interrupts and trigger levels -------------------------------

TEST_F(UartTest, TriggerLevel1ReportsDataAvailableOnFirstByte)
{
    enable_fifo(fcr::kTrigger1);
    wr(uart_reg::kIer, ier::kRxDataAvailable);
    EXPECT_EQ(rd(uart_reg::kIir), 0xc1);
    send(1);
    EXPECT_EQ(rd(uart_reg::kIir), 0xc4);
    EXPECT_TRUE(uart.irq_asserted());
}

TEST_F(UartTest, TriggerLevel4ReportsTimeoutBelowAndDataAvailableAt)
{
    enable_fifo(fcr::kTrigger4);
    wr(uart_reg::kIer, ier::kRxDataAvailable);
    send(3);
    EXPECT_EQ(rd(uart_reg::kIir), 0xcc);
    EXPECT_TRUE(uart.irq_asserted());
    send(1);
    EXPECT_EQ(rd(uart_reg::kIir), 0xc4);
}

TEST_F(UartTest, TriggerLevel8ReportsTimeoutBelowAndDataAvailableAt)
{
    enable_fifo(fcr::kTrigger8);
    wr(uart_reg::kIer, ier::kRxDataAvailable);
    send(7);
    EXPECT_EQ(rd(uart_reg::kIir), 0xcc);
    send(1);
    EXPECT_EQ(rd(uart_reg::kIir), 0xc4);
}

TEST_F(UartTest, TriggerLevel14ReportsTimeoutBelowAndDataAvailableAt)
{
    enable_fifo(fcr::kTrigger14);
    wr(uart_reg::kIer, ier::kRxDataAvailable);
    send(1);
    EXPECT_EQ(rd(uart_reg::kIir), 0xcc);
    send(12);
    EXPECT_EQ(rd(uart_reg::kIir), 0xcc);
    send(1);
    EXPECT_EQ(rd(uart_reg::kIir), 0xc4);
    send(2);
    EXPECT_EQ(rd(uart_reg::kIir), 0xc4);
}

TEST_F(UartTest, DrainingBelowTriggerTurnsDataAvailableIntoTimeout)
{
    enable_fifo(fcr::kTrigger4);
    wr(uart_reg::kIer, ier::kRxDataAvailable);
    send(4);
    EXPECT_EQ(rd(uart_reg::kIir), 0xc4);
    rd(uart_reg::kRbrThr);
    EXPECT_EQ(rd(uart_reg::kIir), 0xcc);
    rd(uart_reg::kRbrThr);
    rd(uart_reg::kRbrThr);
    rd(uart_reg::kRbrThr);
    EXPECT_EQ(rd(uart_reg::kIir), 0xc1);
    EXPECT_FALSE(uart.irq_asserted());
}

TEST_F(UartTest, NonFifoModeReportsDataAvailableNeverTimeout)
{
    wr(uart_reg::kIer, ier::kRxDataAvailable);
    send(1);
    EXPECT_EQ(rd(uart_reg::kIir), 0x04);
    rd(uart_reg::kRbrThr);
    EXPECT_EQ(rd(uart_reg::kIir), 0x01);
}

TEST_F(UartTest, ReceiveInterruptsNeedErbfi)
{
    enable_fifo(fcr::kTrigger4);
    send(2);
    EXPECT_EQ(rd(uart_reg::kIir), 0xc1);
    send(2);
    EXPECT_EQ(rd(uart_reg::kIir), 0xc1);
    EXPECT_FALSE(uart.irq_asserted());
}

TEST_F(UartTest, IirReadDoesNotAcknowledgeReceiveInterrupts)
{
    enable_fifo(fcr::kTrigger1);
    wr(uart_reg::kIer, ier::kRxDataAvailable);
    send(1);
    EXPECT_EQ(rd(uart_reg::kIir), 0xc4);
    EXPECT_EQ(rd(uart_reg::kIir), 0xc4);
}

TEST_F(UartTest, OverrunRaisesLineStatusInterruptWithElsi)
{
    enable_fifo(fcr::kTrigger1);
    wr(uart_reg::kIer, ier::kRxLineStatus);
    send(16);
    EXPECT_EQ(rd(uart_reg::kIir), 0xc1);
    send(1);
    EXPECT_EQ(rd(uart_reg::kIir), 0xc6);
    EXPECT_TRUE(uart.irq_asserted());
    rd(uart_reg::kLsr);
    EXPECT_EQ(rd(uart_reg::kIir), 0xc1);
    EXPECT_FALSE(uart.irq_asserted());
}

TEST_F(UartTest, OverrunWithoutElsiRaisesNoInterrupt)
{
    enable_fifo(fcr::kTrigger1);
    send(17);
    EXPECT_EQ(rd(uart_reg::kIir), 0xc1);
    EXPECT_FALSE(uart.irq_asserted());
}

// ---- IIR priorities ------------------------------------------------------

TEST_F(UartTest, LineStatusOutranksDataAvailable)
{
    enable_fifo(fcr::kTrigger1);
    wr(uart_reg::kIer, ier::kRxDataAvailable | ier::kRxLineStatus);
    send(17);
    EXPECT_EQ(rd(uart_reg::kIir), 0xc6);
    rd(uart_reg::kLsr);
    EXPECT_EQ(rd(uart_reg::kIir), 0xc4);
}

TEST_F(UartTest, LineStatusOutranksTimeout)
{
    // Overrun with data still below the trigger level: only reachable
    // by filling, then draining while OE is still latched.
    enable_fifo(fcr::kTrigger14);
    wr(uart_reg::kIer, ier::kRxDataAvailable | ier::kRxLineStatus);
    send(17);
    for (int i = 0; i < 10; i++) {
        rd(uart_reg::kRbrThr);
    }
    EXPECT_EQ(rd(uart_reg::kIir), 0xc6);
    rd(uart_reg::kLsr);
    EXPECT_EQ(rd(uart_reg::kIir), 0xcc);
}

TEST_F(UartTest, DataAvailableOutranksThrEmpty)
{
    enable_fifo(fcr::kTrigger1);
    wr(uart_reg::kIer, ier::kRxDataAvailable | ier::kThrEmpty);
    send(1);
    EXPECT_EQ(rd(uart_reg::kIir), 0xc4);
    rd(uart_reg::kRbrThr);
    EXPECT_EQ(rd(uart_reg::kIir), 0xc2);
    EXPECT_EQ(rd(uart_reg::kIir), 0xc1);
}

TEST_F(UartTest, TimeoutOutranksThrEmpty)
{
    enable_fifo(fcr::kTrigger8);
    wr(uart_reg::kIer, ier::kRxDataAvailable | ier::kThrEmpty);
    send(2);
    EXPECT_EQ(rd(uart_reg::kIir), 0xcc);
    rd(uart_reg::kRbrThr);
    rd(uart_reg::kRbrThr);
    EXPECT_EQ(rd(uart_reg::kIir), 0xc2);
}

TEST_F(UartTest, ThrEmptyOutranksModemStatus)
{
    wr(uart_reg::kIer, ier::kThrEmpty | ier::kModemStatus);
    wr(uart_reg::kMcr, mcr::kRts);
    EXPECT_EQ(rd(uart_reg::kIir), 0x02);
    EXPECT_EQ(rd(uart_reg::kIir), 0x00);
    rd(uart_reg::kMsr);
    EXPECT_EQ(rd(uart_reg::kIir), 0x01);
}

TEST_F(UartTest, AllSourcesPendingUnwindInPriorityOrder)
{
    enable_fifo(fcr::kTrigger1);
    wr(uart_reg::kIer, ier::kWritableMask);
    wr(uart_reg::kMcr, mcr::kDtr);
    send(17);
    EXPECT_EQ(rd(uart_reg::kIir), 0xc6);
    rd(uart_reg::kLsr);
    EXPECT_EQ(rd(uart_reg::kIir), 0xc4);
    for (int i = 0; i < 16; i++) {
        rd(uart_reg::kRbrThr);
    }
    EXPECT_EQ(rd(uart_reg::kIir), 0xc2);
    EXPECT_EQ(rd(uart_reg::kIir), 0xc0);
    EXPECT_TRUE(uart.irq_asserted());
    rd(uart_reg::kMsr);
    EXPECT_EQ(rd(uart_reg::kIir), 0xc1);
    EXPECT_FALSE(uart.irq_asserted());
}

// ---- THRE interrupt latch ------------------------------------------------

TEST_F(UartTest, EnablingEtbeiRaisesThreInterrupt)
{
    EXPECT_FALSE(uart.irq_asserted());
    wr(uart_reg::kIer, ier::kThrEmpty);
    EXPECT_TRUE(uart.irq_asserted());
    EXPECT_EQ(rd(uart_reg::kIir), 0x02);
}

TEST_F(UartTest, IirReadReportingThreClearsIt)
{
    wr(uart_reg::kIer, ier::kThrEmpty);
    EXPECT_EQ(rd(uart_reg::kIir), 0x02);
    EXPECT_EQ(rd(uart_reg::kIir), 0x01);
    EXPECT_FALSE(uart.irq_asserted());
}

TEST_F(UartTest, ThrWriteRaisesThreAgain)
{
    wr(uart_reg::kIer, ier::kThrEmpty);
    rd(uart_reg::kIir);
    ASSERT_FALSE(uart.irq_asserted());
    send(1);
    EXPECT_TRUE(uart.irq_asserted());
    EXPECT_EQ(rd(uart_reg::kIir), 0x02);
}

TEST_F(UartTest, RewritingEtbeiWhileSetDoesNotRaiseThre)
{
    wr(uart_reg::kIer, ier::kThrEmpty);
    rd(uart_reg::kIir);
    wr(uart_reg::kIer, ier::kThrEmpty | ier::kRxLineStatus);
    EXPECT_EQ(rd(uart_reg::kIir), 0x01);
}

TEST_F(UartTest, TogglingEtbeiOffAndOnRaisesThreAgain)
{
    // Linux's 8250 THRE probe: IER=0, IER=THRI, read IIR, twice.
    for (int round = 0; round < 2; round++) {
        wr(uart_reg::kIer, 0);
        wr(uart_reg::kIer, ier::kThrEmpty);
        EXPECT_EQ(rd(uart_reg::kIir), 0x02) << "round " << round;
    }
}

TEST_F(UartTest, ThreMaskedWhenEtbeiClear)
{
    send(1);
    EXPECT_TRUE(state.thre_pending);
    EXPECT_EQ(rd(uart_reg::kIir), 0x01);
    EXPECT_FALSE(uart.irq_asserted());
}

TEST_F(UartTest, IirReadNamingOtherSourceKeepsThre)
{
    enable_fifo(fcr::kTrigger1);
    wr(uart_reg::kIer, ier::kRxDataAvailable | ier::kThrEmpty);
    rd(uart_reg::kIir); // acknowledges the THRE raised by enabling
    send(1);
    EXPECT_EQ(rd(uart_reg::kIir), 0xc4);
    EXPECT_EQ(rd(uart_reg::kIir), 0xc4);
    rd(uart_reg::kRbrThr);
    EXPECT_EQ(rd(uart_reg::kIir), 0xc2);
}

TEST_F(UartTest, DisablingEtbeiHidesThre)
{
    wr(uart_reg::kIer, ier::kThrEmpty);
    wr(uart_reg::kIer, 0);
    EXPECT_EQ(rd(uart_reg::kIir), 0x01);
    EXPECT_FALSE(uart.irq_asserted());
}

// ---- MSR and the loopback plug -------------------------------------------

TEST_F(UartTest, PlugRoutesRtsToCts)
{
    wr(uart_reg::kMcr, mcr::kRts);
    EXPECT_EQ(rd(uart_reg::kMsr), msr::kCts | msr::kDeltaCts);
    EXPECT_EQ(rd(uart_reg::kMsr), msr::kCts);
}

TEST_F(UartTest, PlugRoutesDtrToDsrAndDcd)
{
    wr(uart_reg::kMcr, mcr::kDtr);
    EXPECT_EQ(rd(uart_reg::kMsr), 0xaa); // DCD DSR DDCD DDSR
    EXPECT_EQ(rd(uart_reg::kMsr), 0xa0);
}

TEST_F(UartTest, PlugLeavesRiLowAndIgnoresOut1Out2)
{
    wr(uart_reg::kMcr, mcr::kOut1 | mcr::kOut2);
    EXPECT_EQ(rd(uart_reg::kMsr), 0x00);
}

TEST_F(UartTest, PlugWithAllOutputsRaised)
{
    wr(uart_reg::kMcr, mcr::kDtr | mcr::kRts | mcr::kOut1 | mcr::kOut2);
    EXPECT_EQ(rd(uart_reg::kMsr), 0xbb); // DCD DSR CTS + DDCD DDSR DCTS
}

TEST_F(UartTest, InternalLoopbackMatchesLinuxAutoconfigProbe)
{
    wr(uart_reg::kMcr, mcr::kLoop | mcr::kRts | mcr::kOut2); // 0x1a
    EXPECT_EQ(rd(uart_reg::kMsr) & msr::kInputMask, 0x90);
}

TEST_F(UartTest, InternalLoopbackRoutesOut1ToRi)
{
    wr(uart_reg::kMcr, mcr::kLoop | mcr::kOut1);
    // RI rising: no delta (TERI is the trailing edge only).
    EXPECT_EQ(rd(uart_reg::kMsr), msr::kRi);
}

TEST_F(UartTest, InternalLoopbackTakesDcdFromOut2NotDtr)
{
    wr(uart_reg::kMcr, mcr::kLoop | mcr::kDtr);
    EXPECT_EQ(rd(uart_reg::kMsr), msr::kDsr | msr::kDeltaDsr);
    wr(uart_reg::kMcr, mcr::kLoop | mcr::kDtr | mcr::kOut2);
    EXPECT_EQ(rd(uart_reg::kMsr), msr::kDcd | msr::kDsr | msr::kDeltaDcd);
}

TEST_F(UartTest, InternalLoopbackWithAllOutputsRaised)
{
    wr(uart_reg::kMcr, mcr::kWritableMask);
    EXPECT_EQ(rd(uart_reg::kMsr), 0xfb); // all inputs + DDCD DDSR DCTS
}

TEST_F(UartTest, RiFallingEdgeSetsTeri)
{
    wr(uart_reg::kMcr, mcr::kLoop | mcr::kOut1);
    rd(uart_reg::kMsr);
    wr(uart_reg::kMcr, mcr::kLoop);
    EXPECT_EQ(rd(uart_reg::kMsr), msr::kTrailingEdgeRi);
    EXPECT_EQ(rd(uart_reg::kMsr), 0x00);
}

TEST_F(UartTest, EnteringLoopModeSwitchesDcdSourceWithDelta)
{
    wr(uart_reg::kMcr, mcr::kDtr);
    rd(uart_reg::kMsr);
    wr(uart_reg::kMcr, mcr::kDtr | mcr::kLoop);
    EXPECT_EQ(rd(uart_reg::kMsr), msr::kDsr | msr::kDeltaDcd);
}

TEST_F(UartTest, DeltasAccumulateUntilMsrRead)
{
    wr(uart_reg::kMcr, mcr::kRts);
    wr(uart_reg::kMcr, 0);
    wr(uart_reg::kMcr, mcr::kDtr);
    EXPECT_EQ(rd(uart_reg::kMsr), 0xa0 | msr::kDeltaCts | msr::kDeltaDsr | msr::kDeltaDcd);
    EXPECT_EQ(rd(uart_reg::kMsr), 0xa0);
}

TEST_F(UartTest, McrWriteWithoutInputChangeSetsNoDelta)
{
    wr(uart_reg::kMcr, mcr::kRts);
    rd(uart_reg::kMsr);
    wr(uart_reg::kMcr, mcr::kRts | mcr::kOut1);
    EXPECT_EQ(rd(uart_reg::kMsr), msr::kCts);
}

TEST_F(UartTest, ModemStatusInterruptNeedsEdssi)
{
    wr(uart_reg::kMcr, mcr::kRts);
    EXPECT_EQ(rd(uart_reg::kIir), 0x01);
    EXPECT_FALSE(uart.irq_asserted());
    wr(uart_reg::kIer, ier::kModemStatus);
    EXPECT_EQ(rd(uart_reg::kIir), 0x00);
    EXPECT_TRUE(uart.irq_asserted());
}

TEST_F(UartTest, MsrReadAcknowledgesModemStatusInterrupt)
{
    wr(uart_reg::kIer, ier::kModemStatus);
    wr(uart_reg::kMcr, mcr::kDtr);
    EXPECT_EQ(rd(uart_reg::kIir), 0x00);
    EXPECT_EQ(rd(uart_reg::kIir), 0x00); // IIR read does not acknowledge it
    rd(uart_reg::kMsr);
    EXPECT_EQ(rd(uart_reg::kIir), 0x01);
    EXPECT_FALSE(uart.irq_asserted());
}

TEST_F(UartTest, DataLoopsBackInInternalLoopbackMode)
{
    wr(uart_reg::kMcr, mcr::kLoop);
    send(1, 0x7e);
    EXPECT_EQ(rd(uart_reg::kLsr), 0x61);
    EXPECT_EQ(rd(uart_reg::kRbrThr), 0x7e);
}

// ---- irq_asserted --------------------------------------------------------

TEST_F(UartTest, IrqNotGatedByOut2)
{
    wr(uart_reg::kIer, ier::kThrEmpty);
    EXPECT_TRUE(uart.irq_asserted());
    wr(uart_reg::kMcr, mcr::kOut2);
    EXPECT_TRUE(uart.irq_asserted());
    wr(uart_reg::kMcr, 0);
    EXPECT_TRUE(uart.irq_asserted());
}

TEST_F(UartTest, IrqFollowsIirBitZero)
{
    enable_fifo(fcr::kTrigger4);
    wr(uart_reg::kIer, ier::kRxDataAvailable);
    EXPECT_FALSE(uart.irq_asserted());
    send(1);
    EXPECT_TRUE(uart.irq_asserted()); // timeout
    EXPECT_EQ(uart.peek_iir() & iir::kNoInterrupt, 0);
    rd(uart_reg::kRbrThr);
    EXPECT_FALSE(uart.irq_asserted());
    EXPECT_EQ(uart.peek_iir() & iir::kNoInterrupt, 1);
}

// ---- Side-effect-free accessors ------------------------------------------

TEST_F(UartTest, PeekIirDoesNotAcknowledgeThre)
{
    wr(uart_reg::kIer, ier::kThrEmpty);
    EXPECT_EQ(uart.peek_iir(), 0x02);
    EXPECT_EQ(uart.peek_iir(), 0x02);
    EXPECT_EQ(rd(uart_reg::kIir), 0x02);
}

TEST_F(UartTest, PeekLsrAndMsrHaveNoSideEffects)
{
    enable_fifo(fcr::kTrigger1);
    send(17);
    wr(uart_reg::kMcr, mcr::kRts);
    EXPECT_EQ(uart.peek_lsr(), 0x63);
    EXPECT_EQ(uart.peek_lsr(), 0x63);
    EXPECT_EQ(uart.peek_msr(), 0x11);
    EXPECT_EQ(uart.peek_msr(), 0x11);
    EXPECT_EQ(uart.rx_count(), 16);
}

// ---- State validation (for migration) ------------------------------------

TEST_F(UartTest, StateIsValidAcceptsResetAndBusyStates)
{
    EXPECT_TRUE(Uart16550::state_is_valid(state));
    enable_fifo(fcr::kTrigger14);
    wr(uart_reg::kIer, 0x0f);
    wr(uart_reg::kMcr, 0x1f);
    send(20);
    EXPECT_TRUE(Uart16550::state_is_valid(state));
}

TEST_F(UartTest, StateIsValidRejectsBrokenInvariants)
{
    auto broken = [](auto mutate) {
        MttyUartState s{};
        s.fcr = fcr::kFifoEnable;
        mutate(s);
        return !Uart16550::state_is_valid(s);
    };
    EXPECT_TRUE(broken([](MttyUartState &s) { s.rx_head = MTTY_FIFO_SIZE; }));
    EXPECT_TRUE(broken([](MttyUartState &s) { s.rx_count = MTTY_FIFO_SIZE + 1; }));
    EXPECT_TRUE(broken([](MttyUartState &s) { s.fcr = 0; s.rx_count = 2; }));
    EXPECT_TRUE(broken([](MttyUartState &s) { s.ier = 0x10; }));
    EXPECT_TRUE(broken([](MttyUartState &s) { s.fcr |= fcr::kClearRx; }));
    EXPECT_TRUE(broken([](MttyUartState &s) { s.mcr = 0x20; }));
    EXPECT_TRUE(broken([](MttyUartState &s) { s.msr_deltas = 0x10; }));
    EXPECT_FALSE(broken([](MttyUartState &s) { s.rx_count = MTTY_FIFO_SIZE; }));
}

} // namespace
} // namespace mdev::samples
