// SPDX-License-Identifier: GPL-2.0-or-later
// The registry of parents, their per-class ops and the mdevs created from
// them. It enforces the rules of creation and hands devices to the bus.
#pragma once

#include "hw/mdev/bus.hpp"
#include "hw/mdev/class_ops.hpp"
#include "hw/mdev/device.hpp"
#include "hw/mdev/error.hpp"
#include "hw/mdev/parent.hpp"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mdev {

struct CreateRequest {
    std::string parent;     // parent name, e.g. "mtty"
    std::string type;       // type-id, e.g. "mtty-2"
    std::string uuid;       // canonical UUID text
    std::string class_name; // "vfio" or "virtio"
    Host *host = nullptr;   // handed to the frontend that binds the device
};

class Core {
public:
    Core() = default;
    Core(const Core &) = delete;
    Core &operator=(const Core &) = delete;
    ~Core();

    // The core owns its parents for its whole life.
    Result<Parent *> register_parent(std::unique_ptr<Parent> parent);
    Parent *find_parent(std::string_view name) const;

    // Once per parent and class; the ops must outlive the core's use of them
    // (parents own their ops, and the core owns the parents).
    template <typename Ops>
    Status register_ops(std::string_view parent, const Ops &ops)
    {
        return add_ops(parent, ClassOps::make(ops));
    }

    // The classes a parent registered ops for, in id order.
    std::vector<ClassId> classes_of(std::string_view parent) const;

    // Creates an mdev and binds it on the bus. Refusals, in the order they
    // are checked: unknown_parent, unknown_class, unknown_type,
    // class_unsupported, malformed_uuid, duplicate_uuid, budget_exhausted,
    // no_driver, probe_failed.
    Result<Device *> create(const CreateRequest &req);

    // Unbinds the device, returns its budget to the parent and destroys it.
    Status remove(std::string_view uuid);

    Device *find_device(std::string_view uuid) const;
    std::size_t device_count() const { return devices_.size(); }

    Bus &bus() { return bus_; }

private:
    struct ParentEntry {
        std::unique_ptr<Parent> parent;
        std::vector<ClassOps> ops; // at most one per class
    };

    Status add_ops(std::string_view parent, ClassOps ops);
    ParentEntry *entry(std::string_view name);
    const ParentEntry *entry(std::string_view name) const;
    void destroy(std::unique_ptr<Device> dev);

    std::vector<ParentEntry> parents_;
    std::vector<std::unique_ptr<Device>> devices_;
    Bus bus_;
};

} // namespace mdev
