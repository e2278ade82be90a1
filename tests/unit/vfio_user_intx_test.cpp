// SPDX-License-Identifier: GPL-2.0-or-later
// mdev-vfio-user's INTx line (tools/mdev-vfio-user/intx.hpp): VFIO's
// automasked level, with a still-asserted line's fire after an unmask
// deferred until the client goes quiet or `longest` has passed.
#include "intx.hpp"

#include <gtest/gtest.h>

namespace mdev::vfio_user {
namespace {

using namespace std::chrono_literals;
using Clock = IntxLine::Clock;

class IntxLineTest : public ::testing::Test {
protected:
    int fired = 0;
    bool deliverable = true;
    IntxLine line{[this] {
                      if (deliverable) {
                          fired++;
                      }
                      return deliverable;
                  },
                  {200us, 2000us}};
    const Clock::time_point t0 = Clock::now();
};

TEST_F(IntxLineTest, AssertionFiresOnceAndMasks)
{
    line.set_level(true);
    EXPECT_EQ(fired, 1);
    EXPECT_TRUE(line.masked());
    // Repeated assertions while masked, and the drop, send nothing.
    line.set_level(true);
    line.set_level(false);
    line.set_level(true);
    EXPECT_EQ(fired, 1);
}

TEST_F(IntxLineTest, UnmaskWithTheLineDownFiresOnTheNextAssertion)
{
    line.set_level(true);
    line.set_level(false);
    line.unmask(t0);
    EXPECT_FALSE(line.deadline());
    line.set_level(true);
    EXPECT_EQ(fired, 2);
}

TEST_F(IntxLineTest, UnmaskWithTheLineUpDefersUntilTheClientIsQuiet)
{
    line.set_level(true);
    line.unmask(t0);
    EXPECT_EQ(fired, 1);
    EXPECT_TRUE(line.deferred());
    ASSERT_TRUE(line.deadline());
    EXPECT_EQ(*line.deadline(), t0 + 200us);
    // The handler's next accesses push the quiet deadline on...
    line.activity(t0 + 150us);
    EXPECT_EQ(*line.deadline(), t0 + 350us);
    line.due(t0 + 300us);
    EXPECT_EQ(fired, 1);
    // ...and once they stop, the line still up fires (and masks).
    line.due(t0 + 350us);
    EXPECT_EQ(fired, 2);
    EXPECT_TRUE(line.masked());
    EXPECT_FALSE(line.deadline());
}

TEST_F(IntxLineTest, ABusyClientStillGetsTheInterruptWithinLongest)
{
    line.set_level(true);
    line.unmask(t0);
    for (auto t = 100us; t < 2000us; t += 100us) {
        line.activity(t0 + t);
        line.due(t0 + t);
    }
    EXPECT_EQ(fired, 1);
    EXPECT_EQ(*line.deadline(), t0 + 2000us);
    line.due(t0 + 2000us);
    EXPECT_EQ(fired, 2);
}

TEST_F(IntxLineTest, ALineLoweredMeanwhileFiresNothing)
{
    line.set_level(true);
    line.unmask(t0);
    line.set_level(false);
    EXPECT_FALSE(line.deadline());
    line.due(t0 + 5000us);
    EXPECT_EQ(fired, 1);
    // A new assertion is an edge: at once.
    line.set_level(true);
    EXPECT_EQ(fired, 2);
}

TEST_F(IntxLineTest, RepeatedAssertionWhileDeferredWaitsForTheDeadline)
{
    line.set_level(true);
    line.unmask(t0);
    line.set_level(true);
    EXPECT_EQ(fired, 1);
    EXPECT_TRUE(line.deferred());
}

TEST_F(IntxLineTest, MaskedByTheClientNothingFires)
{
    line.set_level(true);
    line.unmask(t0);
    line.mask();
    EXPECT_FALSE(line.deadline());
    line.due(t0 + 5000us);
    EXPECT_EQ(fired, 1);
    // Unmasked again with the line up: deferred from the new unmask.
    line.unmask(t0 + 6000us);
    EXPECT_EQ(*line.deadline(), t0 + 6200us);
}

TEST_F(IntxLineTest, UndeliverableFireLeavesTheLineUnmaskedAndRetries)
{
    deliverable = false;
    line.set_level(true);
    EXPECT_FALSE(line.masked());
    deliverable = true;
    line.set_level(true);
    EXPECT_EQ(fired, 1);
    EXPECT_TRUE(line.masked());
}

TEST_F(IntxLineTest, AnUndeliverableDeferredFireDoesNotSpin)
{
    line.set_level(true);
    line.unmask(t0);
    deliverable = false;
    line.due(t0 + 200us);
    EXPECT_FALSE(line.deadline());
    EXPECT_FALSE(line.masked());
}

TEST_F(IntxLineTest, ResetUnmasksAndForgetsTheDeferredFire)
{
    line.set_level(true);
    line.unmask(t0);
    line.reset();
    EXPECT_FALSE(line.masked());
    EXPECT_FALSE(line.deadline());
    EXPECT_TRUE(line.level());
}

} // namespace
} // namespace mdev::vfio_user
