// SPDX-License-Identifier: GPL-2.0-or-later
// A parent: the vendor side of the mdev model. It owns a budget (ports,
// devices, memory) and carves mdevs of its types out of it. It registers
// with the Core once, and its ops once per class it supports.
#pragma once

#include "hw/mdev/class_id.hpp"
#include "hw/mdev/error.hpp"
#include "hw/mdev/migration.hpp"
#include "hw/mdev/uuid.hpp"

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mdev {

class Core;
class Device;

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

    // The pieces of this mdev's state that migrate, each with its
    // description (one of those its parent declared). A piece the mdev
    // does not have (mtty's virtio face when the class is vfio) is left out.
    virtual std::vector<migration::Data> migrated(const Device &) { return {}; }

    // After a migration load, before the guest runs again: check what was
    // loaded (nothing in a stream is trusted) and re-derive what is not
    // stored (interrupt levels, read-only config bytes). False refuses the
    // stream: say why with dev.guest_error() first, which the frontend then
    // prints as the refusal's reason (no -d guest_errors needed). `dev` is
    // pinned for the call, as for any entry.
    virtual bool post_load(Device &) { return true; }

    // The value in effect of a property the parent declared, in its text
    // form, for the user to see (`info qtree`, qom-get): e.g. the address
    // mvnet derived from the UUID when the user gave none. nullopt: the
    // user's value stands.
    virtual std::optional<std::string> property(std::string_view) const { return std::nullopt; }

    // The device took another UUID (its migration stream's: Core::rekey),
    // before its migrated state is loaded: re-derive what the parent took
    // from the UUID at create and does not migrate (an NVMe serial, say).
    virtual void uuid_changed(Device &) {}
};

// The values of a parent's declared properties the user set (or that have
// a default), by name, in their text form.
class PropertyValues {
public:
    void set(std::string name, std::string value) { values_[std::move(name)] = std::move(value); }
    std::optional<std::string_view> get(std::string_view name) const
    {
        auto it = values_.find(name);
        if (it == values_.end()) {
            return std::nullopt;
        }
        return std::string_view(it->second);
    }

private:
    std::map<std::string, std::string, std::less<>> values_;
};

// What the core hands a parent when it creates an mdev: the class is chosen
// by the creator, the ops for it were registered by the parent beforehand.
class Host;

struct CreateArgs {
    const MdevType &type;
    const Uuid &uuid;
    ClassId class_id;
    // The parent's declared properties (declaration.hpp). A value the
    // parent refuses is an Error{Errc::invalid_property, "property 'x': ..."}.
    const PropertyValues &properties;
    // The machine the device will run in, for memory the parent takes from
    // it (Host::memory_fd) while creating the device; nullptr: none (the
    // parent allocates its memory itself).
    Host *host = nullptr;
};

class Parent {
public:
    virtual ~Parent() = default;

    // The parent's kind, e.g. "mtty": the same for every instance.
    virtual std::string_view name() const = 0;
    // The id this instance is registered under (Core::register_parent):
    // its kind for the default parent of that kind, else the user's id
    // (e.g. "card0"). Messages and the per-class ops use it.
    std::string_view id() const { return id_.empty() ? name() : std::string_view(id_); }
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

    // Registers the parent's ops with `core`, once per class it has
    // (core.register_ops(name(), ops)); the classes a user may choose are
    // exactly these. The parent owns the ops.
    virtual Status register_ops(Core &) const { return Ok{}; }

    const MdevType *find_type(std::string_view id) const
    {
        for (const MdevType &t : types()) {
            if (t.id == id) {
                return &t;
            }
        }
        return nullptr;
    }

private:
    friend class Core;
    std::string id_;
};

} // namespace mdev
