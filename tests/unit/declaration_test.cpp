// SPDX-License-Identifier: GPL-2.0-or-later
// The parents' declarations as the generic QOM glue reads them
// (mdev_parent_info), and the migration layouts the MDEV_MIGRATE macros
// derive: what -device mdev-<name> and its VMState are built from.
#include "qemu/capi.hpp"
#include "hw/mdev/declaration.hpp"
#include "hw/mdev/capi/mdev.h"
#include "samples/common/vring_state.hpp"
#include "samples/mtty/mtty_state.hpp"
#include "samples/gpio/gpio.hpp"
#include "samples/mbochs/mbochs.hpp"
#include "samples/mdpy/mdpy.hpp"
#include "samples/mtty/mtty.hpp"
#include "hw/mdev/core.hpp"
#include "recording_host.hpp"
#include "vfio/vfio_driver.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <set>
#include <string>
#include <string_view>

namespace {

using namespace mdev;
using ::testing::HasSubstr;

const MdevParentInfo *info_of(std::string_view name)
{
    for (std::size_t i = 0; const MdevParentInfo *p = mdev_parent_info(i); i++) {
        if (name == p->name) {
            return p;
        }
    }
    return nullptr;
}

TEST(DeclarationTest, EverySampleIsDeclaredOnceAndRegisteredWithItsOps)
{
    std::set<std::string> names;
    std::size_t n = 0;
    for (; const MdevParentInfo *p = mdev_parent_info(n); n++) {
        EXPECT_TRUE(names.insert(p->name).second) << p->name << " declared twice";
        // The glue's fixed storage bounds what a parent may declare.
        EXPECT_LE(p->nproperties, 8u) << p->name;
        EXPECT_LE(p->nstate, 4u) << p->name;
        EXPECT_NE(capi::global_core().find_parent(p->name), nullptr) << p->name;
    }
    EXPECT_EQ(n, declared_parents().size());
    for (const char *sample : {"mtty", "mdpy", "mbochs", "mvnet", "gpio"}) {
        EXPECT_TRUE(names.count(sample)) << sample;
    }
}

TEST(DeclarationTest, ClassDefaultsToTheOnlyOneAndHelpListsOnlyThoseTheParentHas)
{
    const MdevParentInfo *mvnet = info_of("mvnet");
    ASSERT_NE(mvnet, nullptr);
    EXPECT_STREQ(mvnet->classes, "virtio");
    EXPECT_STREQ(mvnet->default_class, "virtio");
    const MdevParentInfo *mdpy = info_of("mdpy");
    ASSERT_NE(mdpy, nullptr);
    EXPECT_STREQ(mdpy->classes, "vfio");
    EXPECT_STREQ(mdpy->default_class, "vfio");
    const MdevParentInfo *mtty = info_of("mtty");
    ASSERT_NE(mtty, nullptr);
    EXPECT_STREQ(mtty->classes, "vfio, virtio");
    EXPECT_EQ(mtty->default_class, nullptr);
}

TEST(DeclarationTest, TypeHelpNamesEveryTypeTheDefaultAndTheBudget)
{
    const MdevParentInfo *mdpy = info_of("mdpy");
    ASSERT_NE(mdpy, nullptr);
    EXPECT_STREQ(mdpy->type_help,
                 "mdpy-vga (virtual display, 640x480 framebuffer), mdpy-xga (virtual display, "
                 "1024x768 framebuffer) or mdpy-hd (virtual display, 1920x1080 framebuffer); "
                 "default mdpy-vga. The default parent has room for 4 devices in all; -object "
                 "mdev-parent,id=ID,kind=mdpy,budget=DISPLAYS makes another (parent=ID)");
    ASSERT_NE(mdpy->budget, nullptr);
    EXPECT_STREQ(mdpy->budget->name, "displays");
    EXPECT_STREQ(mdpy->budget->default_value, "4");
    const MdevParentInfo *mvnet = info_of("mvnet");
    ASSERT_NE(mvnet, nullptr);
    // No default named: the first (and only) type.
    EXPECT_STREQ(mvnet->default_type, "mvnet-virtio");
}

TEST(DeclarationTest, DeclaredPropertiesReachTheGlueWithTheirHelp)
{
    const MdevParentInfo *mvnet = info_of("mvnet");
    ASSERT_NE(mvnet, nullptr);
    ASSERT_EQ(mvnet->nproperties, 1u);
    EXPECT_STREQ(mvnet->properties[0].name, "mac");
    EXPECT_EQ(mvnet->properties[0].kind, MDEV_PROP_MACADDR);
    EXPECT_THAT(mvnet->properties[0].help, HasSubstr("unicast"));
    EXPECT_EQ(info_of("mtty")->nproperties, 0u);
}

TEST(DeclarationTest, MigrateMacrosDeriveKindOffsetSizeAndCount)
{
    const migration::Struct &vq = samples::kVringState;
    EXPECT_STREQ(vq.name, "vring");
    EXPECT_EQ(vq.size, sizeof(samples::VringState));
    ASSERT_EQ(vq.nfields, 8u); // every member but `resets`
    EXPECT_STREQ(vq.fields[0].name, "desc");
    EXPECT_EQ(vq.fields[0].kind, MDEV_FIELD_U64);
    EXPECT_EQ(vq.fields[3].kind, MDEV_FIELD_U16);
    EXPECT_EQ(vq.fields[3].offset, offsetof(samples::VringState, num));
    EXPECT_EQ(vq.fields[6].kind, MDEV_FIELD_BOOL);
    for (std::size_t i = 0; i < vq.nfields; i++) {
        EXPECT_EQ(vq.fields[i].count, 0u) << vq.fields[i].name;
        EXPECT_STRNE(vq.fields[i].name, "resets");
    }

    // An array of scalars, an array of structs, a std::array, a later field.
    struct Plain {
        std::uint8_t fifo[16];
        samples::VringState q[3];
        std::array<std::uint32_t, 4> regs;
        bool added_later;
    };
    static constexpr migration::Field f[] = {
        MDEV_MIGRATE(Plain, fifo),
        MDEV_MIGRATE_STRUCT(Plain, q, samples::kVringState),
        MDEV_MIGRATE(Plain, regs),
        MDEV_MIGRATE_SINCE(Plain, added_later, 2),
    };
    static constexpr migration::Struct plain = migration::describe<Plain>("plain", 2, f);
    EXPECT_EQ(plain.fields[0].kind, MDEV_FIELD_U8);
    EXPECT_EQ(plain.fields[0].count, 16u);
    EXPECT_EQ(plain.fields[0].elem_size, 1u);
    EXPECT_EQ(plain.fields[1].kind, MDEV_FIELD_STRUCT);
    EXPECT_EQ(plain.fields[1].sub, &samples::kVringState);
    EXPECT_EQ(plain.fields[1].count, 3u);
    EXPECT_EQ(plain.fields[1].elem_size, sizeof(samples::VringState));
    EXPECT_EQ(plain.fields[2].kind, MDEV_FIELD_U32);
    EXPECT_EQ(plain.fields[2].count, 4u);
    EXPECT_EQ(plain.fields[2].offset, offsetof(Plain, regs));
    EXPECT_EQ(plain.fields[3].since, 2);
    EXPECT_EQ(plain.version, 2);
    EXPECT_EQ(plain.min_version, 1);
}

TEST(DeclarationTest, DataRefusesAnObjectOfAnotherSize)
{
    samples::VringState q{};
    migration::Data ok(samples::kVringState, q);
    EXPECT_EQ(ok.data(), &q);
    samples::MttyUartState uart{};
    migration::Data wrong(samples::kVringState, uart);
    EXPECT_EQ(wrong.data(), nullptr);
}

TEST(DeclarationTest, EverySampleStateDescriptionCanBeHonoured)
{
    for (const ParentDeclaration *d : declared_parents()) {
        for (const migration::Struct *st : d->state) {
            ASSERT_NE(st, nullptr) << d->name;
            EXPECT_EQ(migration::problem(*st), "") << d->name;
        }
    }
}

// Descriptions the glue could not honour: each refused with its reason.
struct Versioned {
    std::uint32_t old_member;
    std::uint8_t new_member;
    samples::VringState q[2];
};

TEST(DeclarationTest, ProblemNamesAMemberNewerThanItsStruct)
{
    static constexpr migration::Field f[] = {
        MDEV_MIGRATE(Versioned, old_member),
        MDEV_MIGRATE_SINCE(Versioned, new_member, 3),
    };
    static constexpr migration::Struct st = migration::describe<Versioned>("v", 2, f);
    EXPECT_EQ(migration::problem(st),
              "state 'v' member 'new_member': since version 3, but the struct is at version 2 "
              "(raise its version when a member is added)");
    static constexpr migration::Struct ok = migration::describe<Versioned>("v", 3, f);
    EXPECT_EQ(migration::problem(ok), "");
}

TEST(DeclarationTest, ProblemNamesBadVersionsAndMinimums)
{
    static constexpr migration::Field f[] = {MDEV_MIGRATE(Versioned, old_member)};
    EXPECT_EQ(migration::problem(migration::describe<Versioned>("v", 0, f)),
              "state 'v': version 0; versions start at 1");
    EXPECT_EQ(migration::problem(migration::describe<Versioned>("v", 2, f, 3)),
              "state 'v': min_version 3 is not within 1 .. version 2");
    EXPECT_EQ(migration::problem(migration::describe<Versioned>("v", 2, f, 0)),
              "state 'v': min_version 0 is not within 1 .. version 2");
    EXPECT_EQ(migration::problem(migration::describe<Versioned>("v", 4, f, 4)), "");
}

TEST(DeclarationTest, ProblemNamesMembersPastTheStructTwiceNamedOrMisdescribed)
{
    // Hand-made fields, as no macro would make them.
    const migration::Field past[] = {
        {"far", MDEV_FIELD_U32, sizeof(Versioned) - 2, 4, 0, nullptr, 0},
    };
    EXPECT_EQ(migration::problem(migration::describe<Versioned>("v", 1, past)),
              "state 'v' member 'far': lies past the struct's " +
                  std::to_string(sizeof(Versioned)) + " bytes");
    const migration::Field twice[] = {
        MDEV_MIGRATE(Versioned, old_member),
        {"old_member", MDEV_FIELD_U8, offsetof(Versioned, new_member), 1, 0, nullptr, 0},
    };
    EXPECT_EQ(migration::problem(migration::describe<Versioned>("v", 1, twice)),
              "state 'v' member 'old_member': named twice");
    const migration::Field wrong_sub[] = {
        {"q", MDEV_FIELD_STRUCT, offsetof(Versioned, q), 4, 2, &samples::kVringState, 0},
    };
    EXPECT_EQ(migration::problem(migration::describe<Versioned>("v", 1, wrong_sub)),
              "state 'v' member 'q': described by 'vring' of " +
                  std::to_string(sizeof(samples::VringState)) + " bytes, but is 4 bytes");
    static constexpr migration::Field nested[] = {
        MDEV_MIGRATE_STRUCT(Versioned, q, samples::kVringState),
    };
    EXPECT_EQ(migration::problem(migration::describe<Versioned>("v", 1, nested)), "");
}

// -object mdev-parent-<kind>: parents of one kind with budgets of their own,
// beside the default one, each enforcing its own; ids unique; a parent with
// mdevs cannot go.
TEST(DeclarationTest, ParentInstancesHaveTheirOwnBudgets)
{
    test::RecordingHost host; // before the core: the core's destructor unbinds
    Core core;
    core.bus().register_driver(vfio::vfio_pci_driver());
    PropertyValues big;
    big.set("ports", "3");
    Result<std::unique_ptr<Parent>> made = make_parent<samples::MttyParent>(big);
    ASSERT_TRUE(made);
    ASSERT_TRUE(core.register_parent(std::move(*made), "card0"));
    ASSERT_TRUE(core.register_parent(std::make_unique<samples::MttyParent>()));
    Parent *card0 = core.find_parent("card0");
    ASSERT_NE(card0, nullptr);
    EXPECT_EQ(card0->id(), "card0");
    EXPECT_EQ(card0->name(), "mtty");
    EXPECT_EQ(core.find_parent("mtty")->id(), "mtty");
    ASSERT_TRUE(card0->register_ops(core));
    ASSERT_TRUE(core.find_parent("mtty")->register_ops(core));
    EXPECT_EQ(card0->available_instances(*card0->find_type("mtty-1")), 3u);

    Result<Parent *> again = core.register_parent(std::make_unique<samples::MttyParent>(), "card0");
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, Errc::duplicate_parent);

    ASSERT_TRUE(core.create({"card0", "mtty-2", "11111111-2222-3333-4444-555555555555", "vfio",
                             &host}));
    Result<Device *> full =
        core.create({"card0", "mtty-2", "11111111-2222-3333-4444-555555555556", "vfio", &host});
    ASSERT_FALSE(full);
    EXPECT_EQ(full.error().code, Errc::budget_exhausted);
    EXPECT_THAT(full.error().message, ::testing::HasSubstr("parent 'card0'"));
    // The default parent's budget is untouched.
    EXPECT_EQ(core.find_parent("mtty")->available_instances(
                  *core.find_parent("mtty")->find_type("mtty-2")),
              12u);

    Status busy = core.unregister_parent("card0");
    ASSERT_FALSE(busy);
    EXPECT_EQ(busy.error().code, Errc::parent_in_use);
    EXPECT_EQ(core.mdevs_of("card0"), 1u);
    ASSERT_TRUE(core.remove("11111111-2222-3333-4444-555555555555"));
    EXPECT_TRUE(core.unregister_parent("card0"));
    EXPECT_EQ(core.find_parent("card0"), nullptr);
    EXPECT_EQ(core.parents().size(), 1u);
}

TEST(DeclarationTest, BudgetValuesAreCheckedWithTheirRange)
{
    PropertyValues v;
    v.set("ports", "0");
    Result<std::unique_ptr<Parent>> zero = make_parent<samples::MttyParent>(v);
    ASSERT_FALSE(zero);
    EXPECT_EQ(zero.error().code, Errc::invalid_property);
    EXPECT_EQ(zero.error().message, "budget: 0 ports; a parent has 1 to 1024 ports");
    v.set("ports", "99999999999999999999");
    Result<std::unique_ptr<Parent>> huge = make_parent<samples::MttyParent>(v);
    ASSERT_FALSE(huge);
    EXPECT_THAT(huge.error().message, ::testing::HasSubstr("is not a number of ports within range"));
    v.set("MB", "2");
    Result<std::unique_ptr<Parent>> small = make_parent<samples::MbochsParent>(v);
    ASSERT_FALSE(small);
    EXPECT_EQ(small.error().message, "budget: 2 MB; a parent has 4 to 4096 MB");
    v.set("displays", "8");
    Result<std::unique_ptr<Parent>> eight = make_parent<samples::MdpyParent>(v);
    ASSERT_TRUE(eight);
    EXPECT_EQ((*eight)->available_instances((*eight)->types().front()), 8u);
    // A parent without a budget is made as it is.
    EXPECT_TRUE(make_parent<samples::GpioParent>(PropertyValues{}));
}

} // namespace
