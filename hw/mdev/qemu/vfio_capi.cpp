// SPDX-License-Identifier: GPL-2.0-or-later
// The vfio frontend's C interface (vfio-pci.h), for the QOM glue. Every
// entry pins the device for the call (capi::Entry), and a null handle gets
// the answer of a device that is not there.
#include "hw/mdev/capi/vfio-pci.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "capi.hpp"
#include "vfio/pci_function.hpp"
#include "vfio/vfio_driver.hpp"

using mdev::Device;
using mdev::capi::enter;
using mdev::vfio::PciFunction;

namespace {

// The glue only calls these for handles of class vfio, which the vfio
// driver bound: a null here is a bug in the glue, not a guest's doing.
PciFunction &function_of(Device &dev)
{
    PciFunction *fn = mdev::vfio::pci_function(dev);
    if (!fn) {
        std::abort();
    }
    return *fn;
}

} // namespace

extern "C" void mdev_vfio_bar(MdevHandle *h, unsigned bar, MdevVfioBar *out)
{
    *out = MdevVfioBar{};
    if (bar >= PCI_STD_NUM_BARS) {
        return;
    }
    enter(h, [&](Device &dev) {
        const mdev::vfio::Bar &b = function_of(dev).bar(bar);
        out->size = b.size;
        out->io = b.io;
        out->mem64 = b.mem64;
        out->prefetch = b.prefetch;
        out->mmap = b.mmap;
    });
}

extern "C" bool mdev_vfio_has_intx(MdevHandle *h)
{
    return enter(h, false, [](Device &dev) { return function_of(dev).has_intx(); });
}

extern "C" void mdev_vfio_msi(MdevHandle *h, MdevVfioMsi *out)
{
    *out = MdevVfioMsi{};
    enter(h, [&](Device &dev) {
        const mdev::vfio::MsiCap &m = function_of(dev).msi();
        out->offset = m.offset;
        out->vectors = m.vectors;
        out->addr64 = m.addr64;
        out->per_vector_mask = m.per_vector_mask;
    });
}

extern "C" uint32_t mdev_vfio_config_read(MdevHandle *h, uint32_t offset, unsigned size)
{
    return enter(h, UINT32_MAX,
                 [&](Device &dev) { return function_of(dev).config_read(offset, size); });
}

extern "C" void mdev_vfio_config_write(MdevHandle *h, uint32_t offset, uint32_t value,
                                       unsigned size)
{
    enter(h, [&](Device &dev) { function_of(dev).config_write(offset, value, size); });
}

extern "C" uint64_t mdev_vfio_bar_read(MdevHandle *h, unsigned bar, uint64_t offset,
                                       unsigned size)
{
    return enter(h, UINT64_MAX,
                 [&](Device &dev) { return function_of(dev).bar_read(bar, offset, size); });
}

extern "C" void mdev_vfio_bar_write(MdevHandle *h, unsigned bar, uint64_t offset,
                                    uint64_t value, unsigned size)
{
    enter(h, [&](Device &dev) { function_of(dev).bar_write(bar, offset, value, size); });
}

extern "C" bool mdev_vfio_bar_accessor(MdevHandle *h, unsigned bar, MdevVfioBarAccessor *out)
{
    *out = MdevVfioBarAccessor{};
    return enter(h, false, [&](Device &dev) {
        const mdev::vfio::BarAccessor *a = function_of(dev).bar_accessor(bar);
        if (!a) {
            return false;
        }
        out->read = a->read;
        out->write = a->write;
        out->opaque = a->opaque;
        out->min_size = a->min_size;
        out->max_size = a->max_size;
        out->valid_max_size = a->valid_max_size();
        out->unaligned = a->unaligned;
        return true;
    });
}

extern "C" void *mdev_vfio_bar_memory(MdevHandle *h, unsigned bar)
{
    return enter(h, static_cast<void *>(nullptr), [&](Device &dev) -> void * {
        std::span<std::uint8_t> mem = function_of(dev).bar_memory(bar);
        return mem.empty() ? nullptr : mem.data();
    });
}

extern "C" void mdev_vfio_connect_irqs(MdevHandle *h)
{
    enter(h, [](Device &dev) { function_of(dev).connect_irqs(); });
}

extern "C" void mdev_vfio_reset(MdevHandle *h)
{
    enter(h, [](Device &dev) { function_of(dev).reset(); });
}

extern "C" void mdev_vfio_set_msi_enabled(MdevHandle *h, bool enabled)
{
    enter(h, [&](Device &dev) { function_of(dev).set_msi_enabled(enabled); });
}

extern "C" bool mdev_vfio_has_display(MdevHandle *h)
{
    return enter(h, false, [](Device &dev) { return function_of(dev).has_display(); });
}

extern "C" MdevVfioPlaneStatus mdev_vfio_query_plane(MdevHandle *h, MdevVfioPlane *out)
{
    *out = MdevVfioPlane{};
    return enter(h, MDEV_VFIO_PLANE_INVALID, [&](Device &dev) {
        auto plane = function_of(dev).display_plane();
        if (!plane) {
            return MDEV_VFIO_PLANE_INVALID;
        }
        if (!plane->has_value()) {
            return MDEV_VFIO_PLANE_NONE;
        }
        const mdev::vfio::DisplayPlane &p = **plane;
        out->drm_format = p.drm_format;
        out->bytes_per_pixel = p.bytes_per_pixel;
        out->width = p.width;
        out->height = p.height;
        out->stride = p.stride;
        out->bar = p.bar;
        out->offset = p.offset;
        return MDEV_VFIO_PLANE_OK;
    });
}

extern "C" void mdev_vfio_set_msi(MdevHandle *h, bool enabled, uint32_t vectors)
{
    enter(h, [&](Device &dev) { function_of(dev).set_msi(enabled, vectors); });
}

extern "C" void mdev_vfio_msix(MdevHandle *h, MdevVfioMsix *out)
{
    *out = MdevVfioMsix{};
    enter(h, [&](Device &dev) {
        const mdev::vfio::Msix *m = function_of(dev).msix();
        if (!m) {
            return;
        }
        const mdev::vfio::MsixLayout &l = m->layout();
        out->offset = l.cap;
        out->vectors = l.vectors;
        out->table_bar = l.table_bar;
        out->table_offset = l.table_offset;
        out->table_size = l.table_size();
        out->pba_bar = l.pba_bar;
        out->pba_offset = l.pba_offset;
        out->pba_size = l.pba_size();
    });
}

extern "C" uint64_t mdev_vfio_msix_read(MdevHandle *h, MdevVfioMsixArea area, uint64_t offset,
                                        unsigned size)
{
    return enter(h, UINT64_MAX,
                 [&](Device &dev) { return function_of(dev).msix_read(area, offset, size); });
}

extern "C" void mdev_vfio_msix_write(MdevHandle *h, MdevVfioMsixArea area, uint64_t offset,
                                     uint64_t value, unsigned size)
{
    enter(h, [&](Device &dev) { function_of(dev).msix_write(area, offset, value, size); });
}

extern "C" MdevVfioMsixState *mdev_vfio_msix_state(MdevHandle *h)
{
    return enter(h, static_cast<MdevVfioMsixState *>(nullptr),
                 [](Device &dev) -> MdevVfioMsixState * {
                     mdev::vfio::Msix *m = function_of(dev).msix();
                     return m ? m->state() : nullptr;
                 });
}

extern "C" bool mdev_vfio_msix_check(MdevHandle *h, char *why, size_t size)
{
    return enter(h, false, [&](Device &dev) {
        mdev::vfio::Msix *m = function_of(dev).msix();
        std::string reason = "the function has no MSI-X";
        if (m && m->loaded_state_ok(reason)) {
            return true;
        }
        std::snprintf(why, size, "%s", reason.c_str());
        return false;
    });
}

extern "C" void mdev_vfio_irqs_loaded(MdevHandle *h, bool msi_enabled, uint32_t msi_vectors)
{
    enter(h, [&](Device &dev) { function_of(dev).irqs_loaded(msi_enabled, msi_vectors); });
}
