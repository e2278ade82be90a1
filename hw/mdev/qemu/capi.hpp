// SPDX-License-Identifier: GPL-2.0-or-later
// Inside of the C interface (mdev.h): what an MdevHandle is, and the
// process-wide core that QEMU's devices share. Frontends' and samples' C
// entry points include this; the QOM glue never does.
#pragma once

#include "hw/mdev/core.hpp"
#include "hw/mdev/capi/mdev.h"

#include <optional>
#include <string>

namespace mdev::capi {

// The machine's Host, forwarding to the glue's C callbacks. The device owns
// it (it is the MdevHandle), and reaches it only through its HostPort.
class CHost : public Host {
public:
    CHost(const MdevHostOps &ops, void *opaque) : ops_(ops), opaque_(opaque) {}
    void guest_error(std::string_view message) override;
    void set_intx(bool asserted) override;
    void notify_msi(std::uint32_t vector) override;
    void send_msi(std::uint64_t address, std::uint32_t data) override;
    bool bus_master() override;
    bool dma_read(std::uint64_t addr, std::span<std::uint8_t> out) override;
    bool dma_write(std::uint64_t addr, std::span<const std::uint8_t> in) override;
    void block_migration(std::string_view reason) override;
    void unblock_migration() override;
    bool set_present(bool present) override;

private:
    MdevHostOps ops_;
    void *opaque_;
};

// The core of this process, with every frontend driver and every declared
// parent (declaration.hpp) registered.
Core &global_core();

} // namespace mdev::capi

// The glue's handle of one mdev. It is also the device's host, owned by the
// device: it lives exactly as long as the device's C++ state, so a handle
// held by a C entry point stays valid while that entry point's Pin does.
struct MdevHandle final : mdev::capi::CHost {
    using CHost::CHost;
    mdev::Device *device = nullptr;
    std::string uuid;
    std::string type_id;
    std::string parent;    // the parent's kind, e.g. "mtty"
    std::string parent_id; // the parent instance's id, e.g. "card0"
};

namespace mdev::capi {

// One entry into a device from C. Every extern "C" function that runs
// device code holds one for the whole call: it pins the device (Core::Pin),
// so the call may unplug or reset its own device (its DMA or MSI can reach
// the hotplug controller or its own config space) and still finish on
// live memory. Null handles are refused (false), so the glue may call with
// a handle it already cleared after an unplug deeper in the stack.
class Entry {
public:
    explicit Entry(MdevHandle *h)
    {
        if (h && h->device) {
            pin_.emplace(global_core(), *h->device);
        }
    }
    explicit operator bool() const { return pin_.has_value(); }
    Device &device() const { return pin_->device(); }

private:
    std::optional<Core::Pin> pin_;
};

// Runs f(device) inside an Entry; `fallback` if the handle is null.
template <typename R, typename F>
R enter(MdevHandle *h, R fallback, F &&f)
{
    Entry e(h);
    return e ? f(e.device()) : fallback;
}
template <typename F>
void enter(MdevHandle *h, F &&f)
{
    if (Entry e(h); e) {
        f(e.device());
    }
}

} // namespace mdev::capi
