// SPDX-License-Identifier: GPL-2.0-or-later
// The mdev core without QEMU: parents, per-class ops, creation and its
// refusals, the bus and its drivers, removal, UUIDs.
#include "recording_host.hpp"
#include "hw/mdev/core.hpp"
#include "hw/mdev/host.hpp"
#include "hw/mdev/uuid.hpp"
#include "hw/mdev/vfio_ops.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>

#include "hw/mdev/virtio_ops.hpp"

#include <memory>
#include <string>
#include <vector>


namespace mdev {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr const char *kUuidA = "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001";
constexpr const char *kUuidB = "83b8f4f2-509f-382f-3c1e-e6bfe0fa1002";
constexpr const char *kUuidC = "83b8f4f2-509f-382f-3c1e-e6bfe0fa1003";

// ---- Fakes ---------------------------------------------------------------

using test::RecordingHost;

class FakeVfioOps final : public vfio::VfioOps {
public:
    vfio::PciConfig pci_config(const Device &) const override
    {
        return vfio::PciConfigBuilder().build_or_abort();
    }
    void reset(Device &) const override {}
};

// The core only stores and hands back virtio ops; none is ever called here.
class FakeVirtioOps final : public virtio::VirtioOps {
public:
    std::uint32_t get_device_id(const Device &) const override { return 1; }
    std::uint32_t get_vendor_id(const Device &) const override { return 0; }
    std::uint64_t get_features(const Device &) const override { return 0; }
    bool set_features(Device &, std::uint64_t) const override { return false; }
    std::uint8_t get_status(const Device &) const override { return 0; }
    void set_status(Device &, std::uint8_t) const override {}
    std::uint32_t get_config_size(const Device &) const override { return 0; }
    void get_config(const Device &, std::uint32_t, std::span<std::uint8_t>) const override {}
    void set_config(Device &, std::uint32_t, std::span<const std::uint8_t>) const override {}
    void set_config_cb(Device &, virtio::Callback *) const override {}
    std::uint16_t get_vq_num_max(const Device &, std::uint16_t) const override { return 0; }
    void set_vq_num(Device &, std::uint16_t, std::uint16_t) const override {}
    void set_vq_address(Device &, std::uint16_t, std::uint64_t, std::uint64_t,
                        std::uint64_t) const override {}
    void set_vq_ready(Device &, std::uint16_t, bool) const override {}
    bool get_vq_ready(const Device &, std::uint16_t) const override { return false; }
    void set_vq_cb(Device &, std::uint16_t, virtio::Callback *) const override {}
    void kick_vq(Device &, std::uint16_t) const override {}
    void set_vq_state(Device &, std::uint16_t, std::uint16_t) const override {}
    std::uint16_t get_vq_state(const Device &, std::uint16_t) const override { return 0; }
};

// What a FakeParent did, kept outside it: the core owns (and at its end
// destroys) the parent, and tests look after that.
struct ParentLog {
    unsigned budget = 0;      // units left
    unsigned creates = 0;     // calls to create()
    unsigned removes = 0;     // calls to remove()
    std::vector<std::string> removed_uuids;
};

class FakeState final : public VendorState {
public:
    FakeState(std::string uuid, std::string type, unsigned cost)
        : uuid(std::move(uuid)), type(std::move(type)), cost(cost)
    {
    }
    void uuid_changed(Device &dev) override { rekeyed_to.push_back(dev.uuid().to_string()); }
    std::string uuid;
    std::string type;
    unsigned cost;
    std::vector<std::string> rekeyed_to;
};

// Types "<name>-small" (1 unit) and "<name>-big" (2 units) out of a budget.
class FakeParent final : public Parent {
public:
    FakeParent(std::string name, ParentLog &log, unsigned budget)
        : name_(std::move(name)), log_(log),
          types_{{name_ + "-small", "Small", "one unit", "vfio-pci"},
                 {name_ + "-big", "Big", "two units", "vfio-pci"}}
    {
        log_.budget = budget;
    }

    std::string_view name() const override { return name_; }
    std::span<const MdevType> types() const override { return types_; }

    unsigned available_instances(const MdevType &type) const override
    {
        if (lie_about_budget) {
            return 1;
        }
        return log_.budget / cost(type);
    }

    Result<std::unique_ptr<VendorState>> create(const CreateArgs &args) override
    {
        log_.creates++;
        last_class = args.class_id;
        unsigned c = cost(args.type);
        if (c > log_.budget) {
            return Error{Errc::budget_exhausted, "fake parent refuses: budget"};
        }
        log_.budget -= c;
        return std::unique_ptr<VendorState>(
            std::make_unique<FakeState>(args.uuid.to_string(), args.type.id, c));
    }

    void remove(VendorState &state) override
    {
        auto &s = dynamic_cast<FakeState &>(state);
        log_.removes++;
        log_.budget += s.cost;
        log_.removed_uuids.push_back(s.uuid);
    }

    unsigned cost(const MdevType &type) const { return type.id == types_[0].id ? 1 : 2; }

    bool lie_about_budget = false;
    ClassId last_class{};

private:
    std::string name_;
    ParentLog &log_;
    std::vector<MdevType> types_;
};

class FakeDriver final : public Driver {
public:
    FakeDriver(std::string name, std::vector<ClassId> ids) : name_(std::move(name)), ids_(ids) {}

    std::string_view name() const override { return name_; }
    std::span<const ClassId> id_table() const override { return ids_; }

    Status probe(Device &dev) override
    {
        probed.push_back(&dev);
        if (refuse) {
            return Error{Errc::probe_failed, "fake refuses"};
        }
        return Ok{};
    }

    void remove(Device &dev) override
    {
        removed.push_back(dev.uuid().to_string());
        // The device must still be whole while it is unbound.
        removed_had_driver.push_back(dev.driver() == this);
    }

    bool refuse = false;
    std::vector<Device *> probed;
    std::vector<std::string> removed;
    std::vector<bool> removed_had_driver;

private:
    std::string name_;
    std::vector<ClassId> ids_;
};

// A core with parent "fake" (budget 3, vfio and virtio ops) and parent
// "solo" (budget 4, vfio ops only), and a vfio and a virtio driver.
class CoreTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        auto p = std::make_unique<FakeParent>("fake", fake_log, 3);
        fake = p.get();
        ASSERT_TRUE(core.register_parent(std::move(p)));
        auto s = std::make_unique<FakeParent>("solo", solo_log, 4);
        solo = s.get();
        ASSERT_TRUE(core.register_parent(std::move(s)));
        ASSERT_TRUE(core.register_ops<vfio::VfioOps>("fake", vfio_ops));
        ASSERT_TRUE(core.register_ops<virtio::VirtioOps>("fake", virtio_ops));
        ASSERT_TRUE(core.register_ops<vfio::VfioOps>("solo", vfio_ops2));
        core.bus().register_driver(virtio_driver);
        core.bus().register_driver(vfio_driver);
    }

    Result<Device *> create(std::string parent, std::string type, std::string uuid,
                            std::string cls = "vfio")
    {
        return core.create(CreateRequest{parent, type, uuid, cls, &host});
    }

    // Declared before the core: the core's destructor calls the drivers.
    RecordingHost host;
    FakeDriver vfio_driver{"fake-vfio", {ClassId::vfio}};
    FakeDriver virtio_driver{"fake-virtio", {ClassId::virtio}};
    FakeVfioOps vfio_ops, vfio_ops2;
    FakeVirtioOps virtio_ops;
    ParentLog fake_log, solo_log;
    Core core;
    FakeParent *fake = nullptr;
    FakeParent *solo = nullptr;
};

// ---- Parents, types, ops -------------------------------------------------

TEST_F(CoreTest, RegisteredParentsAreFoundByName)
{
    EXPECT_EQ(core.find_parent("fake"), fake);
    EXPECT_EQ(core.find_parent("solo"), solo);
    EXPECT_EQ(core.find_parent("nope"), nullptr);
    EXPECT_EQ(core.find_parent("Fake"), nullptr);
}

TEST_F(CoreTest, RegisterParentReturnsThePointer)
{
    ParentLog log;
    auto p = std::make_unique<FakeParent>("third", log, 1);
    Parent *raw = p.get();
    Result<Parent *> r = core.register_parent(std::move(p));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value(), raw);
    EXPECT_EQ(core.find_parent("third"), raw);
}

TEST_F(CoreTest, DuplicateParentNameIsRefused)
{
    ParentLog log;
    Result<Parent *> r = core.register_parent(std::make_unique<FakeParent>("fake", log, 9));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::duplicate_parent);
    EXPECT_THAT(r.error().message, HasSubstr("'fake'"));
    // The first one stays.
    EXPECT_EQ(core.find_parent("fake"), fake);
}

TEST_F(CoreTest, TypesAndAvailableInstancesComeFromTheParentsBudget)
{
    Parent *p = core.find_parent("fake");
    ASSERT_EQ(p->types().size(), 2u);
    EXPECT_EQ(p->types()[0].id, "fake-small");
    EXPECT_EQ(p->types()[1].id, "fake-big");
    const MdevType *small = p->find_type("fake-small");
    const MdevType *big = p->find_type("fake-big");
    ASSERT_NE(small, nullptr);
    ASSERT_NE(big, nullptr);
    EXPECT_EQ(p->find_type("fake-huge"), nullptr);
    EXPECT_EQ(p->available_instances(*small), 3u);
    EXPECT_EQ(p->available_instances(*big), 1u);

    ASSERT_TRUE(create("fake", "fake-small", kUuidA));
    EXPECT_EQ(p->available_instances(*small), 2u);
    EXPECT_EQ(p->available_instances(*big), 1u);
    ASSERT_TRUE(create("fake", "fake-small", kUuidB));
    EXPECT_EQ(p->available_instances(*small), 1u);
    EXPECT_EQ(p->available_instances(*big), 0u);
}

TEST_F(CoreTest, ClassesOfListsRegisteredClassesInIdOrder)
{
    EXPECT_THAT(core.classes_of("fake"), ElementsAre(ClassId::vfio, ClassId::virtio));
    EXPECT_THAT(core.classes_of("solo"), ElementsAre(ClassId::vfio));
    EXPECT_THAT(core.classes_of("nope"), IsEmpty());
}

TEST_F(CoreTest, OpsRegisteredOutOfOrderAreListedInIdOrder)
{
    ParentLog log;
    ASSERT_TRUE(core.register_parent(std::make_unique<FakeParent>("late", log, 1)));
    EXPECT_THAT(core.classes_of("late"), IsEmpty());
    ASSERT_TRUE(core.register_ops<virtio::VirtioOps>("late", virtio_ops));
    ASSERT_TRUE(core.register_ops<vfio::VfioOps>("late", vfio_ops));
    EXPECT_THAT(core.classes_of("late"), ElementsAre(ClassId::vfio, ClassId::virtio));
}

TEST_F(CoreTest, SecondOpsForTheSameClassAreRefused)
{
    FakeVfioOps other;
    Status s = core.register_ops<vfio::VfioOps>("fake", other);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::duplicate_ops);
    EXPECT_THAT(s.error().message, HasSubstr("'fake'"));
    EXPECT_THAT(s.error().message, HasSubstr("vfio"));

    FakeVirtioOps other_virtio;
    Status v = core.register_ops<virtio::VirtioOps>("fake", other_virtio);
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.error().code, Errc::duplicate_ops);
    EXPECT_THAT(v.error().message, HasSubstr("virtio"));

    // The first registration is the one devices get.
    Result<Device *> d = create("fake", "fake-small", kUuidA);
    ASSERT_TRUE(d);
    EXPECT_EQ((*d)->ops<vfio::VfioOps>(), &vfio_ops);
}

TEST_F(CoreTest, OpsForUnknownParentAreRefused)
{
    Status s = core.register_ops<vfio::VfioOps>("ghost", vfio_ops);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::unknown_parent);
    EXPECT_THAT(s.error().message, HasSubstr("'ghost'"));
    EXPECT_THAT(core.classes_of("ghost"), IsEmpty());
}

// ---- Create --------------------------------------------------------------

TEST_F(CoreTest, CreateMakesABoundDeviceOfTheRequestedParentTypeUuidAndClass)
{
    Result<Device *> r = create("fake", "fake-big", kUuidA);
    ASSERT_TRUE(r.ok()) << r.error().message;
    Device *d = *r;
    EXPECT_EQ(&d->parent(), fake);
    EXPECT_EQ(d->type().id, "fake-big");
    EXPECT_EQ(&d->type(), fake->find_type("fake-big"));
    EXPECT_EQ(d->uuid().to_string(), kUuidA);
    EXPECT_EQ(d->class_id(), ClassId::vfio);
    EXPECT_EQ(fake->last_class, ClassId::vfio);
    EXPECT_EQ(d->ops<vfio::VfioOps>(), &vfio_ops);
    EXPECT_EQ(d->ops<virtio::VirtioOps>(), nullptr);
    // The device reaches the host through its port.
    ASSERT_NE(d->host(), nullptr);
    d->host()->notify_msi(7);
    EXPECT_THAT(host.msi, ElementsAre(7u));
    EXPECT_EQ(d->driver(), &vfio_driver);
    EXPECT_THAT(vfio_driver.probed, ElementsAre(d));
    EXPECT_THAT(virtio_driver.probed, IsEmpty());

    auto &state = d->vendor_state<FakeState>();
    EXPECT_EQ(state.uuid, kUuidA);
    EXPECT_EQ(state.type, "fake-big");
    EXPECT_EQ(&d->vendor_state_base(), &state);

    EXPECT_EQ(core.device_count(), 1u);
    EXPECT_EQ(core.find_device(kUuidA), d);
    EXPECT_EQ(fake_log.budget, 1u);
    EXPECT_EQ(fake_log.creates, 1u);
}

TEST_F(CoreTest, CreateOfVirtioClassGetsVirtioOpsAndVirtioDriver)
{
    Result<Device *> r = create("fake", "fake-small", kUuidA, "virtio");
    ASSERT_TRUE(r.ok()) << r.error().message;
    Device *d = *r;
    EXPECT_EQ(d->class_id(), ClassId::virtio);
    EXPECT_EQ(fake->last_class, ClassId::virtio);
    EXPECT_EQ(d->ops<virtio::VirtioOps>(), &virtio_ops);
    EXPECT_EQ(d->ops<vfio::VfioOps>(), nullptr);
    EXPECT_EQ(d->driver(), &virtio_driver);
    EXPECT_THAT(vfio_driver.probed, IsEmpty());
}

TEST_F(CoreTest, EachParentsDeviceGetsThatParentsOps)
{
    Result<Device *> a = create("fake", "fake-small", kUuidA);
    Result<Device *> b = create("solo", "solo-small", kUuidB);
    ASSERT_TRUE(a);
    ASSERT_TRUE(b);
    EXPECT_EQ((*a)->ops<vfio::VfioOps>(), &vfio_ops);
    EXPECT_EQ((*b)->ops<vfio::VfioOps>(), &vfio_ops2);
    EXPECT_EQ(&(*b)->parent(), solo);
    EXPECT_EQ(fake_log.budget, 2u);
    EXPECT_EQ(solo_log.budget, 3u);
}

TEST_F(CoreTest, UpperCaseUuidIsStoredCanonically)
{
    Result<Device *> r = create("fake", "fake-small", "83B8F4F2-509F-382F-3C1E-E6BFE0FA10AB");
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)->uuid().to_string(), "83b8f4f2-509f-382f-3c1e-e6bfe0fa10ab");
    EXPECT_EQ(core.find_device("83b8f4f2-509f-382f-3c1e-e6bfe0fa10ab"), *r);
    EXPECT_EQ(core.find_device("83B8F4F2-509F-382F-3C1E-E6BFE0FA10AB"), *r);
}

// ---- Refusals, each with its own code and a message for a person --------

// Nothing of a refused create may stay behind.
#define EXPECT_NOTHING_CREATED()                                                    \
    do {                                                                            \
        EXPECT_EQ(core.device_count(), 0u);                                         \
        EXPECT_EQ(fake_log.budget, 3u);                                             \
        EXPECT_EQ(solo_log.budget, 4u);                                             \
    } while (0)

TEST_F(CoreTest, UnknownParentIsRefused)
{
    Result<Device *> r = create("nope", "fake-small", kUuidA);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::unknown_parent);
    EXPECT_EQ(r.error().message, "no mdev parent named 'nope'");
    EXPECT_NOTHING_CREATED();
    EXPECT_EQ(fake_log.creates, 0u);
}

TEST_F(CoreTest, UnknownClassIsRefusedListingTheParentsClasses)
{
    Result<Device *> r = create("fake", "fake-small", kUuidA, "pci");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::unknown_class);
    EXPECT_EQ(r.error().message, "unknown mdev class 'pci'; accepted: vfio, virtio");

    Result<Device *> s = create("solo", "solo-small", kUuidA, "VFIO");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::unknown_class);
    EXPECT_EQ(s.error().message, "unknown mdev class 'VFIO'; accepted: vfio");

    Result<Device *> e = create("solo", "solo-small", kUuidA, "");
    ASSERT_FALSE(e.ok());
    EXPECT_EQ(e.error().code, Errc::unknown_class);
    EXPECT_NOTHING_CREATED();
    EXPECT_EQ(fake_log.creates + solo_log.creates, 0u);
}

TEST_F(CoreTest, UnknownTypeIsRefusedListingTheParentsTypes)
{
    Result<Device *> r = create("fake", "solo-small", kUuidA);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::unknown_type);
    EXPECT_EQ(r.error().message,
              "parent 'fake' has no type 'solo-small'; accepted: fake-small, fake-big");
    EXPECT_NOTHING_CREATED();
    EXPECT_EQ(fake_log.creates, 0u);
}

TEST_F(CoreTest, ClassWithoutOpsIsRefusedListingTheParentsClasses)
{
    Result<Device *> r = create("solo", "solo-small", kUuidA, "virtio");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::class_unsupported);
    EXPECT_EQ(r.error().message, "parent 'solo' has no virtio ops; accepted: vfio");
    EXPECT_NOTHING_CREATED();
    EXPECT_EQ(solo_log.creates, 0u);
}

TEST_F(CoreTest, ParentWithNoOpsAtAllSaysNone)
{
    ParentLog log;
    ASSERT_TRUE(core.register_parent(std::make_unique<FakeParent>("bare", log, 1)));
    Result<Device *> r = create("bare", "bare-small", kUuidA);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::class_unsupported);
    EXPECT_EQ(r.error().message, "parent 'bare' has no vfio ops; accepted: none");
}

TEST_F(CoreTest, MalformedUuidsAreRefused)
{
    const char *bad[] = {
        "",
        "not-a-uuid",
        "83b8f4f2509f382f3c1ee6bfe0fa1001",          // no dashes
        "83b8f4f2-509f-382f-3c1e-e6bfe0fa100",       // one digit short
        "83b8f4f2-509f-382f-3c1e-e6bfe0fa10011",     // one digit long
        "83b8f4f2-509f-382f-3c1ee-6bfe0fa1001",      // dash moved
        "83b8f4f2-509f-382f-3c1e-e6bfe0fa100g",      // not hex
        "83b8f4f2_509f_382f_3c1e_e6bfe0fa1001",      // wrong separator
        "{83b8f4f2-509f-382f-3c1e-e6bfe0fa1001}",    // braces
        " 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001",     // leading blank
        "83b8f4f2-509f-382f-3c1e-e6bfe0fa100 ",      // trailing blank
        "+3b8f4f2-509f-382f-3c1e-e6bfe0fa1001",      // sign
    };
    for (const char *text : bad) {
        SCOPED_TRACE(text);
        Result<Device *> r = create("fake", "fake-small", text);
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().code, Errc::malformed_uuid);
        EXPECT_THAT(r.error().message, HasSubstr("'" + std::string(text) + "' is not a UUID"));
        EXPECT_THAT(r.error().message, HasSubstr("8-4-4-4-12 hex digits"));
    }
    EXPECT_NOTHING_CREATED();
    EXPECT_EQ(fake_log.creates, 0u);
}

TEST_F(CoreTest, DuplicateUuidIsRefusedWhateverTheLetterCase)
{
    const char *lower = "83b8f4f2-509f-382f-3c1e-e6bfe0fa10cd";
    ASSERT_TRUE(create("fake", "fake-small", lower));

    Result<Device *> same = create("fake", "fake-small", lower);
    ASSERT_FALSE(same.ok());
    EXPECT_EQ(same.error().code, Errc::duplicate_uuid);
    EXPECT_EQ(same.error().message, std::string("an mdev with UUID ") + lower +
                                        " already exists");

    Result<Device *> upper = create("fake", "fake-small", "83B8F4F2-509F-382F-3C1E-E6BFE0FA10CD");
    ASSERT_FALSE(upper.ok());
    EXPECT_EQ(upper.error().code, Errc::duplicate_uuid);
    EXPECT_THAT(upper.error().message, HasSubstr(lower));

    // UUIDs are unique across parents and classes, not per parent.
    Result<Device *> other = create("solo", "solo-small", lower);
    ASSERT_FALSE(other.ok());
    EXPECT_EQ(other.error().code, Errc::duplicate_uuid);
    Result<Device *> virt = create("fake", "fake-small", lower, "virtio");
    ASSERT_FALSE(virt.ok());
    EXPECT_EQ(virt.error().code, Errc::duplicate_uuid);

    EXPECT_EQ(core.device_count(), 1u);
    EXPECT_EQ(fake_log.budget, 2u);
    EXPECT_EQ(fake_log.creates, 1u);
}

TEST_F(CoreTest, ExhaustedBudgetIsRefusedBeforeTheParentIsAsked)
{
    ASSERT_TRUE(create("fake", "fake-big", kUuidA));
    ASSERT_EQ(fake_log.budget, 1u);

    Result<Device *> r = create("fake", "fake-big", kUuidB);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::budget_exhausted);
    EXPECT_EQ(r.error().message,
              "parent 'fake' has no room for another 'fake-big' (available_instances is 0)");
    EXPECT_EQ(fake_log.creates, 1u);

    // A smaller type still fits.
    ASSERT_TRUE(create("fake", "fake-small", kUuidB));
    EXPECT_EQ(fake_log.budget, 0u);
    Result<Device *> s = create("fake", "fake-small", kUuidC);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::budget_exhausted);
    EXPECT_EQ(core.device_count(), 2u);
}

TEST_F(CoreTest, ParentsOwnRefusalIsPassedOnUnchanged)
{
    fake->lie_about_budget = true;
    ASSERT_TRUE(create("fake", "fake-big", kUuidA));
    Result<Device *> r = create("fake", "fake-big", kUuidB);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::budget_exhausted);
    EXPECT_EQ(r.error().message, "fake parent refuses: budget");
    EXPECT_EQ(fake_log.creates, 2u);
    EXPECT_EQ(fake_log.removes, 0u);
    EXPECT_EQ(core.device_count(), 1u);
}

TEST_F(CoreTest, NoDriverForTheClassIsRefusedAndTheBudgetReturned)
{
    core.bus().unregister_driver(vfio_driver);
    Result<Device *> r = create("fake", "fake-big", kUuidA);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::no_driver);
    EXPECT_EQ(r.error().message, "no frontend driver handles class 'vfio'");
    // The virtio driver was not tried on a vfio device.
    EXPECT_THAT(virtio_driver.probed, IsEmpty());
    EXPECT_EQ(fake_log.creates, 1u);
    EXPECT_EQ(fake_log.removes, 1u);
    EXPECT_THAT(fake_log.removed_uuids, ElementsAre(kUuidA));
    EXPECT_NOTHING_CREATED();
    EXPECT_EQ(core.find_device(kUuidA), nullptr);

    // The UUID is free again.
    core.bus().register_driver(vfio_driver);
    EXPECT_TRUE(create("fake", "fake-big", kUuidA));
}

TEST_F(CoreTest, FailedProbeIsRefusedAndTheBudgetReturned)
{
    vfio_driver.refuse = true;
    Result<Device *> r = create("fake", "fake-big", kUuidA);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::probe_failed);
    EXPECT_EQ(r.error().message,
              std::string("fake-vfio frontend refused mdev ") + kUuidA + ": fake refuses");
    EXPECT_EQ(vfio_driver.probed.size(), 1u);
    // A device that never bound is not unbound.
    EXPECT_THAT(vfio_driver.removed, IsEmpty());
    EXPECT_EQ(fake_log.removes, 1u);
    EXPECT_NOTHING_CREATED();

    vfio_driver.refuse = false;
    EXPECT_TRUE(create("fake", "fake-big", kUuidA));
    EXPECT_EQ(fake_log.budget, 1u);
}

TEST_F(CoreTest, RefusalsComeInTheDocumentedOrder)
{
    // Everything wrong at once: the parent is named first, and so on.
    Result<Device *> r = create("nope", "bad-type", "bad-uuid", "bad-class");
    EXPECT_EQ(r.error().code, Errc::unknown_parent);
    r = create("solo", "bad-type", "bad-uuid", "bad-class");
    EXPECT_EQ(r.error().code, Errc::unknown_class);
    r = create("solo", "bad-type", "bad-uuid", "virtio");
    EXPECT_EQ(r.error().code, Errc::unknown_type);
    r = create("solo", "solo-small", "bad-uuid", "virtio");
    EXPECT_EQ(r.error().code, Errc::class_unsupported);
    r = create("solo", "solo-small", "bad-uuid", "vfio");
    EXPECT_EQ(r.error().code, Errc::malformed_uuid);
    EXPECT_NOTHING_CREATED();
}

// ---- The bus -------------------------------------------------------------

TEST(BusTest, MatchUsesTheDriversIdTable)
{
    ParentLog log;
    FakeParent parent("p", log, 1);
    FakeVfioOps vops;
    FakeVirtioOps wops;
    Device vdev(parent, parent.types()[0], *Uuid::parse(kUuidA), ClassOps::make(vops), nullptr);
    Device wdev(parent, parent.types()[0], *Uuid::parse(kUuidB),
                ClassOps::make(wops), nullptr);
    FakeDriver vfio_only("v", {ClassId::vfio});
    FakeDriver virtio_only("w", {ClassId::virtio});
    FakeDriver both("b", {ClassId::virtio, ClassId::vfio});
    FakeDriver none("n", {});

    EXPECT_TRUE(Bus::match(vfio_only, vdev));
    EXPECT_FALSE(Bus::match(vfio_only, wdev));
    EXPECT_FALSE(Bus::match(virtio_only, vdev));
    EXPECT_TRUE(Bus::match(virtio_only, wdev));
    EXPECT_TRUE(Bus::match(both, vdev));
    EXPECT_TRUE(Bus::match(both, wdev));
    EXPECT_FALSE(Bus::match(none, vdev));
    EXPECT_FALSE(Bus::match(none, wdev));
}

TEST_F(CoreTest, VirtioDriverDoesNotBindAVfioDevice)
{
    Result<Device *> r = create("fake", "fake-small", kUuidA);
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)->driver(), &vfio_driver);
    EXPECT_THAT(virtio_driver.probed, IsEmpty());
}

TEST_F(CoreTest, FirstMatchingDriverWins)
{
    FakeDriver second("second-vfio", {ClassId::virtio, ClassId::vfio});
    core.bus().register_driver(second);
    Result<Device *> r = create("fake", "fake-small", kUuidA);
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)->driver(), &vfio_driver);
    EXPECT_THAT(second.probed, IsEmpty());

    // With the first one gone, the next matching driver binds.
    core.bus().unregister_driver(vfio_driver);
    Result<Device *> s = create("fake", "fake-small", kUuidB);
    ASSERT_TRUE(s);
    EXPECT_EQ((*s)->driver(), &second);
    // The virtio driver comes first on the bus, but its table does not match.
    EXPECT_THAT(virtio_driver.probed, IsEmpty());
    ASSERT_TRUE(core.remove(kUuidA));
    ASSERT_TRUE(core.remove(kUuidB));
    EXPECT_THAT(second.removed, ElementsAre(kUuidB));
    EXPECT_THAT(vfio_driver.removed, ElementsAre(kUuidA));
}

TEST_F(CoreTest, FirstMatchingDriversRefusalIsFinal)
{
    FakeDriver second("second-vfio", {ClassId::vfio});
    core.bus().register_driver(second);
    vfio_driver.refuse = true;
    Result<Device *> r = create("fake", "fake-small", kUuidA);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::probe_failed);
    EXPECT_THAT(second.probed, IsEmpty());
}

TEST_F(CoreTest, DriverIsRegisteredOnce)
{
    core.bus().register_driver(vfio_driver);
    core.bus().register_driver(virtio_driver);
    EXPECT_THAT(core.bus().drivers(), ElementsAre(&virtio_driver, &vfio_driver));
    core.bus().unregister_driver(virtio_driver);
    EXPECT_THAT(core.bus().drivers(), ElementsAre(&vfio_driver));
}

// ---- Remove --------------------------------------------------------------

TEST_F(CoreTest, RemoveUnbindsReturnsTheBudgetAndForgetsTheDevice)
{
    ASSERT_TRUE(create("fake", "fake-big", kUuidA));
    ASSERT_TRUE(create("fake", "fake-small", kUuidB));
    ASSERT_EQ(fake_log.budget, 0u);

    Status s = core.remove(kUuidA);
    ASSERT_TRUE(s.ok());
    EXPECT_THAT(vfio_driver.removed, ElementsAre(kUuidA));
    EXPECT_THAT(vfio_driver.removed_had_driver, ElementsAre(true));
    EXPECT_THAT(fake_log.removed_uuids, ElementsAre(kUuidA));
    EXPECT_EQ(fake_log.budget, 2u);
    EXPECT_EQ(core.device_count(), 1u);
    EXPECT_EQ(core.find_device(kUuidA), nullptr);
    EXPECT_NE(core.find_device(kUuidB), nullptr);

    // The room is there again.
    EXPECT_TRUE(create("fake", "fake-big", kUuidC));
}

TEST_F(CoreTest, RemoveTakesTheUuidInEitherCase)
{
    ASSERT_TRUE(create("fake", "fake-small", "83b8f4f2-509f-382f-3c1e-e6bfe0fa10ef"));
    ASSERT_TRUE(core.remove("83B8F4F2-509F-382F-3C1E-E6BFE0FA10EF"));
    EXPECT_EQ(core.device_count(), 0u);
    EXPECT_EQ(fake_log.budget, 3u);
}

TEST_F(CoreTest, RemoveOfUnknownUuidIsRefused)
{
    ASSERT_TRUE(create("fake", "fake-small", kUuidA));
    Status s = core.remove(kUuidB);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::unknown_device);
    EXPECT_EQ(s.error().message, std::string("no mdev with UUID '") + kUuidB + "'");

    Status m = core.remove("garbage");
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().code, Errc::unknown_device);
    EXPECT_THAT(m.error().message, HasSubstr("'garbage'"));

    ASSERT_TRUE(core.remove(kUuidA));
    Status again = core.remove(kUuidA);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, Errc::unknown_device);
    EXPECT_THAT(vfio_driver.removed, ElementsAre(kUuidA));
    EXPECT_EQ(fake_log.removes, 1u);
}

TEST(CoreLifetimeTest, DestructorUnbindsRemainingDevicesAndReturnsBudgets)
{
    RecordingHost host;
    FakeDriver driver("d", {ClassId::vfio});
    FakeVfioOps ops;
    ParentLog log;
    {
        Core core;
        ASSERT_TRUE(core.register_parent(std::make_unique<FakeParent>("p", log, 5)));
        ASSERT_TRUE(core.register_ops<vfio::VfioOps>("p", ops));
        core.bus().register_driver(driver);
        ASSERT_TRUE(core.create({"p", "p-big", kUuidA, "vfio", &host}));
        ASSERT_TRUE(core.create({"p", "p-small", kUuidB, "vfio", &host}));
        ASSERT_TRUE(core.create({"p", "p-small", kUuidC, "vfio", &host}));
        ASSERT_TRUE(core.remove(kUuidB));
        ASSERT_EQ(log.budget, 2u);
        ASSERT_EQ(driver.removed.size(), 1u);
    }
    EXPECT_THAT(driver.removed, ::testing::UnorderedElementsAre(kUuidA, kUuidB, kUuidC));
    EXPECT_THAT(driver.removed_had_driver, ElementsAre(true, true, true));
    EXPECT_EQ(log.removes, 3u);
    EXPECT_EQ(log.budget, 5u);
}

// ---- Device --------------------------------------------------------------

TEST_F(CoreTest, GuestErrorGoesToTheHost)
{
    Result<Device *> r = create("fake", "fake-small", kUuidA);
    ASSERT_TRUE(r);
    (*r)->guest_error("bad %s at 0x%x", "write", 0x1c);
    EXPECT_THAT(host.errors, ElementsAre("bad write at 0x1c"));
}

TEST_F(CoreTest, GuestErrorWithoutHostGoesNowhere)
{
    Result<Device *> r = core.create(CreateRequest{"fake", "fake-small", kUuidA, "vfio", nullptr});
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)->host(), nullptr);
    (*r)->guest_error("lost %d", 1);
    EXPECT_THAT(host.errors, IsEmpty());
}

TEST_F(CoreTest, LongGuestErrorIsTruncatedNotOverflowed)
{
    Result<Device *> r = create("fake", "fake-small", kUuidA);
    ASSERT_TRUE(r);
    std::string big(2000, 'x');
    (*r)->guest_error("%s", big.c_str());
    ASSERT_EQ(host.errors.size(), 1u);
    EXPECT_EQ(host.errors[0], std::string(511, 'x'));
}

// ---- Migration blocker -----------------------------------------------------

TEST_F(CoreTest, BlockMigrationReachesTheHostOnlyWhenItChanges)
{
    Result<Device *> r = create("fake", "fake-small", kUuidA);
    ASSERT_TRUE(r);
    Device &dev = **r;
    EXPECT_FALSE(dev.migration_blocked());
    dev.unblock_migration(); // not blocked: nothing to say
    EXPECT_EQ(host.unblocks, 0u);
    dev.block_migration("fake: data in RAM");
    dev.block_migration("fake: data in RAM"); // again, as on every write
    EXPECT_THAT(host.blocks, ElementsAre("fake: data in RAM"));
    EXPECT_TRUE(dev.migration_blocked());
    EXPECT_EQ(dev.migration_blocker(), "fake: data in RAM");
    dev.block_migration("fake: other reason"); // a new reason replaces it
    EXPECT_THAT(host.blocks, ElementsAre("fake: data in RAM", "fake: other reason"));
    dev.unblock_migration();
    dev.unblock_migration();
    EXPECT_EQ(host.unblocks, 1u);
    EXPECT_FALSE(dev.migration_blocked());
    EXPECT_EQ(dev.migration_blocker(), "");
}

TEST_F(CoreTest, ABlockBeforeTheHostIsAttachedReachesItAtAttach)
{
    Result<Device *> r = core.create(CreateRequest{"fake", "fake-small", kUuidA, "vfio", nullptr});
    ASSERT_TRUE(r);
    (*r)->block_migration("early");
    EXPECT_THAT(host.blocks, IsEmpty());
    (*r)->set_host(&host);
    EXPECT_THAT(host.blocks, ElementsAre("early"));
}

TEST_F(CoreTest, ARemovedDeviceNoLongerBlocksTheMachine)
{
    Result<Device *> r = create("fake", "fake-small", kUuidA);
    ASSERT_TRUE(r);
    Device &dev = **r;
    Core::Pin pin(core, dev); // a call into it still on the stack
    ASSERT_TRUE(core.remove(kUuidA));
    dev.block_migration("too late");
    EXPECT_THAT(host.blocks, IsEmpty());
}

// ---- Rekey (a migration stream's UUID) ---------------------------------------

TEST_F(CoreTest, RekeyFindsTheDeviceByItsNewUuidAndTellsTheParent)
{
    Result<Device *> r = create("fake", "fake-small", kUuidA);
    ASSERT_TRUE(r);
    Device &dev = **r;
    const char *text = dev.uuid_text();
    ASSERT_TRUE(core.rekey(dev, *Uuid::parse(kUuidB)));
    EXPECT_EQ(core.find_device(kUuidA), nullptr);
    EXPECT_EQ(core.find_device(kUuidB), &dev);
    EXPECT_STREQ(dev.uuid_text(), kUuidB);
    // Trace names that kept the pointer see the new UUID.
    EXPECT_EQ(text, dev.uuid_text());
    EXPECT_THAT(dev.vendor_state<FakeState>().rekeyed_to, ElementsAre(kUuidB));
    // The same UUID again changes nothing and tells nobody.
    ASSERT_TRUE(core.rekey(dev, *Uuid::parse(kUuidB)));
    EXPECT_THAT(dev.vendor_state<FakeState>().rekeyed_to, ElementsAre(kUuidB));
    // The old UUID is free again; removal goes by the new one.
    EXPECT_TRUE(create("fake", "fake-small", kUuidA));
    EXPECT_TRUE(core.remove(kUuidB));
}

TEST_F(CoreTest, RekeyToAUuidInUseIsRefused)
{
    Result<Device *> a = create("fake", "fake-small", kUuidA);
    Result<Device *> b = create("fake", "fake-small", kUuidB);
    ASSERT_TRUE(a);
    ASSERT_TRUE(b);
    Status s = core.rekey(**a, *Uuid::parse(kUuidB));
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::duplicate_uuid);
    EXPECT_THAT(s.error().message, HasSubstr(kUuidB));
    EXPECT_EQ(core.find_device(kUuidA), *a);
    EXPECT_THAT((*a)->vendor_state<FakeState>().rekeyed_to, IsEmpty());
}

// ---- Uuid ----------------------------------------------------------------

TEST(UuidTest, ParseAndToStringRoundTrip)
{
    const char *texts[] = {
        "00000000-0000-0000-0000-000000000000",
        "ffffffff-ffff-ffff-ffff-ffffffffffff",
        "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001",
        "01234567-89ab-cdef-0123-456789abcdef",
    };
    for (const char *text : texts) {
        std::optional<Uuid> u = Uuid::parse(text);
        ASSERT_TRUE(u) << text;
        EXPECT_EQ(u->to_string(), text);
        EXPECT_EQ(Uuid::parse(u->to_string()), u);
    }
}

TEST(UuidTest, UpperAndMixedCaseParseToTheSameUuid)
{
    std::optional<Uuid> lower = Uuid::parse("01234567-89ab-cdef-0123-456789abcdef");
    std::optional<Uuid> upper = Uuid::parse("01234567-89AB-CDEF-0123-456789ABCDEF");
    std::optional<Uuid> mixed = Uuid::parse("01234567-89aB-CdEf-0123-456789AbCdEf");
    ASSERT_TRUE(lower && upper && mixed);
    EXPECT_EQ(*lower, *upper);
    EXPECT_EQ(*lower, *mixed);
    EXPECT_EQ(upper->to_string(), "01234567-89ab-cdef-0123-456789abcdef");
}

TEST(UuidTest, DifferentUuidsDiffer)
{
    EXPECT_NE(*Uuid::parse(kUuidA), *Uuid::parse(kUuidB));
    // Each nibble counts, including the high one of a byte.
    EXPECT_NE(*Uuid::parse("10000000-0000-0000-0000-000000000000"),
              *Uuid::parse("01000000-0000-0000-0000-000000000000"));
}

// ---- Removal while a call into the device is on the stack ----------------

TEST_F(CoreTest, RemovingAPinnedDeviceDefersItsDestruction)
{
    Result<Device *> r = create("fake", "fake-small", kUuidA);
    ASSERT_TRUE(r);
    Device *dev = *r;
    {
        Core::Pin pin(core, *dev);
        ASSERT_TRUE(core.remove(kUuidA));
        // Gone for the registry at once, and cut off from the machine...
        EXPECT_EQ(core.find_device(kUuidA), nullptr);
        EXPECT_EQ(core.device_count(), 0u);
        EXPECT_TRUE(dev->removed());
        ASSERT_NE(dev->host(), nullptr);
        dev->host()->set_intx(true);
        dev->host()->notify_msi(3);
        std::uint8_t byte = 0;
        EXPECT_FALSE(dev->host()->dma_read(0, std::span(&byte, 1)));
        EXPECT_FALSE(dev->host()->dma_write(0, std::span(&byte, 1)));
        dev->guest_error("after removal");
        EXPECT_TRUE(host.intx.empty());
        EXPECT_TRUE(host.msi.empty());
        EXPECT_TRUE(host.errors.empty());
        // ...its budget back at once, as sysfs gives it back...
        EXPECT_EQ(fake_log.budget, 3u);
        // ...but still whole: bound, state alive.
        EXPECT_EQ(dev->driver(), &vfio_driver);
        EXPECT_TRUE(vfio_driver.removed.empty());
        EXPECT_EQ(dev->uuid().to_string(), kUuidA);
    }
    // The last pin went: unbound and destroyed; the budget given back once.
    ASSERT_EQ(vfio_driver.removed.size(), 1u);
    EXPECT_EQ(vfio_driver.removed[0], kUuidA);
    EXPECT_EQ(fake_log.budget, 3u);
}

TEST_F(CoreTest, NestedPinsKeepTheDeviceUntilTheOutermostGoes)
{
    Result<Device *> r = create("fake", "fake-small", kUuidA);
    ASSERT_TRUE(r);
    std::optional<Core::Pin> outer;
    outer.emplace(core, **r);
    {
        Core::Pin inner(core, **r);
        ASSERT_TRUE(core.remove(kUuidA));
        EXPECT_EQ((*r)->pins(), 2u);
    }
    EXPECT_TRUE(vfio_driver.removed.empty());
    outer.reset();
    EXPECT_EQ(vfio_driver.removed.size(), 1u);
    EXPECT_EQ(fake_log.budget, 3u);
}

TEST_F(CoreTest, APinWithoutRemovalDestroysNothing)
{
    Result<Device *> r = create("fake", "fake-small", kUuidA);
    ASSERT_TRUE(r);
    { Core::Pin pin(core, **r); }
    EXPECT_EQ(core.find_device(kUuidA), *r);
    EXPECT_TRUE(vfio_driver.removed.empty());
    ASSERT_TRUE(core.remove(kUuidA));
    EXPECT_EQ(vfio_driver.removed.size(), 1u);
}

TEST_F(CoreTest, TheUuidOfAPinnedRemovedDeviceIsFreeAgain)
{
    // sysfs: once remove returned, the UUID may be created again.
    Result<Device *> r = create("fake", "fake-small", kUuidA);
    ASSERT_TRUE(r);
    Core::Pin pin(core, **r);
    ASSERT_TRUE(core.remove(kUuidA));
    Result<Device *> again = create("fake", "fake-small", kUuidA);
    ASSERT_TRUE(again);
    EXPECT_NE(*again, *r);
    EXPECT_EQ(core.find_device(kUuidA), *again);
}

TEST_F(CoreTest, AnOwnedHostLivesExactlyAsLongAsItsDevice)
{
    struct CountedHost final : RecordingHost {
        explicit CountedHost(int &alive) : alive_(alive) { alive_++; }
        ~CountedHost() override { alive_--; }
        int &alive_;
    };
    int alive = 0;
    Result<Device *> r = core.create(CreateRequest{"fake", "fake-small", kUuidA, "vfio",
                                                   nullptr, std::make_unique<CountedHost>(alive)});
    ASSERT_TRUE(r);
    EXPECT_EQ(alive, 1);
    {
        Core::Pin pin(core, **r);
        ASSERT_TRUE(core.remove(kUuidA));
        EXPECT_EQ(alive, 1);
    }
    EXPECT_EQ(alive, 0);
    // A refused create destroys the host it was given.
    EXPECT_FALSE(core.create(CreateRequest{"fake", "fake-nope", kUuidB, "vfio", nullptr,
                                           std::make_unique<CountedHost>(alive)}));
    EXPECT_EQ(alive, 0);
}

TEST(UuidTest, MalformedTextIsRejected)
{
    EXPECT_FALSE(Uuid::parse(""));
    EXPECT_FALSE(Uuid::parse("0123456789abcdef0123456789abcdef"));
    EXPECT_FALSE(Uuid::parse("01234567-89ab-cdef-0123-456789abcdeg"));
    EXPECT_FALSE(Uuid::parse("01234567-89ab-cdef-0123-456789abcde"));
    EXPECT_FALSE(Uuid::parse("01234567-89ab-cdef-0123-456789abcdef0"));
    EXPECT_FALSE(Uuid::parse("01234567089ab-cdef-0123-456789abcdef"));
    EXPECT_FALSE(Uuid::parse(std::string_view("01234567-89ab-cdef-0123-456789abcde\0", 36)));
}

} // namespace
} // namespace mdev
