// SPDX-License-Identifier: GPL-2.0-or-later
// A parent: the vendor side of the mdev model. It owns a budget (ports,
// devices, memory) and carves mdevs of its types out of it. It registers
// with the Core once, and its ops once per class it supports.
#pragma once

#include "hw/mdev/class_id.hpp"
#include "hw/mdev/error.hpp"
#include "hw/mdev/uuid.hpp"

#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace mdev {

// One entry of the parent's mdev_supported_types.
struct MdevType {
    std::string id;          // type-id as in sysfs: "<parent>-<group>", e.g. "mtty-2"
    std::string name;        // human-readable name, e.g. "Dual port serial"
    std::string description; // free text; may be empty
    std::string device_api;  // e.g. "vfio-pci", "virtio-mdev"
};

// The vendor's per-mdev state (the kernel's drvdata). Each parent derives its
// own; ops get it back with Device::vendor_state<T>().
class VendorState {
public:
    virtual ~VendorState() = default;
};

// What the core hands a parent when it creates an mdev: the class is chosen
// by the creator, the ops for it were registered by the parent beforehand.
struct CreateArgs {
    const MdevType &type;
    const Uuid &uuid;
    ClassId class_id;
};

class Parent {
public:
    virtual ~Parent() = default;

    virtual std::string_view name() const = 0;
    virtual std::span<const MdevType> types() const = 0;

    // How many more mdevs of `type` the parent's budget has room for now.
    virtual unsigned available_instances(const MdevType &type) const = 0;

    // Allocates the state of a new mdev and takes its share of the budget.
    // The core has checked available_instances() first; a parent may still
    // refuse (budget_exhausted) if its own accounting says otherwise.
    virtual Result<std::unique_ptr<VendorState>> create(const CreateArgs &args) = 0;

    // Gives the device's share of the budget back. `state` is destroyed by
    // the core after it, at once or, if a call into the device is still on
    // the stack (or QEMU still maps its memory), once that is over: keep
    // nothing in `state` that the budget's next user would share.
    virtual void remove(VendorState &state) = 0;

    const MdevType *find_type(std::string_view id) const
    {
        for (const MdevType &t : types()) {
            if (t.id == id) {
                return &t;
            }
        }
        return nullptr;
    }
};

} // namespace mdev
