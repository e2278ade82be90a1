// SPDX-License-Identifier: GPL-2.0-or-later
#include "hw/mdev/core.hpp"

#include <algorithm>

namespace mdev {

namespace {

std::string quoted(std::string_view s)
{
    return "'" + std::string(s) + "'";
}

template <typename Range, typename Name>
std::string join(const Range &items, Name name)
{
    std::string out;
    for (const auto &item : items) {
        if (!out.empty()) {
            out += ", ";
        }
        out += name(item);
    }
    return out.empty() ? "none" : out;
}

} // namespace

Core::~Core()
{
    // Unbind and give budgets back before the parents go. A device still
    // pinned here would be a pin that outlives the core: a caller's bug.
    while (!removed_.empty()) {
        std::unique_ptr<Device> dev = std::move(removed_.back());
        removed_.pop_back();
        destroy(std::move(dev));
    }
    while (!devices_.empty()) {
        std::unique_ptr<Device> dev = std::move(devices_.back());
        devices_.pop_back();
        destroy(std::move(dev));
    }
}

Result<Parent *> Core::register_parent(std::unique_ptr<Parent> parent, std::string id)
{
    if (id.empty()) {
        id = std::string(parent->name());
    }
    if (entry(id)) {
        return Error{Errc::duplicate_parent,
                     "a parent named " + quoted(id) + " is already registered"};
    }
    parent->id_ = std::move(id);
    Parent *raw = parent.get();
    parents_.push_back(ParentEntry{std::move(parent), {}});
    return raw;
}

Status Core::unregister_parent(std::string_view id)
{
    auto it = std::find_if(parents_.begin(), parents_.end(),
                           [&](const ParentEntry &e) { return e.parent->id() == id; });
    if (it == parents_.end()) {
        return Error{Errc::unknown_parent, "no mdev parent named " + quoted(id)};
    }
    if (std::size_t n = mdevs_of(id); n > 0) {
        return Error{Errc::parent_in_use, "parent " + quoted(id) + " still has " +
                                              std::to_string(n) + " mdev(s); remove them first"};
    }
    parents_.erase(it);
    return Ok{};
}

std::size_t Core::mdevs_of(std::string_view id) const
{
    auto of_id = [id](const std::unique_ptr<Device> &d) { return d->parent().id() == id; };
    return static_cast<std::size_t>(std::count_if(devices_.begin(), devices_.end(), of_id) +
                                    std::count_if(removed_.begin(), removed_.end(), of_id));
}

std::vector<const Parent *> Core::parents() const
{
    std::vector<const Parent *> all;
    for (const ParentEntry &e : parents_) {
        all.push_back(e.parent.get());
    }
    return all;
}

Parent *Core::find_parent(std::string_view name) const
{
    const ParentEntry *e = entry(name);
    return e ? e->parent.get() : nullptr;
}

Status Core::add_ops(std::string_view parent, ClassOps ops)
{
    ParentEntry *e = entry(parent);
    if (!e) {
        return Error{Errc::unknown_parent, "no mdev parent named " + quoted(parent)};
    }
    for (const ClassOps &have : e->ops) {
        if (have.class_id() == ops.class_id()) {
            return Error{Errc::duplicate_ops, "parent " + quoted(parent) +
                                                  " already registered its " +
                                                  std::string(class_name(ops.class_id())) +
                                                  " ops"};
        }
    }
    e->ops.push_back(ops);
    std::sort(e->ops.begin(), e->ops.end(), [](const ClassOps &a, const ClassOps &b) {
        return a.class_id() < b.class_id();
    });
    return Ok{};
}

std::vector<ClassId> Core::classes_of(std::string_view parent) const
{
    std::vector<ClassId> ids;
    if (const ParentEntry *e = entry(parent)) {
        for (const ClassOps &ops : e->ops) {
            ids.push_back(ops.class_id());
        }
    }
    return ids;
}

Result<Device *> Core::create(CreateRequest req)
{
    ParentEntry *e = entry(req.parent);
    if (!e) {
        return Error{Errc::unknown_parent, "no mdev parent named " + quoted(req.parent)};
    }
    Parent &parent = *e->parent;

    std::optional<ClassId> class_id = parse_class(req.class_name);
    if (!class_id) {
        return Error{Errc::unknown_class,
                     "unknown mdev class " + quoted(req.class_name) + "; accepted: " +
                         join(classes_of(req.parent), class_name)};
    }

    const MdevType *type = parent.find_type(req.type);
    if (!type) {
        return Error{Errc::unknown_type,
                     "parent " + quoted(parent.id()) + " has no type " + quoted(req.type) +
                         "; accepted: " +
                         join(parent.types(), [](const MdevType &t) { return t.id; })};
    }

    auto ops = std::find_if(e->ops.begin(), e->ops.end(), [&](const ClassOps &o) {
        return o.class_id() == *class_id;
    });
    if (ops == e->ops.end()) {
        return Error{Errc::class_unsupported,
                     "parent " + quoted(parent.id()) + " has no " +
                         std::string(class_name(*class_id)) + " ops; accepted: " +
                         join(classes_of(req.parent), class_name)};
    }

    std::optional<Uuid> uuid = Uuid::parse(req.uuid);
    if (!uuid) {
        return Error{Errc::malformed_uuid,
                     quoted(req.uuid) + " is not a UUID; accepted: 8-4-4-4-12 hex digits, "
                                        "e.g. 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001"};
    }
    if (find_device(uuid->to_string())) {
        return Error{Errc::duplicate_uuid,
                     "an mdev with UUID " + uuid->to_string() + " already exists"};
    }

    if (parent.available_instances(*type) == 0) {
        return Error{Errc::budget_exhausted,
                     "parent " + quoted(parent.id()) + " has no room for another " +
                         quoted(type->id) + " (available_instances is 0)"};
    }
    Result<std::unique_ptr<VendorState>> state = parent.create(CreateArgs{
        *type, *uuid, *class_id, req.properties,
        req.owned_host ? req.owned_host.get() : req.host});
    if (!state) {
        return state.error();
    }

    auto dev = std::make_unique<Device>(parent, *type, *uuid, *ops, std::move(*state));
    Host *host = req.owned_host ? req.owned_host.get() : req.host;
    dev->attach_host(host, std::move(req.owned_host));
    Status bound = bus_.bind(*dev);
    if (!bound) {
        parent.remove(dev->vendor_state_base());
        return bound.error();
    }
    devices_.push_back(std::move(dev));
    return devices_.back().get();
}

Status Core::remove(std::string_view uuid)
{
    std::optional<Uuid> parsed = Uuid::parse(uuid);
    auto it = std::find_if(devices_.begin(), devices_.end(), [&](const auto &d) {
        return parsed && d->uuid() == *parsed;
    });
    if (it == devices_.end()) {
        return Error{Errc::unknown_device, "no mdev with UUID " + quoted(uuid)};
    }
    std::unique_ptr<Device> dev = std::move(*it);
    devices_.erase(it);
    dev->removed_ = true;
    dev->host_port_.detach();
    // As on sysfs: once remove returned, the budget is available again.
    dev->parent().remove(dev->vendor_state_base());
    if (dev->pins_ > 0) {
        // A call into the device is still running (it may be the one that
        // removed it): destroy nothing under its feet; Pin reaps it.
        removed_.push_back(std::move(dev));
        return Ok{};
    }
    destroy(std::move(dev));
    return Ok{};
}

void Core::reap(Device &dev)
{
    auto it = std::find_if(removed_.begin(), removed_.end(),
                           [&](const auto &d) { return d.get() == &dev; });
    if (it == removed_.end()) {
        return;
    }
    std::unique_ptr<Device> owned = std::move(*it);
    removed_.erase(it);
    destroy(std::move(owned));
}

Status Core::rekey(Device &dev, const Uuid &uuid)
{
    if (dev.uuid() == uuid) {
        return Ok{};
    }
    if (dev.removed()) {
        return Error{Errc::unknown_device, "mdev " + dev.uuid().to_string() + " was removed"};
    }
    if (find_device(uuid.to_string())) {
        return Error{Errc::duplicate_uuid,
                     "an mdev with UUID " + uuid.to_string() + " already exists"};
    }
    dev.set_uuid(uuid);
    dev.vendor_state_base().uuid_changed(dev);
    return Ok{};
}

Device *Core::find_device(std::string_view uuid) const
{
    std::optional<Uuid> parsed = Uuid::parse(uuid);
    if (!parsed) {
        return nullptr;
    }
    for (const auto &dev : devices_) {
        if (dev->uuid() == *parsed) {
            return dev.get();
        }
    }
    return nullptr;
}

void Core::destroy(std::unique_ptr<Device> dev)
{
    bus_.unbind(*dev);
    if (!dev->removed_) {
        dev->parent().remove(dev->vendor_state_base());
    }
}

Core::ParentEntry *Core::entry(std::string_view name)
{
    for (ParentEntry &e : parents_) {
        if (e.parent->id() == name) {
            return &e;
        }
    }
    return nullptr;
}

const Core::ParentEntry *Core::entry(std::string_view name) const
{
    return const_cast<Core *>(this)->entry(name);
}

} // namespace mdev
