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

    void enable_fifo(std::uint8_t trigger) { wr(UART_FCR, UART_FCR_ENABLE_FIFO | trigger); }

    // Transmits `count` bytes first, first+1, ...; they loop back into RX.
    void send(int count, std::uint8_t first = 0x40)
    {
        for (int i = 0; i < count; i++) {
            wr(UART_TX, static_cast<std::uint8_t>(first + i));
        }
    }

    void set_dlab(bool on) { wr(UART_LCR, on ? UART_LCR_DLAB : 0); }

    MttyUartState state{};
    Uart16550 uart{state};
};

// ---- Reset ---------------------------------------------------------------

TEST_F(UartTest, ZeroStateReadsAsDatasheetResetValues)
{
    EXPECT_EQ(rd(UART_IER), 0x00);
    EXPECT_EQ(rd(UART_IIR), 0x01);
    EXPECT_EQ(rd(UART_LCR), 0x00);
    EXPECT_EQ(rd(UART_MCR), 0x00);
    EXPECT_EQ(rd(UART_LSR), 0x60);
    EXPECT_EQ(rd(UART_MSR), 0x00);
    EXPECT_EQ(rd(UART_SCR), 0x00);
    EXPECT_EQ(uart.rx_count(), 0);
    EXPECT_FALSE(uart.fifo_enabled());
    EXPECT_FALSE(uart.irq_asserted());
    set_dlab(true);
    EXPECT_EQ(rd(UART_DLL), 0x00);
    EXPECT_EQ(rd(UART_DLM), 0x00);
}

TEST_F(UartTest, ResetRestoresEveryRegisterAfterActivity)
{
    set_dlab(true);
    wr(UART_DLL, 0x0c);
    wr(UART_DLM, 0x01);
    wr(UART_LCR, 0x03);
    enable_fifo(UART_FCR_TRIGGER_8);
    wr(UART_IER, 0x0f);
    wr(UART_MCR, 0x1f);
    wr(UART_SCR, 0x5a);
    send(17);
    ASSERT_TRUE(uart.irq_asserted());

    uart.reset();

    EXPECT_EQ(rd(UART_IER), 0x00);
    EXPECT_EQ(rd(UART_IIR), 0x01);
    EXPECT_EQ(rd(UART_LCR), 0x00);
    EXPECT_EQ(rd(UART_MCR), 0x00);
    EXPECT_EQ(rd(UART_LSR), 0x60);
    EXPECT_EQ(rd(UART_MSR), 0x00);
    EXPECT_EQ(rd(UART_SCR), 0x00);
    EXPECT_EQ(uart.rx_count(), 0);
    EXPECT_FALSE(uart.fifo_enabled());
    EXPECT_FALSE(uart.irq_asserted());
    EXPECT_FALSE(state.thre_pending);
    EXPECT_EQ(state.msr_deltas, 0);
    set_dlab(true);
    EXPECT_EQ(rd(UART_DLL), 0x00);
    EXPECT_EQ(rd(UART_DLM), 0x00);
}

TEST_F(UartTest, ResetLeavesAllZeroState)
{
    enable_fifo(UART_FCR_TRIGGER_14);
    send(20, 0x80);
    wr(UART_MCR, 0x1f);
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
    loaded.fcr = UART_FCR_ENABLE_FIFO;
    loaded.rx_fifo[5] = 0x33;
    loaded.rx_head = 5;
    loaded.rx_count = 1;
    Uart16550 restored(loaded);
    EXPECT_EQ(restored.read(UART_SCR), 0x77);
    EXPECT_EQ(restored.rx_count(), 1);
    EXPECT_EQ(restored.read(UART_RX), 0x33);
}

// ---- Plain registers -----------------------------------------------------
// What the register table declares (SCR and LCR store all eight bits, the
// reserved bits of IER and MCR are never stored, LSR and MSR refuse writes
// and read on as before, every reset value) is checked for every table by
// tests/unit/regfile_test.cpp; here only what the hooks add.

TEST_F(UartTest, IerKeepsOnlyLowFourBits)
{
    wr(UART_IER, 0xff);
    EXPECT_EQ(rd(UART_IER), 0x0f);
    wr(UART_IER, 0xf5);
    EXPECT_EQ(rd(UART_IER), 0x05);
}

TEST_F(UartTest, McrKeepsOnlyLowFiveBits)
{
    wr(UART_MCR, 0xff);
    EXPECT_EQ(rd(UART_MCR), 0x1f);
    wr(UART_MCR, 0xe3);
    EXPECT_EQ(rd(UART_MCR), 0x03);
}

TEST_F(UartTest, OutOfRangeRegisterReadsFfAndWriteIsIgnored)
{
    EXPECT_EQ(rd(kUartRegCount), 0xff);
    EXPECT_EQ(rd(0xff), 0xff);
    const MttyUartState before = state;
    wr(kUartRegCount, 0x12);
    wr(0xff, 0x34);
    EXPECT_EQ(state.scr, before.scr);
    EXPECT_EQ(state.lcr, before.lcr);
    EXPECT_EQ(state.rx_count, before.rx_count);
    EXPECT_EQ(rd(UART_IIR), 0x01);
}

TEST_F(UartTest, OffsetTwoWritesFcrAndReadsIir)
{
    enable_fifo(UART_FCR_TRIGGER_1);
    EXPECT_TRUE(uart.fifo_enabled());
    EXPECT_EQ(rd(UART_IIR), 0xc1);
}

TEST_F(UartTest, IirTopBitsFollowFifoEnable)
{
    EXPECT_EQ(rd(UART_IIR) & 0xc0, 0x00);
    enable_fifo(UART_FCR_TRIGGER_14);
    EXPECT_EQ(rd(UART_IIR) & 0xc0, 0xc0);
    wr(UART_FCR, 0x00);
    EXPECT_EQ(rd(UART_IIR) & 0xc0, 0x00);
}

// ---- Divisor latch (DLAB) ------------------------------------------------

TEST_F(UartTest, DlabMapsOffsetZeroToDivisorLatchLow)
{
    set_dlab(true);
    wr(UART_DLL, 0x0c);
    EXPECT_EQ(rd(UART_DLL), 0x0c);
    EXPECT_EQ(uart.rx_count(), 0);
    EXPECT_EQ(rd(UART_LSR), 0x60);
}

TEST_F(UartTest, DlabMapsOffsetOneToDivisorLatchHigh)
{
    set_dlab(true);
    wr(UART_DLM, 0xab);
    EXPECT_EQ(rd(UART_DLM), 0xab);
    set_dlab(false);
    EXPECT_EQ(rd(UART_IER), 0x00);
}

TEST_F(UartTest, DivisorLatchKeepsValueWhileDlabIsClear)
{
    set_dlab(true);
    wr(UART_DLL, 0x01);
    wr(UART_DLM, 0x02);
    set_dlab(false);
    wr(UART_IER, 0x05);
    send(1, 0x99);
    EXPECT_EQ(rd(UART_IER), 0x05);
    set_dlab(true);
    EXPECT_EQ(rd(UART_DLL), 0x01);
    EXPECT_EQ(rd(UART_DLM), 0x02);
}

TEST_F(UartTest, DivisorLatchReadDoesNotPopReceiver)
{
    send(1, 0x41);
    set_dlab(true);
    EXPECT_EQ(rd(UART_DLL), 0x00);
    EXPECT_EQ(uart.rx_count(), 1);
    set_dlab(false);
    EXPECT_EQ(rd(UART_RX), 0x41);
}

TEST_F(UartTest, DlabLeavesOffsetsTwoToSevenAlone)
{
    wr(UART_LCR, UART_LCR_DLAB | 0x03);
    enable_fifo(UART_FCR_TRIGGER_1);
    wr(UART_MCR, UART_MCR_RTS);
    wr(UART_SCR, 0x42);
    EXPECT_EQ(rd(UART_IIR), 0xc1);
    EXPECT_EQ(rd(UART_LCR), 0x83);
    EXPECT_EQ(rd(UART_MCR), 0x02);
    EXPECT_EQ(rd(UART_LSR), 0x60);
    EXPECT_EQ(rd(UART_MSR), 0x11);
    EXPECT_EQ(rd(UART_SCR), 0x42);
}

// ---- Transmit / receive --------------------------------------------------

TEST_F(UartTest, ThrWriteLoopsBackIntoOwnReceiver)
{
    wr(UART_TX, 0x41);
    EXPECT_EQ(rd(UART_LSR), 0x61);
    EXPECT_EQ(rd(UART_RX), 0x41);
    EXPECT_EQ(rd(UART_LSR), 0x60);
}

TEST_F(UartTest, TransmitterAlwaysReportsEmpty)
{
    enable_fifo(UART_FCR_TRIGGER_1);
    send(16);
    EXPECT_EQ(rd(UART_LSR) & (UART_LSR_THRE | UART_LSR_TEMT), 0x60);
    send(5);
    EXPECT_EQ(rd(UART_LSR) & (UART_LSR_THRE | UART_LSR_TEMT), 0x60);
}

TEST_F(UartTest, RbrReadWithNoDataReturnsZeroWithoutUnderflow)
{
    EXPECT_EQ(rd(UART_RX), 0x00);
    EXPECT_EQ(rd(UART_RX), 0x00);
    EXPECT_EQ(uart.rx_count(), 0);
    send(1, 0x55);
    EXPECT_EQ(uart.rx_count(), 1);
    EXPECT_EQ(rd(UART_RX), 0x55);
    EXPECT_EQ(rd(UART_RX), 0x00);
    EXPECT_EQ(uart.rx_count(), 0);
}

TEST_F(UartTest, FifoModeHoldsSixteenBytesInOrder)
{
    enable_fifo(UART_FCR_TRIGGER_1);
    send(16, 0x10);
    EXPECT_EQ(uart.rx_count(), 16);
    EXPECT_EQ(rd(UART_LSR), 0x61);
    for (int i = 0; i < 16; i++) {
        EXPECT_EQ(rd(UART_RX), 0x10 + i) << "byte " << i;
    }
    EXPECT_EQ(rd(UART_LSR), 0x60);
}

TEST_F(UartTest, FifoRingWrapsAround)
{
    enable_fifo(UART_FCR_TRIGGER_1);
    send(10, 0x00);
    for (int i = 0; i < 10; i++) {
        rd(UART_RX);
    }
    send(16, 0x20);
    EXPECT_EQ(uart.rx_count(), 16);
    EXPECT_EQ(rd(UART_LSR), 0x61);
    for (int i = 0; i < 16; i++) {
        EXPECT_EQ(rd(UART_RX), 0x20 + i) << "byte " << i;
    }
}

TEST_F(UartTest, FifoOverrunLosesSeventeenthByteAndSetsOe)
{
    enable_fifo(UART_FCR_TRIGGER_1);
    send(16, 0x30);
    EXPECT_EQ(rd(UART_LSR), 0x61);
    send(1, 0xee);
    EXPECT_EQ(uart.rx_count(), 16);
    EXPECT_EQ(rd(UART_LSR), 0x63);
    for (int i = 0; i < 16; i++) {
        EXPECT_EQ(rd(UART_RX), 0x30 + i) << "byte " << i;
    }
    EXPECT_EQ(rd(UART_RX), 0x00);
}

TEST_F(UartTest, LsrReadClearsOverrun)
{
    enable_fifo(UART_FCR_TRIGGER_1);
    send(17);
    EXPECT_EQ(rd(UART_LSR), 0x63);
    EXPECT_EQ(rd(UART_LSR), 0x61);
    EXPECT_EQ(uart.rx_count(), 16);
}

TEST_F(UartTest, OverrunPersistsUntilLsrRead)
{
    enable_fifo(UART_FCR_TRIGGER_1);
    send(17);
    rd(UART_RX);
    send(1);
    EXPECT_EQ(uart.peek_lsr(), 0x63);
    EXPECT_EQ(rd(UART_LSR), 0x63);
}

TEST_F(UartTest, LsrNeverReportsLineErrors)
{
    enable_fifo(UART_FCR_TRIGGER_1);
    send(40);
    const std::uint8_t errors = UART_LSR_PE | UART_LSR_FE |
                                UART_LSR_BI | UART_LSR_FIFOE;
    EXPECT_EQ(rd(UART_LSR) & errors, 0);
}

TEST_F(UartTest, NonFifoModeHoldsOneByte)
{
    send(1, 0x61);
    EXPECT_EQ(uart.rx_count(), 1);
    EXPECT_EQ(rd(UART_LSR), 0x61);
    EXPECT_EQ(rd(UART_RX), 0x61);
    EXPECT_EQ(rd(UART_LSR), 0x60);
}

TEST_F(UartTest, NonFifoOverrunOverwritesUnreadByte)
{
    send(1, 0x61);
    send(1, 0x62);
    EXPECT_EQ(uart.rx_count(), 1);
    EXPECT_EQ(rd(UART_LSR), 0x63);
    EXPECT_EQ(rd(UART_RX), 0x62);
    EXPECT_EQ(rd(UART_LSR), 0x60);
}

TEST_F(UartTest, NonFifoByteAfterReadIsNoOverrun)
{
    send(1, 0x61);
    rd(UART_RX);
    send(1, 0x62);
    EXPECT_EQ(rd(UART_LSR), 0x61);
    EXPECT_EQ(rd(UART_RX), 0x62);
}

// ---- FCR -----------------------------------------------------------------

TEST_F(UartTest, EnablingFifoClearsReceiver)
{
    send(1, 0x61);
    enable_fifo(UART_FCR_TRIGGER_1);
    EXPECT_EQ(uart.rx_count(), 0);
    EXPECT_EQ(rd(UART_LSR), 0x60);
}

TEST_F(UartTest, DisablingFifoClearsReceiver)
{
    enable_fifo(UART_FCR_TRIGGER_1);
    send(5);
    wr(UART_FCR, 0x00);
    EXPECT_FALSE(uart.fifo_enabled());
    EXPECT_EQ(uart.rx_count(), 0);
    EXPECT_EQ(rd(UART_LSR), 0x60);
}

TEST_F(UartTest, RewritingFifoEnableKeepsContents)
{
    enable_fifo(UART_FCR_TRIGGER_1);
    send(5, 0x70);
    enable_fifo(UART_FCR_TRIGGER_8);
    EXPECT_EQ(uart.rx_count(), 5);
    EXPECT_EQ(uart.rx_trigger_level(), 8);
    EXPECT_EQ(rd(UART_RX), 0x70);
}

TEST_F(UartTest, FcrClearRxEmptiesFifo)
{
    enable_fifo(UART_FCR_TRIGGER_1);
    send(9);
    wr(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR);
    EXPECT_EQ(uart.rx_count(), 0);
    EXPECT_EQ(rd(UART_LSR), 0x60);
    EXPECT_EQ(rd(UART_RX), 0x00);
}

TEST_F(UartTest, FcrClearRxIsSelfClearing)
{
    enable_fifo(UART_FCR_TRIGGER_1);
    send(3);
    wr(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR);
    send(2, 0x50);
    EXPECT_TRUE(uart.fifo_enabled());
    EXPECT_EQ(uart.rx_count(), 2);
    EXPECT_EQ(rd(UART_RX), 0x50);
    EXPECT_EQ(rd(UART_RX), 0x51);
}

TEST_F(UartTest, FcrClearRxKeepsOverrunFlag)
{
    enable_fifo(UART_FCR_TRIGGER_1);
    send(17);
    wr(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR);
    EXPECT_EQ(rd(UART_LSR), 0x62);
}

TEST_F(UartTest, FcrClearTxLeavesReceiverAlone)
{
    enable_fifo(UART_FCR_TRIGGER_1);
    send(3);
    wr(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_XMIT);
    EXPECT_EQ(uart.rx_count(), 3);
    EXPECT_EQ(rd(UART_LSR), 0x61);
}

TEST_F(UartTest, FcrBitsIgnoredWhileFifoEnableIsClear)
{
    send(1, 0x61);
    wr(UART_FCR, UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT | UART_FCR_TRIGGER_14);
    EXPECT_FALSE(uart.fifo_enabled());
    EXPECT_EQ(uart.rx_count(), 1);
    EXPECT_EQ(uart.rx_trigger_level(), 1);
    EXPECT_EQ(rd(UART_IIR) & 0xc0, 0x00);
    EXPECT_EQ(rd(UART_RX), 0x61);
}

TEST_F(UartTest, DmaModeBitIsStoredWithoutEffect)
{
    wr(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_DMA_SELECT | UART_FCR_TRIGGER_4);
    EXPECT_EQ(state.fcr, UART_FCR_ENABLE_FIFO | UART_FCR_DMA_SELECT | UART_FCR_TRIGGER_4);
    EXPECT_EQ(uart.rx_trigger_level(), 4);
    send(16);
    EXPECT_EQ(uart.rx_count(), 16);
    EXPECT_EQ(rd(UART_LSR), 0x61);
}

TEST_F(UartTest, TriggerLevelDecodesFcrBits)
{
    EXPECT_EQ(uart.rx_trigger_level(), 1);
    enable_fifo(UART_FCR_TRIGGER_1);
    EXPECT_EQ(uart.rx_trigger_level(), 1);
    enable_fifo(UART_FCR_TRIGGER_4);
    EXPECT_EQ(uart.rx_trigger_level(), 4);
    enable_fifo(UART_FCR_TRIGGER_8);
    EXPECT_EQ(uart.rx_trigger_level(), 8);
    enable_fifo(UART_FCR_TRIGGER_14);
    EXPECT_EQ(uart.rx_trigger_level(), 14);
}

// ---- Receive interrupts and trigger levels -------------------------------

TEST_F(UartTest, TriggerLevel1ReportsDataAvailableOnFirstByte)
{
    enable_fifo(UART_FCR_TRIGGER_1);
    wr(UART_IER, UART_IER_RDI);
    EXPECT_EQ(rd(UART_IIR), 0xc1);
    send(1);
    EXPECT_EQ(rd(UART_IIR), 0xc4);
    EXPECT_TRUE(uart.irq_asserted());
}

TEST_F(UartTest, TriggerLevel4ReportsTimeoutBelowAndDataAvailableAt)
{
    enable_fifo(UART_FCR_TRIGGER_4);
    wr(UART_IER, UART_IER_RDI);
    send(3);
    EXPECT_EQ(rd(UART_IIR), 0xcc);
    EXPECT_TRUE(uart.irq_asserted());
    send(1);
    EXPECT_EQ(rd(UART_IIR), 0xc4);
}

TEST_F(UartTest, TriggerLevel8ReportsTimeoutBelowAndDataAvailableAt)
{
    enable_fifo(UART_FCR_TRIGGER_8);
    wr(UART_IER, UART_IER_RDI);
    send(7);
    EXPECT_EQ(rd(UART_IIR), 0xcc);
    send(1);
    EXPECT_EQ(rd(UART_IIR), 0xc4);
}

TEST_F(UartTest, TriggerLevel14ReportsTimeoutBelowAndDataAvailableAt)
{
    enable_fifo(UART_FCR_TRIGGER_14);
    wr(UART_IER, UART_IER_RDI);
    send(1);
    EXPECT_EQ(rd(UART_IIR), 0xcc);
    send(12);
    EXPECT_EQ(rd(UART_IIR), 0xcc);
    send(1);
    EXPECT_EQ(rd(UART_IIR), 0xc4);
    send(2);
    EXPECT_EQ(rd(UART_IIR), 0xc4);
}

TEST_F(UartTest, DrainingBelowTriggerTurnsDataAvailableIntoTimeout)
{
    enable_fifo(UART_FCR_TRIGGER_4);
    wr(UART_IER, UART_IER_RDI);
    send(4);
    EXPECT_EQ(rd(UART_IIR), 0xc4);
    rd(UART_RX);
    EXPECT_EQ(rd(UART_IIR), 0xcc);
    rd(UART_RX);
    rd(UART_RX);
    rd(UART_RX);
    EXPECT_EQ(rd(UART_IIR), 0xc1);
    EXPECT_FALSE(uart.irq_asserted());
}

TEST_F(UartTest, NonFifoModeReportsDataAvailableNeverTimeout)
{
    wr(UART_IER, UART_IER_RDI);
    send(1);
    EXPECT_EQ(rd(UART_IIR), 0x04);
    rd(UART_RX);
    EXPECT_EQ(rd(UART_IIR), 0x01);
}

TEST_F(UartTest, ReceiveInterruptsNeedErbfi)
{
    enable_fifo(UART_FCR_TRIGGER_4);
    send(2);
    EXPECT_EQ(rd(UART_IIR), 0xc1);
    send(2);
    EXPECT_EQ(rd(UART_IIR), 0xc1);
    EXPECT_FALSE(uart.irq_asserted());
}

TEST_F(UartTest, IirReadDoesNotAcknowledgeReceiveInterrupts)
{
    enable_fifo(UART_FCR_TRIGGER_1);
    wr(UART_IER, UART_IER_RDI);
    send(1);
    EXPECT_EQ(rd(UART_IIR), 0xc4);
    EXPECT_EQ(rd(UART_IIR), 0xc4);
}

TEST_F(UartTest, OverrunRaisesLineStatusInterruptWithElsi)
{
    enable_fifo(UART_FCR_TRIGGER_1);
    wr(UART_IER, UART_IER_RLSI);
    send(16);
    EXPECT_EQ(rd(UART_IIR), 0xc1);
    send(1);
    EXPECT_EQ(rd(UART_IIR), 0xc6);
    EXPECT_TRUE(uart.irq_asserted());
    rd(UART_LSR);
    EXPECT_EQ(rd(UART_IIR), 0xc1);
    EXPECT_FALSE(uart.irq_asserted());
}

TEST_F(UartTest, OverrunWithoutElsiRaisesNoInterrupt)
{
    enable_fifo(UART_FCR_TRIGGER_1);
    send(17);
    EXPECT_EQ(rd(UART_IIR), 0xc1);
    EXPECT_FALSE(uart.irq_asserted());
}

// ---- IIR priorities ------------------------------------------------------

TEST_F(UartTest, LineStatusOutranksDataAvailable)
{
    enable_fifo(UART_FCR_TRIGGER_1);
    wr(UART_IER, UART_IER_RDI | UART_IER_RLSI);
    send(17);
    EXPECT_EQ(rd(UART_IIR), 0xc6);
    rd(UART_LSR);
    EXPECT_EQ(rd(UART_IIR), 0xc4);
}

TEST_F(UartTest, LineStatusOutranksTimeout)
{
    // Overrun with data still below the trigger level: only reachable
    // by filling, then draining while OE is still latched.
    enable_fifo(UART_FCR_TRIGGER_14);
    wr(UART_IER, UART_IER_RDI | UART_IER_RLSI);
    send(17);
    for (int i = 0; i < 10; i++) {
        rd(UART_RX);
    }
    EXPECT_EQ(rd(UART_IIR), 0xc6);
    rd(UART_LSR);
    EXPECT_EQ(rd(UART_IIR), 0xcc);
}

TEST_F(UartTest, DataAvailableOutranksThrEmpty)
{
    enable_fifo(UART_FCR_TRIGGER_1);
    wr(UART_IER, UART_IER_RDI | UART_IER_THRI);
    send(1);
    EXPECT_EQ(rd(UART_IIR), 0xc4);
    rd(UART_RX);
    EXPECT_EQ(rd(UART_IIR), 0xc2);
    EXPECT_EQ(rd(UART_IIR), 0xc1);
}

TEST_F(UartTest, TimeoutOutranksThrEmpty)
{
    enable_fifo(UART_FCR_TRIGGER_8);
    wr(UART_IER, UART_IER_RDI | UART_IER_THRI);
    send(2);
    EXPECT_EQ(rd(UART_IIR), 0xcc);
    rd(UART_RX);
    rd(UART_RX);
    EXPECT_EQ(rd(UART_IIR), 0xc2);
}

TEST_F(UartTest, ThrEmptyOutranksModemStatus)
{
    wr(UART_IER, UART_IER_THRI | UART_IER_MSI);
    wr(UART_MCR, UART_MCR_RTS);
    EXPECT_EQ(rd(UART_IIR), 0x02);
    EXPECT_EQ(rd(UART_IIR), 0x00);
    rd(UART_MSR);
    EXPECT_EQ(rd(UART_IIR), 0x01);
}

TEST_F(UartTest, AllSourcesPendingUnwindInPriorityOrder)
{
    enable_fifo(UART_FCR_TRIGGER_1);
    wr(UART_IER, kIerWritableMask);
    wr(UART_MCR, UART_MCR_DTR);
    send(17);
    EXPECT_EQ(rd(UART_IIR), 0xc6);
    rd(UART_LSR);
    EXPECT_EQ(rd(UART_IIR), 0xc4);
    for (int i = 0; i < 16; i++) {
        rd(UART_RX);
    }
    EXPECT_EQ(rd(UART_IIR), 0xc2);
    EXPECT_EQ(rd(UART_IIR), 0xc0);
    EXPECT_TRUE(uart.irq_asserted());
    rd(UART_MSR);
    EXPECT_EQ(rd(UART_IIR), 0xc1);
    EXPECT_FALSE(uart.irq_asserted());
}

// ---- THRE interrupt latch ------------------------------------------------

TEST_F(UartTest, EnablingEtbeiRaisesThreInterrupt)
{
    EXPECT_FALSE(uart.irq_asserted());
    wr(UART_IER, UART_IER_THRI);
    EXPECT_TRUE(uart.irq_asserted());
    EXPECT_EQ(rd(UART_IIR), 0x02);
}

TEST_F(UartTest, IirReadReportingThreClearsIt)
{
    wr(UART_IER, UART_IER_THRI);
    EXPECT_EQ(rd(UART_IIR), 0x02);
    EXPECT_EQ(rd(UART_IIR), 0x01);
    EXPECT_FALSE(uart.irq_asserted());
}

TEST_F(UartTest, ThrWriteRaisesThreAgain)
{
    wr(UART_IER, UART_IER_THRI);
    rd(UART_IIR);
    ASSERT_FALSE(uart.irq_asserted());
    send(1);
    EXPECT_TRUE(uart.irq_asserted());
    EXPECT_EQ(rd(UART_IIR), 0x02);
}

TEST_F(UartTest, RewritingEtbeiWhileSetDoesNotRaiseThre)
{
    wr(UART_IER, UART_IER_THRI);
    rd(UART_IIR);
    wr(UART_IER, UART_IER_THRI | UART_IER_RLSI);
    EXPECT_EQ(rd(UART_IIR), 0x01);
}

TEST_F(UartTest, TogglingEtbeiOffAndOnRaisesThreAgain)
{
    // Linux's 8250 THRE probe: IER=0, IER=THRI, read IIR, twice.
    for (int round = 0; round < 2; round++) {
        wr(UART_IER, 0);
        wr(UART_IER, UART_IER_THRI);
        EXPECT_EQ(rd(UART_IIR), 0x02) << "round " << round;
    }
}

TEST_F(UartTest, ThreMaskedWhenEtbeiClear)
{
    send(1);
    EXPECT_TRUE(state.thre_pending);
    EXPECT_EQ(rd(UART_IIR), 0x01);
    EXPECT_FALSE(uart.irq_asserted());
}

TEST_F(UartTest, IirReadNamingOtherSourceKeepsThre)
{
    enable_fifo(UART_FCR_TRIGGER_1);
    wr(UART_IER, UART_IER_RDI | UART_IER_THRI);
    rd(UART_IIR); // acknowledges the THRE raised by enabling
    send(1);
    EXPECT_EQ(rd(UART_IIR), 0xc4);
    EXPECT_EQ(rd(UART_IIR), 0xc4);
    rd(UART_RX);
    EXPECT_EQ(rd(UART_IIR), 0xc2);
}

TEST_F(UartTest, DisablingEtbeiHidesThre)
{
    wr(UART_IER, UART_IER_THRI);
    wr(UART_IER, 0);
    EXPECT_EQ(rd(UART_IIR), 0x01);
    EXPECT_FALSE(uart.irq_asserted());
}

// ---- MSR and the loopback plug -------------------------------------------

TEST_F(UartTest, PlugRoutesRtsToCts)
{
    wr(UART_MCR, UART_MCR_RTS);
    EXPECT_EQ(rd(UART_MSR), UART_MSR_CTS | UART_MSR_DCTS);
    EXPECT_EQ(rd(UART_MSR), UART_MSR_CTS);
}

TEST_F(UartTest, PlugRoutesDtrToDsrAndDcd)
{
    wr(UART_MCR, UART_MCR_DTR);
    EXPECT_EQ(rd(UART_MSR), 0xaa); // DCD DSR DDCD DDSR
    EXPECT_EQ(rd(UART_MSR), 0xa0);
}

TEST_F(UartTest, PlugLeavesRiLowAndIgnoresOut1Out2)
{
    wr(UART_MCR, UART_MCR_OUT1 | UART_MCR_OUT2);
    EXPECT_EQ(rd(UART_MSR), 0x00);
}

TEST_F(UartTest, PlugWithAllOutputsRaised)
{
    wr(UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT1 | UART_MCR_OUT2);
    EXPECT_EQ(rd(UART_MSR), 0xbb); // DCD DSR CTS + DDCD DDSR DCTS
}

TEST_F(UartTest, InternalLoopbackMatchesLinuxAutoconfigProbe)
{
    wr(UART_MCR, UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_OUT2); // 0x1a
    EXPECT_EQ(rd(UART_MSR) & kMsrInputMask, 0x90);
}

TEST_F(UartTest, InternalLoopbackRoutesOut1ToRi)
{
    wr(UART_MCR, UART_MCR_LOOP | UART_MCR_OUT1);
    // RI rising: no delta (TERI is the trailing edge only).
    EXPECT_EQ(rd(UART_MSR), UART_MSR_RI);
}

TEST_F(UartTest, InternalLoopbackTakesDcdFromOut2NotDtr)
{
    wr(UART_MCR, UART_MCR_LOOP | UART_MCR_DTR);
    EXPECT_EQ(rd(UART_MSR), UART_MSR_DSR | UART_MSR_DDSR);
    wr(UART_MCR, UART_MCR_LOOP | UART_MCR_DTR | UART_MCR_OUT2);
    EXPECT_EQ(rd(UART_MSR), UART_MSR_DCD | UART_MSR_DSR | UART_MSR_DDCD);
}

TEST_F(UartTest, InternalLoopbackWithAllOutputsRaised)
{
    wr(UART_MCR, kMcrWritableMask);
    EXPECT_EQ(rd(UART_MSR), 0xfb); // all inputs + DDCD DDSR DCTS
}

TEST_F(UartTest, RiFallingEdgeSetsTeri)
{
    wr(UART_MCR, UART_MCR_LOOP | UART_MCR_OUT1);
    rd(UART_MSR);
    wr(UART_MCR, UART_MCR_LOOP);
    EXPECT_EQ(rd(UART_MSR), UART_MSR_TERI);
    EXPECT_EQ(rd(UART_MSR), 0x00);
}

TEST_F(UartTest, EnteringLoopModeSwitchesDcdSourceWithDelta)
{
    wr(UART_MCR, UART_MCR_DTR);
    rd(UART_MSR);
    wr(UART_MCR, UART_MCR_DTR | UART_MCR_LOOP);
    EXPECT_EQ(rd(UART_MSR), UART_MSR_DSR | UART_MSR_DDCD);
}

TEST_F(UartTest, DeltasAccumulateUntilMsrRead)
{
    wr(UART_MCR, UART_MCR_RTS);
    wr(UART_MCR, 0);
    wr(UART_MCR, UART_MCR_DTR);
    EXPECT_EQ(rd(UART_MSR), 0xa0 | UART_MSR_DCTS | UART_MSR_DDSR | UART_MSR_DDCD);
    EXPECT_EQ(rd(UART_MSR), 0xa0);
}

TEST_F(UartTest, McrWriteWithoutInputChangeSetsNoDelta)
{
    wr(UART_MCR, UART_MCR_RTS);
    rd(UART_MSR);
    wr(UART_MCR, UART_MCR_RTS | UART_MCR_OUT1);
    EXPECT_EQ(rd(UART_MSR), UART_MSR_CTS);
}

TEST_F(UartTest, ModemStatusInterruptNeedsEdssi)
{
    wr(UART_MCR, UART_MCR_RTS);
    EXPECT_EQ(rd(UART_IIR), 0x01);
    EXPECT_FALSE(uart.irq_asserted());
    wr(UART_IER, UART_IER_MSI);
    EXPECT_EQ(rd(UART_IIR), 0x00);
    EXPECT_TRUE(uart.irq_asserted());
}

TEST_F(UartTest, MsrReadAcknowledgesModemStatusInterrupt)
{
    wr(UART_IER, UART_IER_MSI);
    wr(UART_MCR, UART_MCR_DTR);
    EXPECT_EQ(rd(UART_IIR), 0x00);
    EXPECT_EQ(rd(UART_IIR), 0x00); // IIR read does not acknowledge it
    rd(UART_MSR);
    EXPECT_EQ(rd(UART_IIR), 0x01);
    EXPECT_FALSE(uart.irq_asserted());
}

TEST_F(UartTest, DataLoopsBackInInternalLoopbackMode)
{
    wr(UART_MCR, UART_MCR_LOOP);
    send(1, 0x7e);
    EXPECT_EQ(rd(UART_LSR), 0x61);
    EXPECT_EQ(rd(UART_RX), 0x7e);
}

// ---- irq_asserted --------------------------------------------------------

TEST_F(UartTest, IrqNotGatedByOut2)
{
    wr(UART_IER, UART_IER_THRI);
    EXPECT_TRUE(uart.irq_asserted());
    wr(UART_MCR, UART_MCR_OUT2);
    EXPECT_TRUE(uart.irq_asserted());
    wr(UART_MCR, 0);
    EXPECT_TRUE(uart.irq_asserted());
}

TEST_F(UartTest, IrqFollowsIirBitZero)
{
    enable_fifo(UART_FCR_TRIGGER_4);
    wr(UART_IER, UART_IER_RDI);
    EXPECT_FALSE(uart.irq_asserted());
    send(1);
    EXPECT_TRUE(uart.irq_asserted()); // timeout
    EXPECT_EQ(uart.peek_iir() & UART_IIR_NO_INT, 0);
    rd(UART_RX);
    EXPECT_FALSE(uart.irq_asserted());
    EXPECT_EQ(uart.peek_iir() & UART_IIR_NO_INT, 1);
}

// ---- Side-effect-free accessors ------------------------------------------

TEST_F(UartTest, PeekIirDoesNotAcknowledgeThre)
{
    wr(UART_IER, UART_IER_THRI);
    EXPECT_EQ(uart.peek_iir(), 0x02);
    EXPECT_EQ(uart.peek_iir(), 0x02);
    EXPECT_EQ(rd(UART_IIR), 0x02);
}

TEST_F(UartTest, PeekLsrAndMsrHaveNoSideEffects)
{
    enable_fifo(UART_FCR_TRIGGER_1);
    send(17);
    wr(UART_MCR, UART_MCR_RTS);
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
    enable_fifo(UART_FCR_TRIGGER_14);
    wr(UART_IER, 0x0f);
    wr(UART_MCR, 0x1f);
    send(20);
    EXPECT_TRUE(Uart16550::state_is_valid(state));
}

TEST_F(UartTest, StateIsValidRejectsBrokenInvariants)
{
    auto broken = [](auto mutate) {
        MttyUartState s{};
        s.fcr = UART_FCR_ENABLE_FIFO;
        mutate(s);
        return !Uart16550::state_is_valid(s);
    };
    EXPECT_TRUE(broken([](MttyUartState &s) { s.rx_head = MTTY_FIFO_SIZE; }));
    EXPECT_TRUE(broken([](MttyUartState &s) { s.rx_count = MTTY_FIFO_SIZE + 1; }));
    EXPECT_TRUE(broken([](MttyUartState &s) { s.fcr = 0; s.rx_count = 2; }));
    EXPECT_TRUE(broken([](MttyUartState &s) { s.ier = 0x10; }));
    EXPECT_TRUE(broken([](MttyUartState &s) { s.fcr |= UART_FCR_CLEAR_RCVR; }));
    EXPECT_TRUE(broken([](MttyUartState &s) { s.mcr = 0x20; }));
    EXPECT_TRUE(broken([](MttyUartState &s) { s.msr_deltas = 0x10; }));
    EXPECT_FALSE(broken([](MttyUartState &s) { s.rx_count = MTTY_FIFO_SIZE; }));
}

} // namespace
} // namespace mdev::samples
