// SPDX-License-Identifier: GPL-2.0-or-later
// Inside of the C interface (mdev.h): what an MdevHandle is, and the
// process-wide core that QEMU's devices share. Frontends' and samples' C
// entry points include this; the QOM glue never does.
#pragma once

#include "hw/mdev/core.hpp"
#include "hw/mdev/mdev.h"

#include <string>

namespace mdev::capi {

// The Host a frontend sees, forwarding to the glue's C callbacks.
class CHost final : public Host {
public:
    CHost(const MdevHostOps &ops, void *opaque) : ops_(ops), opaque_(opaque) {}
    void guest_error(std::string_view message) override;
    void set_intx(bool asserted) override;
    void notify_msi(std::uint32_t vector) override;
    bool dma_read(std::uint64_t addr, std::span<std::uint8_t> out) override;
    bool dma_write(std::uint64_t addr, std::span<const std::uint8_t> in) override;

private:
    MdevHostOps ops_;
    void *opaque_;
};

// The core of this process, with every frontend driver registered.
Core &global_core();

// A parent registered into global_core() on first use, by the sample's own
// C entry point (the core knows no sample).
template <typename P>
P &ensure_parent(const char *name)
{
    Core &core = global_core();
    if (Parent *p = core.find_parent(name)) {
        return dynamic_cast<P &>(*p);
    }
    auto owned = std::make_unique<P>();
    P &parent = *owned;
    (void)core.register_parent(std::move(owned));
    parent.register_ops(core);
    return parent;
}

} // namespace mdev::capi

struct MdevHandle {
    mdev::capi::CHost host;
    mdev::Device *device = nullptr;
    std::string uuid;
    std::string type_id;
    std::string parent;
};
