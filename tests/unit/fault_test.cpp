// SPDX-License-Identifier: GPL-2.0-or-later
// The fault model without QEMU (include/hw/mdev/fault.hpp): declaration,
// arming with count/skip/arguments, deterministic firing, refusals that name
// what is accepted, clearing, the trace event.
#include "hw/mdev/fault.hpp"
#include "trace-hw_mdev_core_fault.hpp"
#include "trace_record.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

namespace mdev {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::array<const char *, 3> kOps{"read", "write", "any"};
constexpr std::array<FaultParam, 3> kParams{{
    {"lba", FaultParamType::integer, "first LBA"},
    {"opcode", FaultParamType::string, "which command", kOps},
    {"log", FaultParamType::boolean, "log it"},
}};
constexpr std::array<FaultParam, 1> kVectorParam{{
    {"vector", FaultParamType::integer, "the vector", {}, 0, 2047},
}};
const FaultDecl kMedia{"media-error", "fails a read", kParams};
const FaultDecl kDrop{"drop-irq", "drops an interrupt", kVectorParam};

class FaultSetTest : public ::testing::Test {
protected:
    FaultSetTest()
    {
        set.set_device_name("dev0");
        media = set.declare(kMedia);
        drop = set.declare(kDrop);
    }
    FaultSet set;
    FaultSet::Id media, drop;
};

TEST_F(FaultSetTest, NothingArmedAtFirst)
{
    EXPECT_FALSE(set.any_armed());
    EXPECT_EQ(set.armed(media), nullptr);
    EXPECT_FALSE(set.fire(media, "x"));
    EXPECT_EQ(set.entries()[media].fired, 0u);
}

TEST_F(FaultSetTest, RedeclaringReturnsTheSameId)
{
    EXPECT_EQ(set.declare(kDrop), drop);
    EXPECT_EQ(set.entries().size(), 2u);
    EXPECT_EQ(set.names(), "media-error, drop-irq");
}

TEST_F(FaultSetTest, SkipThenCountThenDisarmed)
{
    ASSERT_TRUE(set.inject("drop-irq", 2, 3, {}));
    EXPECT_TRUE(set.any_armed());
    std::vector<bool> fired;
    for (int i = 0; i < 8; i++) {
        fired.push_back(set.fire(drop, "e"));
    }
    EXPECT_THAT(fired, ElementsAre(false, false, false, true, true, false, false, false));
    EXPECT_FALSE(set.any_armed());
    EXPECT_EQ(set.entries()[drop].fired, 2u);
}

TEST_F(FaultSetTest, CountZeroFiresUntilCleared)
{
    ASSERT_TRUE(set.inject("drop-irq", 0, 0, {}));
    for (int i = 0; i < 100; i++) {
        ASSERT_TRUE(set.fire(drop, "e"));
    }
    EXPECT_TRUE(set.any_armed());
    ASSERT_TRUE(set.clear("drop-irq"));
    EXPECT_FALSE(set.any_armed());
    EXPECT_FALSE(set.fire(drop, "e"));
    EXPECT_EQ(set.entries()[drop].fired, 100u);
}

TEST_F(FaultSetTest, SameRunSameFirings)
{
    auto run = [&] {
        FaultSet s;
        const auto id = s.declare(kDrop);
        EXPECT_TRUE(s.inject("drop-irq", 3, 2, {}));
        std::vector<int> at;
        for (int i = 0; i < 10; i++) {
            if (s.fire(id, "e")) {
                at.push_back(i);
            }
        }
        return at;
    };
    EXPECT_EQ(run(), run());
    EXPECT_THAT(run(), ElementsAre(2, 3, 4));
}

TEST_F(FaultSetTest, ArgumentsAreTypedAndReachTheHook)
{
    const std::vector<FaultArgText> args{{"lba", "0x800"}, {"opcode", "read"}, {"log", "on"}};
    ASSERT_TRUE(set.inject("media-error", 1, 0, args));
    const FaultArgs *a = set.armed(media);
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->get_int(0, -1), 2048);
    EXPECT_EQ(a->get_str(1, "any"), "read");
    EXPECT_TRUE(a->get_bool(2, false));
    EXPECT_TRUE(a->matches_int(0, 2048));
    EXPECT_FALSE(a->matches_int(0, 2047));
}

TEST_F(FaultSetTest, AnAbsentParameterMatchesAnything)
{
    ASSERT_TRUE(set.inject("drop-irq", 1, 0, {}));
    const FaultArgs *a = set.armed(drop);
    ASSERT_NE(a, nullptr);
    EXPECT_FALSE(a->has(0));
    EXPECT_TRUE(a->matches_int(0, 7));
    EXPECT_EQ(a->get_int(0, 5), 5);
}

TEST_F(FaultSetTest, RearmingReplacesCountSkipAndArguments)
{
    const std::vector<FaultArgText> v1{{"vector", "1"}};
    const std::vector<FaultArgText> none{};
    ASSERT_TRUE(set.inject("drop-irq", 1, 5, v1));
    ASSERT_TRUE(set.inject("drop-irq", 1, 0, none));
    EXPECT_FALSE(set.armed(drop)->has(0));
    EXPECT_TRUE(set.fire(drop, "e"));
    EXPECT_FALSE(set.any_armed());
}

TEST_F(FaultSetTest, UnknownFaultNamesTheOffered)
{
    Status s = set.inject("no-such", 1, 0, {});
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::unknown_fault);
    EXPECT_THAT(s.error().message, HasSubstr("'no-such'"));
    EXPECT_THAT(s.error().message, HasSubstr("media-error, drop-irq"));
    EXPECT_FALSE(set.clear("no-such"));
    EXPECT_FALSE(set.any_armed());
}

TEST_F(FaultSetTest, UnknownParameterNamesTheAccepted)
{
    const std::vector<FaultArgText> args{{"lbaa", "1"}};
    Status s = set.inject("media-error", 1, 0, args);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::invalid_fault_argument);
    EXPECT_THAT(s.error().message, HasSubstr("lba (int), opcode (str), log (bool)"));
    EXPECT_FALSE(set.any_armed());
}

TEST_F(FaultSetTest, BadValuesNameWhatIsAccepted)
{
    auto err = [&](const char *name, const char *value) {
        const std::vector<FaultArgText> args{{name, value}};
        Status s = set.inject(name == std::string("vector") ? "drop-irq" : "media-error", 1, 0,
                              args);
        EXPECT_FALSE(s);
        return s ? std::string() : s.error().message;
    };
    EXPECT_THAT(err("lba", "abc"), HasSubstr("takes an integer"));
    EXPECT_THAT(err("lba", ""), HasSubstr("takes an integer"));
    EXPECT_THAT(err("lba", "99999999999999999999999"), HasSubstr("takes an integer"));
    EXPECT_THAT(err("opcode", "flush"), HasSubstr("one of read, write, any"));
    EXPECT_THAT(err("log", "maybe"), HasSubstr("true or false"));
    EXPECT_THAT(err("vector", "2048"), HasSubstr("0 to 2047"));
    EXPECT_THAT(err("vector", "-1"), HasSubstr("0 to 2047"));
    EXPECT_FALSE(set.any_armed());
}

TEST_F(FaultSetTest, ParameterGivenTwiceIsRefused)
{
    const std::vector<FaultArgText> args{{"lba", "1"}, {"lba", "2"}};
    Status s = set.inject("media-error", 1, 0, args);
    ASSERT_FALSE(s);
    EXPECT_THAT(s.error().message, HasSubstr("twice"));
}

TEST_F(FaultSetTest, ClearAll)
{
    ASSERT_TRUE(set.inject("drop-irq", 0, 0, {}));
    ASSERT_TRUE(set.inject("media-error", 0, 0, {}));
    ASSERT_TRUE(set.clear());
    EXPECT_FALSE(set.any_armed());
    EXPECT_EQ(set.armed(media), nullptr);
    EXPECT_EQ(set.armed(drop), nullptr);
    // Clearing what is not armed is not an error.
    EXPECT_TRUE(set.clear("drop-irq"));
}

TEST_F(FaultSetTest, EveryFiringIsTracedAndHooked)
{
    static std::vector<std::string> hooked;
    hooked.clear();
    set.set_fire_hook([](const char *dev, const char *fault, const char *event) {
        hooked.push_back(std::string(dev) + " " + fault + " " + event);
    });
    _TRACE_MDEV_FAULT_FIRE_DSTATE = 1;
    (void)trace_record::take();
    ASSERT_TRUE(set.inject("drop-irq", 1, 1, {}));
    EXPECT_FALSE(set.fire(drop, "MSI vector 0"));
    EXPECT_TRUE(set.fire(drop, "MSI vector 1"));
    EXPECT_FALSE(set.fire(drop, "MSI vector 2"));
    _TRACE_MDEV_FAULT_FIRE_DSTATE = 0;
    EXPECT_THAT(trace_record::take(),
                ElementsAre("mdev_fault_fire: dev0 drop-irq fired on MSI vector 1"));
    EXPECT_THAT(hooked, ElementsAre("dev0 drop-irq MSI vector 1"));
}

} // namespace
} // namespace mdev

namespace mdev {
namespace {

const FaultDecl kSpurious{"spurious-irq", "one extra interrupt now", kVectorParam};

TEST(FaultSetImmediate, RunsTheActionCountTimesAndIsNeverArmed)
{
    FaultSet set;
    const auto id = set.declare(kSpurious);
    std::vector<std::int64_t> vectors;
    set.set_action(id, [&](const FaultArgs &a) { vectors.push_back(a.get_int(0, 0)); });
    const std::vector<FaultArgText> args{{"vector", "3"}};
    ASSERT_TRUE(set.inject("spurious-irq", 2, 0, args));
    EXPECT_THAT(vectors, ElementsAre(3, 3));
    EXPECT_FALSE(set.any_armed());
    EXPECT_EQ(set.entries()[id].fired, 2u);
}

TEST(FaultSetImmediate, RefusesCountZeroSkipAndNoAction)
{
    FaultSet set;
    const auto id = set.declare(kSpurious);
    int runs = 0;
    set.set_action(id, [&](const FaultArgs &) { runs++; });
    EXPECT_THAT(set.inject("spurious-irq", 0, 0, {}).error().message, HasSubstr("1 or more"));
    EXPECT_THAT(set.inject("spurious-irq", 1, 1, {}).error().message, HasSubstr("skip"));
    set.set_action(id, nullptr);
    EXPECT_THAT(set.inject("spurious-irq", 1, 0, {}).error().message, HasSubstr("no frontend"));
    EXPECT_EQ(runs, 0);
}

// A fault that holds a state (mvnet's link-down): the hold hears arming
// and clearing, once each, whatever comes between.
const FaultDecl kLinkDown{"link-down", "takes the link down until cleared", kVectorParam};

TEST(FaultSetHeld, HoldsFromInjectUntilClear)
{
    FaultSet set;
    const auto id = set.declare(kLinkDown);
    std::vector<std::string> calls;
    set.set_hold(id, [&](bool on, const FaultArgs &a) {
        calls.push_back(std::string(on ? "on " : "off ") + std::to_string(a.get_int(0, -1)));
    });
    const std::vector<FaultArgText> args{{"vector", "5"}};
    ASSERT_TRUE(set.inject("link-down", 1, 0, args));
    EXPECT_TRUE(set.any_armed());
    EXPECT_EQ(set.entries()[id].fired, 1u);
    // Events do not wear it out; injecting it again while it holds changes
    // nothing (not even its arguments).
    EXPECT_TRUE(set.fire(id, "an event"));
    EXPECT_NE(set.armed(id), nullptr);
    ASSERT_TRUE(set.inject("link-down", 0, 0, {}));
    EXPECT_EQ(set.entries()[id].fired, 2u); // the event above, and no re-arm
    ASSERT_TRUE(set.clear());
    EXPECT_FALSE(set.any_armed());
    ASSERT_TRUE(set.clear("link-down")); // not armed: no call
    EXPECT_THAT(calls, ElementsAre("on 5", "off 5"));
}

TEST(FaultSetHeld, RefusesSkipCountsAboveOneAndNoHold)
{
    FaultSet set;
    const auto id = set.declare(kLinkDown);
    int calls = 0;
    set.set_hold(id, [&](bool, const FaultArgs &) { calls++; });
    EXPECT_THAT(set.inject("link-down", 1, 1, {}).error().message, HasSubstr("skip"));
    EXPECT_THAT(set.inject("link-down", 2, 0, {}).error().message,
                HasSubstr("count and skip do not apply"));
    ASSERT_TRUE(set.inject("link-down", 0, 0, {}));
    // Removing the hold disarms without a call, and refuses from then on.
    set.set_hold(id, nullptr);
    EXPECT_FALSE(set.any_armed());
    EXPECT_THAT(set.inject("link-down", 1, 0, {}).error().message, HasSubstr("no frontend"));
    EXPECT_EQ(calls, 1);
}

} // namespace
} // namespace mdev

// A fault that holds from injection until cleared (set_watch).
namespace mdev {
namespace {

const FaultDecl kRemoval{"surprise-removal", "the card is pulled out"};

TEST(FaultSetHeld, ArmsUntilClearedAndTellsTheWatchOnceEachWay)
{
    FaultSet set;
    const auto drop = set.declare(kDrop);
    const auto id = set.declare(kRemoval);
    std::vector<bool> seen;
    set.set_watch(id, [&](bool armed) {
        // The set is consistent when the watch runs.
        EXPECT_EQ(set.armed(id) != nullptr, armed);
        seen.push_back(armed);
    });
    ASSERT_TRUE(set.inject("surprise-removal", 1, 0, {}));
    ASSERT_TRUE(set.inject("surprise-removal", 0, 0, {})); // holds already: nothing new
    EXPECT_TRUE(set.any_armed());
    EXPECT_EQ(set.entries()[id].fired, 1u);
    EXPECT_EQ(set.entries()[id].count, 0u); // until cleared
    EXPECT_FALSE(set.fire(drop, "x"));
    ASSERT_TRUE(set.clear("drop-irq")); // another fault: the watch is not told
    EXPECT_THAT(seen, ElementsAre(true));
    ASSERT_TRUE(set.clear());
    ASSERT_TRUE(set.clear("surprise-removal")); // not armed: nothing
    EXPECT_THAT(seen, ElementsAre(true, false));
    EXPECT_FALSE(set.any_armed());
}

TEST(FaultSetHeld, RefusesCountSkipAndNoWatch)
{
    FaultSet set;
    const auto id = set.declare(kRemoval);
    int calls = 0;
    set.set_watch(id, [&](bool) { calls++; });
    EXPECT_THAT(set.inject("surprise-removal", 2, 0, {}).error().message,
                HasSubstr("count and skip do not apply"));
    EXPECT_THAT(set.inject("surprise-removal", 1, 1, {}).error().message,
                HasSubstr("count and skip do not apply"));
    ASSERT_TRUE(set.inject("surprise-removal", 1, 0, {}));
    set.set_watch(id, nullptr); // disarms silently
    EXPECT_FALSE(set.any_armed());
    EXPECT_THAT(set.inject("surprise-removal", 1, 0, {}).error().message,
                HasSubstr("no frontend"));
    EXPECT_EQ(calls, 1);
}

// The watch may clear the fault again, or inject another, from inside.
TEST(FaultSetHeld, TheWatchMayReenterTheSet)
{
    FaultSet set;
    const auto drop = set.declare(kDrop);
    const auto id = set.declare(kRemoval);
    std::vector<bool> seen;
    set.set_watch(id, [&](bool armed) {
        seen.push_back(armed);
        if (armed) {
            ASSERT_TRUE(set.clear("surprise-removal"));
            ASSERT_TRUE(set.inject("drop-irq", 1, 0, {}));
        }
    });
    ASSERT_TRUE(set.inject("surprise-removal", 1, 0, {}));
    EXPECT_THAT(seen, ElementsAre(true, false));
    EXPECT_EQ(set.armed(id), nullptr);
    EXPECT_NE(set.armed(drop), nullptr);
}

// A watch that destroys the set (the device removed from inside it) ends
// the clear there: the watches after it are not called, nothing is touched.
TEST(FaultSetHeld, TheWatchMayDestroyTheSet)
{
    const FaultDecl other{"stuck-input", "an input sticks"};
    auto set = std::make_unique<FaultSet>();
    const auto a = set->declare(kRemoval);
    const auto b = set->declare(other);
    int calls = 0;
    set->set_watch(a, [&](bool armed) {
        calls++;
        if (!armed) {
            set.reset();
        }
    });
    set->set_watch(b, [&](bool) { calls++; });
    ASSERT_TRUE(set->inject("surprise-removal", 1, 0, {}));
    ASSERT_TRUE(set->inject("stuck-input", 1, 0, {}));
    EXPECT_EQ(calls, 2);
    FaultSet *raw = set.get();
    EXPECT_TRUE(raw->clear());
    EXPECT_EQ(set, nullptr);
    EXPECT_EQ(calls, 3);
}

} // namespace
} // namespace mdev
