// SPDX-License-Identifier: GPL-2.0-or-later
// The core's create and remove, against a model of what they must do: a
// core per input with the four sample parents and the real frontends, then
// creates (parents, types, classes and UUIDs right, wrong, duplicate,
// differently spelt; with or without a host for the frontend) and removes
// in any order, and pins (Core::Pin, what every call into a device holds)
// taken and dropped around them. Each create must fail with exactly the
// error the core's documented order of checks gives, leave everything as it
// was when it fails, and each parent's available_instances must follow its
// budget; a device removed while pinned is gone from the core and gives its
// budget back at once (as sysfs's remove), its state living on until its
// last pin goes (ASan sees any use after). At the end every mdev is
// removed (budgets whole again), or the core is destroyed with mdevs still
// in it.
#include "fuzz_common.hpp"
#include "hw/mdev/core.hpp"
#include "samples/mbochs/mbochs.hpp"
#include "samples/mdpy/mdpy.hpp"
#include "samples/mtty/mtty.hpp"
#include "samples/mvnet/mvnet.hpp"
#include "vfio/vfio_driver.hpp"
#include "virtio/virtio_driver.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace mdev;

// What the model knows of each parent: its classes, and its budget in
// units with each type's cost (0: no budget, mvnet).
struct ParentModel {
    const char *name;
    std::vector<const char *> classes;
    unsigned budget;
    std::map<std::string, unsigned> cost; // type id -> units
};

const std::vector<ParentModel> &models()
{
    static const std::vector<ParentModel> m = {
        {"mtty", {"vfio", "virtio"}, samples::kMttyTotalPorts, {{"mtty-1", 1}, {"mtty-2", 2}}},
        {"mdpy", {"vfio"}, samples::kMdpyDefaultCount,
         {{"mdpy-vga", 1}, {"mdpy-xga", 1}, {"mdpy-hd", 1}}},
        {"mbochs", {"vfio"}, samples::kMbochsTotalMegabytes,
         {{"mbochs-small", 4}, {"mbochs-medium", 16}, {"mbochs-large", 64}}},
        {"mvnet", {"virtio"}, 0, {{"mvnet-virtio", 0}}},
    };
    return m;
}

const char *const kParentNames[] = {"mtty", "mdpy", "mbochs", "mvnet", "mtty ", "", "nope"};
const char *const kClassNames[] = {"vfio", "virtio", "VFIO", "", "vfio-pci"};
const char *const kTypeNames[] = {"mtty-1",      "mtty-2",       "mdpy-vga",    "mdpy-xga",
                                  "mdpy-hd",     "mbochs-small", "mbochs-medium",
                                  "mbochs-large", "mvnet-virtio", "mtty-3",      ""};
const char *const kUuids[] = {
    "9b1e6d2a-0c4f-4e8a-9d7b-3f5a2c1e0001", "9b1e6d2a-0c4f-4e8a-9d7b-3f5a2c1e0002",
    "9b1e6d2a-0c4f-4e8a-9d7b-3f5a2c1e0003", "9B1E6D2A-0C4F-4E8A-9D7B-3F5A2C1E0001",
    "9b1e6d2a0c4f4e8a9d7b3f5a2c1e0001",     "9b1e6d2a-0c4f-4e8a-9d7b-3f5a2c1e000g",
};

struct Live {
    std::string canonical;
    const ParentModel *parent;
    std::string type;
    Device *device;
};

struct Model {
    std::map<std::string, unsigned> used; // parent -> units in use
    std::vector<Live> devices; // in the core

    void release(const Live &d) { used[d.parent->name] -= d.parent->cost.at(d.type); }

    unsigned available(const ParentModel &p, const std::string &type) const
    {
        const unsigned cost = p.cost.at(type);
        if (cost == 0) {
            return 1u << 30; // mvnet: no budget
        }
        auto it = used.find(p.name);
        return (p.budget - (it == used.end() ? 0 : it->second)) / cost;
    }

    const ParentModel *parent(const std::string &name) const
    {
        for (const ParentModel &p : models()) {
            if (name == p.name) {
                return &p;
            }
        }
        return nullptr;
    }

    // The error the core must return, in its documented order of checks.
    std::optional<Errc> expected(const CreateRequest &req, bool have_host) const
    {
        const ParentModel *p = parent(req.parent);
        if (!p) {
            return Errc::unknown_parent;
        }
        if (req.class_name != "vfio" && req.class_name != "virtio") {
            return Errc::unknown_class;
        }
        if (!p->cost.count(req.type)) {
            return Errc::unknown_type;
        }
        if (std::find_if(p->classes.begin(), p->classes.end(), [&](const char *c) {
                return req.class_name == c;
            }) == p->classes.end()) {
            return Errc::class_unsupported;
        }
        std::optional<Uuid> uuid = Uuid::parse(req.uuid);
        if (!uuid) {
            return Errc::malformed_uuid;
        }
        for (const Live &d : devices) {
            if (d.canonical == uuid->to_string()) {
                return Errc::duplicate_uuid;
            }
        }
        if (available(*p, req.type) == 0) {
            return Errc::budget_exhausted;
        }
        if (!have_host) {
            return Errc::probe_failed; // both frontends need a host to show the device in
        }
        return std::nullopt;
    }
};

void check_budgets(Core &core, const Model &model)
{
    for (const ParentModel &p : models()) {
        Parent *parent = core.find_parent(p.name);
        for (const auto &[type, cost] : p.cost) {
            const unsigned have = parent->available_instances(*parent->find_type(type));
            FUZZ_CHECK(have == model.available(p, type), "%s available_instances %u, model %u",
                       type.c_str(), have, model.available(p, type));
        }
    }
    FUZZ_CHECK(core.device_count() == model.devices.size(), "core has %zu devices, model %zu",
               core.device_count(), model.devices.size());
}

template <typename P>
void add_parent(Core &core)
{
    auto owned = std::make_unique<P>();
    P &p = *owned;
    FUZZ_CHECK(core.register_parent(std::move(owned)), "register_parent");
    FUZZ_CHECK(p.register_ops(core), "register_ops");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    FuzzedDataProvider in(data, size);
    fuzz::FuzzGuest host(0);
    Core core;
    add_parent<samples::MttyParent>(core);
    add_parent<samples::MdpyParent>(core);
    add_parent<samples::MbochsParent>(core);
    add_parent<samples::MvnetParent>(core);
    core.bus().register_driver(vfio::vfio_pci_driver());
    core.bus().register_driver(virtio::virtio_pci_driver());
    Model model;
    // Destroyed before the core (declared after it), as calls end before
    // the machine does.
    std::vector<std::unique_ptr<Core::Pin>> pins;

    for (unsigned steps = 0; steps < 64 && in.remaining_bytes() > 0; steps++) {
        if (in.ConsumeIntegralInRange<unsigned>(0, 2) != 0) {
            CreateRequest req;
            req.parent = in.PickValueInArray(kParentNames);
            req.class_name = in.PickValueInArray(kClassNames);
            req.type = in.PickValueInArray(kTypeNames);
            req.uuid = in.ConsumeIntegralInRange<unsigned>(0, 7) == 0
                           ? in.ConsumeRandomLengthString(40)
                           : in.PickValueInArray(kUuids);
            const bool have_host = in.ConsumeIntegralInRange<unsigned>(0, 15) != 0;
            req.host = have_host ? &host : nullptr;
            const std::optional<Errc> want = model.expected(req, have_host);
            Result<Device *> got =
                core.create(CreateRequest{req.parent, req.type, req.uuid, req.class_name, req.host});
            if (want) {
                FUZZ_CHECK(!got, "create %s/%s/%s/%s succeeded, expected error %d",
                           req.parent.c_str(), req.type.c_str(), req.class_name.c_str(),
                           req.uuid.c_str(), int(*want));
                FUZZ_CHECK(got.error().code == *want, "create %s/%s/%s/%s: error %d, expected %d",
                           req.parent.c_str(), req.type.c_str(), req.class_name.c_str(),
                           req.uuid.c_str(), int(got.error().code), int(*want));
                FUZZ_CHECK(!got.error().message.empty(), "an error without a message");
            } else {
                FUZZ_CHECK(got, "create %s/%s/%s failed: %s", req.parent.c_str(),
                           req.type.c_str(), req.class_name.c_str(),
                           got.error().message.c_str());
                Device &dev = **got;
                const std::string canonical = Uuid::parse(req.uuid)->to_string();
                FUZZ_CHECK(dev.uuid().to_string() == canonical && dev.type().id == req.type &&
                               dev.parent().name() == req.parent && dev.driver() != nullptr,
                           "the created device is not the one asked for");
                FUZZ_CHECK(core.find_device(req.uuid) == &dev, "find_device");
                const ParentModel *p = model.parent(req.parent);
                model.used[p->name] += p->cost.at(req.type);
                model.devices.push_back({canonical, p, req.type, &dev});
            }
        } else if (in.ConsumeIntegralInRange<unsigned>(0, 3) == 0) {
            // Pin a device in the core, or drop a pin.
            if (!model.devices.empty() && in.ConsumeBool()) {
                Device *dev = model.devices[in.ConsumeIntegralInRange<std::size_t>(
                                                0, model.devices.size() - 1)]
                                  .device;
                pins.push_back(std::make_unique<Core::Pin>(core, *dev));
            } else if (!pins.empty()) {
                // The last pin of a removed device reaps it.
                const std::size_t i = in.ConsumeIntegralInRange<std::size_t>(0, pins.size() - 1);
                pins.erase(pins.begin() + std::ptrdiff_t(i));
            }
        } else {
            // Remove one that exists (spelt as created, or upper case), or
            // one that does not.
            std::string uuid = in.PickValueInArray(kUuids);
            if (!model.devices.empty() && in.ConsumeBool()) {
                uuid = model.devices[in.ConsumeIntegralInRange<std::size_t>(
                                         0, model.devices.size() - 1)]
                           .canonical;
                if (in.ConsumeBool()) {
                    std::transform(uuid.begin(), uuid.end(), uuid.begin(),
                                   [](unsigned char c) { return char(std::toupper(c)); });
                }
            }
            std::optional<Uuid> parsed = Uuid::parse(uuid);
            auto it = std::find_if(model.devices.begin(), model.devices.end(), [&](const Live &d) {
                return parsed && d.canonical == parsed->to_string();
            });
            const Status removed = core.remove(uuid);
            FUZZ_CHECK(bool(removed) == (it != model.devices.end()), "remove %s: %s",
                       uuid.c_str(), removed ? "removed" : removed.error().message.c_str());
            if (!removed) {
                FUZZ_CHECK(removed.error().code == Errc::unknown_device, "remove: error %d",
                           int(removed.error().code));
            } else {
                model.release(*it);
                model.devices.erase(it);
                FUZZ_CHECK(!core.find_device(uuid), "removed device still found");
            }
        }
        check_budgets(core, model);
    }

    // Either remove everything (the budgets must be whole again) or leave
    // the core to destroy what is left.
    if (in.ConsumeBool()) {
        while (!model.devices.empty()) {
            FUZZ_CHECK(core.remove(model.devices.back().canonical), "final remove");
            model.release(model.devices.back());
            model.devices.pop_back();
        }
        pins.clear(); // the last calls return: everything removed is reaped
        check_budgets(core, model);
        for (const auto &[parent, units] : model.used) {
            FUZZ_CHECK(units == 0, "%s still has %u units in use", parent.c_str(), units);
        }
    }
    return 0;
}
