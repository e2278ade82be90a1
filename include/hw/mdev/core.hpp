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
    // The machine the device runs in, handed to the frontend that binds it
    // (through the device's HostPort). Either borrowed (`host`, which must
    // outlive the device) or owned by the device (`owned_host`, destroyed
    // with it; `host` is then ignored).
    Host *host = nullptr;
    std::unique_ptr<Host> owned_host = nullptr;
    // Values of the parent's declared properties (declaration.hpp).
    PropertyValues properties = {};
};

class Core {
public:
    Core() = default;
    Core(const Core &) = delete;
    Core &operator=(const Core &) = delete;
    ~Core();

    // The core owns its parents until unregister_parent(). `id` names the
    // instance (empty: its kind, Parent::name(), as for the default parent
    // of each kind); ids are unique.
    Result<Parent *> register_parent(std::unique_ptr<Parent> parent, std::string id = {});
    // Takes a parent (and its ops) away; refused (parent_in_use) while any
    // mdev of it exists, including one removed but still pinned.
    Status unregister_parent(std::string_view id);
    Parent *find_parent(std::string_view id) const;
    // How many mdevs parent `id` has: live ones and those removed but
    // still pinned.
    std::size_t mdevs_of(std::string_view id) const;
    // Every registered parent, in registration order.
    std::vector<const Parent *> parents() const;

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
    // class_unsupported, malformed_uuid, duplicate_uuid, budget_exhausted
    // (available_instances() is 0), then whatever Parent::create() refuses
    // (its own budget_exhausted, invalid_property), then no_driver and
    // probe_failed, after which the core calls Parent::remove() on the
    // state it got.
    Result<Device *> create(CreateRequest req);

    // Removes the device: it is no longer found by UUID, its budget goes
    // back to the parent and its host is detached, all at once (no DMA, no
    // interrupt from then on). If nothing pins it, it is also unbound and
    // its state destroyed now; otherwise that happens when the last Pin goes.
    Status remove(std::string_view uuid);

    // Keeps a device's C++ state (device, vendor state, frontend state,
    // host) alive for as long as it exists, even if the call it guards
    // removes the device: every entry into a device from outside (a guest
    // access, a reset, a UI refresh, a timer) holds one, because any of
    // them can unplug the device through its own DMA or MSI. Nestable.
    class Pin {
    public:
        Pin(Core &core, Device &dev) : core_(&core), dev_(&dev) { dev_->pins_++; }
        Pin(Pin &&other) noexcept : core_(other.core_), dev_(other.dev_)
        {
            other.dev_ = nullptr;
        }
        Pin(const Pin &) = delete;
        Pin &operator=(const Pin &) = delete;
        Pin &operator=(Pin &&) = delete;
        ~Pin()
        {
            if (dev_ && --dev_->pins_ == 0 && dev_->removed_) {
                core_->reap(*dev_);
            }
        }
        Device &device() const { return *dev_; }

    private:
        Core *core_;
        Device *dev_;
    };

    Device *find_device(std::string_view uuid) const;

    // Gives a live device another UUID: the one its migration stream
    // carries, when its creator let the UUID be chosen at random. It is
    // found by the new UUID from then on, and its parent re-derives what
    // it took from the UUID (VendorState::uuid_changed). Refused
    // (duplicate_uuid) if another device has that UUID.
    Status rekey(Device &dev, const Uuid &uuid);
    // Devices not removed (those removed but still pinned are not counted).
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
    // Destroys a removed device once its last Pin has gone.
    void reap(Device &dev);

    std::vector<ParentEntry> parents_;
    std::vector<std::unique_ptr<Device>> devices_;
    // Removed while pinned: waiting for their last Pin.
    std::vector<std::unique_ptr<Device>> removed_;
    Bus bus_;
};

} // namespace mdev
