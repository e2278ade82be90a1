// SPDX-License-Identifier: GPL-2.0-or-later
// An mdev: one device carved out of a parent, of one type and one class.
#pragma once

#include "hw/mdev/class_ops.hpp"
#include "hw/mdev/fault.hpp"
#include "hw/mdev/guest_log.hpp"
#include "hw/mdev/host.hpp"
#include "hw/mdev/host_port.hpp"
#include "hw/mdev/parent.hpp"
#include "hw/mdev/uuid.hpp"

#include <cstdarg>
#include <memory>
#include <string>

namespace mdev {

class Core;
class Driver;

// What a frontend keeps per bound device (its PCI function model, say).
class FrontendState {
public:
    virtual ~FrontendState() = default;
};

class Device {
public:
    Device(Parent &parent, const MdevType &type, const Uuid &uuid, ClassOps ops,
           std::unique_ptr<VendorState> state)
        : parent_(parent), type_(type), uuid_(uuid), uuid_text_(uuid.to_string()), ops_(ops),
          state_(std::move(state))
    {
        faults_.set_device_name(uuid_text_.c_str());
    }
    Device(const Device &) = delete;
    Device &operator=(const Device &) = delete;

    Parent &parent() const { return parent_; }
    const MdevType &type() const { return type_; }
    const Uuid &uuid() const { return uuid_; }
    // The UUID as text, made once: what trace events and messages name the
    // device by, with no formatting on the path that emits them.
    const char *uuid_text() const { return uuid_text_.c_str(); }
    ClassId class_id() const { return ops_.class_id(); }

    // The parent's ops for this device's class, typed; nullptr if this
    // device is of another class (the kernel series WARNs there).
    template <typename Ops>
    const Ops *ops() const
    {
        return ops_.get<Ops>();
    }

    // The parent's per-device state, as the parent's own type. Only the
    // parent that created the device asks, so the cast cannot be wrong in
    // practice; dynamic_cast keeps a mistake from becoming memory corruption.
    template <typename State>
    State &vendor_state() const
    {
        return dynamic_cast<State &>(*state_);
    }
    VendorState &vendor_state_base() const { return *state_; }

    // The driver bound by the bus, or nullptr.
    Driver *driver() const { return driver_; }
    void set_driver(Driver *driver) { driver_ = driver; }

    FrontendState *frontend_state() const { return frontend_.get(); }
    void set_frontend_state(std::unique_ptr<FrontendState> s) { frontend_ = std::move(s); }

    // The machine the creator runs the device in, through this device's
    // port (nullptr in a bare core, e.g. a unit test of the registry);
    // frontends need one to bind. Once the device is removed the port
    // refuses every call (host_port.hpp), so it stays safe to use.
    Host *host() const { return has_host_ ? &host_port_ : nullptr; }
    // A borrowed host that outlives the device (the core does this at
    // create; tests of a frontend alone do it themselves).
    void set_host(Host *host) { attach_host(host, nullptr); }

    // Removed from the core while a call into it was still running: its
    // C++ state lives until that call returns, but it has no host any more.
    bool removed() const { return removed_; }
    // Calls into the device currently on the stack (see Core::Pin).
    unsigned pins() const { return pins_; }

    // The faults the device's frontend and parent declared, armed from the
    // monitor (fault.hpp). Not device state: a test's instrument, like the
    // host port, so const ops may check it at their hook points.
    FaultSet &faults() const { return faults_; }

    // Reports what a guest did wrong through the host's log (or nowhere).
    void guest_error(const char *fmt, ...) const __attribute__((format(printf, 2, 3)));

    // The parent says its state cannot migrate now (mnvme: its RAM
    // namespace was written), and why, in one line: from this call the
    // machine refuses to migrate or save the VM, naming the device and the
    // reason, and the guest keeps running. unblock_migration() lifts it
    // (the state can travel again); removing the device does too. Calls
    // that change nothing (the same reason again) cost a comparison and do
    // not reach the host, so a parent may call on every write.
    void block_migration(std::string_view reason);
    void unblock_migration();
    bool migration_blocked() const { return migration_blocked_; }
    // The reason given (empty when not blocked).
    const std::string &migration_blocker() const { return migration_blocker_; }

private:
    friend class Core;

    // Only the core attaches a host (at create) and detaches it (at remove).
    void attach_host(Host *host, std::unique_ptr<Host> owned)
    {
        owned_host_ = std::move(owned);
        host_port_.attach(host);
        has_host_ = host != nullptr;
        if (has_host_ && migration_blocked_) {
            host_port_.block_migration(migration_blocker_);
        }
    }

    // The core re-keys a device whose identity came with a migration
    // stream (Core::rekey).
    void set_uuid(const Uuid &uuid)
    {
        uuid_ = uuid;
        // Copied into the buffer it has (same length): trace names that
        // kept uuid_text() (a vring's, say) read the new UUID.
        const std::string text = uuid.to_string();
        uuid_text_.assign(text);
    }

    Parent &parent_;
    const MdevType &type_;
    Uuid uuid_;
    std::string uuid_text_;
    ClassOps ops_;
    mutable FaultSet faults_;
    // The host goes last (members are destroyed in reverse order): the
    // vendor and frontend state may still hold the port while they go.
    std::unique_ptr<Host> owned_host_;
    // The connection to the machine, not device state: const ops may use it.
    mutable HostPort host_port_;
    bool has_host_ = false;
    std::unique_ptr<VendorState> state_;
    Driver *driver_ = nullptr;
    std::unique_ptr<FrontendState> frontend_;
    unsigned pins_ = 0;
    bool removed_ = false;
    bool migration_blocked_ = false;
    std::string migration_blocker_;
};

} // namespace mdev
