// SPDX-License-Identifier: GPL-2.0-or-later
// The vfio harnesses' common body: one mdev of a sample parent, created in a
// core of its own and bound by the real vfio frontend, then driven by a
// sequence of the accesses a guest (and QEMU's glue) can make: config space
// and BAR reads and writes of any width and offset, resets, MSI on and off,
// INTx routing, display plane queries, stores into RAM-backed BARs. After the
// sequence the mdev is removed and the parent's budget must be whole again.
//
// Checked on every step, cheaply:
//  - an access the frontend must refuse (width, alignment, past the region
//    or config space, a BAR that does not exist or lacks the direction)
//    reads all ones (config: all ones in 4 bytes at most), is logged as a
//    guest error, and leaves the device's plain-data state as it was;
//  - a display plane the frontend accepts lies inside its BAR's memory;
//  - each sample adds its own (after_op), e.g. INTx low after a reset.
#pragma once

#include <algorithm>

#include "fault_ops.hpp"
#include "fuzz_common.hpp"
#include "sample_target.hpp"
#include "vfio/pci_function.hpp"
#include "vfio/vfio_driver.hpp"

#include <cstring>
#include <span>
#include <vector>

namespace mdev::fuzz {

// What a harness tells the common body about its sample.
struct VfioSample {
    // The device's plain-data state (config space, registers), as bytes.
    std::span<const std::uint8_t> (*state)(Device &dev);
    // Register offsets worth trying more often than random ones, per BAR,
    // and values worth writing (mode numbers, enable bits).
    std::span<const std::uint64_t> hot_offsets;
    std::span<const std::uint64_t> hot_values;
    // Runs after every operation; `op` is the one that ran.
    void (*after_op)(unsigned op, Device &dev, vfio::PciFunction &fn, FuzzGuest &host) = nullptr;
    // Keep one mdev per type across inputs, reset at the start of each,
    // instead of creating and removing one per input: for a sample whose
    // creation fills megabytes (mdpy's framebuffer), which would otherwise
    // be nearly all the fuzzer's time. The core harness covers creation.
    bool keep_devices = false;
    // The frontend may refuse the device (a hostile parent's): then nothing
    // is created, and the budget must be whole.
    bool may_refuse = false;
};

enum VfioOp : unsigned {
    kConfigRead,
    kConfigWrite,
    kBarRead,
    kBarWrite,
    kReset,
    kMsi,
    kConnectIrqs,
    kPlane,
    kRamStore,
    kFault, // arm (or clear) one of the device's faults (fault_ops.hpp)
    kNumVfioOps,
};

// The sample's core, plus the devices kept across inputs.
template <typename P>
struct VfioTarget : SampleTarget<P> {
    std::vector<Device *> kept; // per type, with VfioSample::keep_devices
    FuzzGuest host{0};          // the kept devices' host

    VfioTarget() : SampleTarget<P>(vfio::vfio_pci_driver()) { kept.resize(this->full_budget.size()); }
};

namespace detail {

inline std::vector<std::uint8_t> snapshot(const VfioSample &sample, Device &dev)
{
    std::span<const std::uint8_t> s = sample.state(dev);
    return {s.begin(), s.end()};
}

inline void expect_unchanged(const VfioSample &sample, Device &dev,
                             const std::vector<std::uint8_t> &before, const char *what)
{
    std::span<const std::uint8_t> now = sample.state(dev);
    FUZZ_CHECK(now.size() == before.size() && std::memcmp(now.data(), before.data(), now.size()) == 0,
               "a refused %s changed the device's state", what);
}

inline std::uint64_t pick_value(FuzzedDataProvider &in, const VfioSample &sample)
{
    if (!sample.hot_values.empty() && in.ConsumeBool()) {
        return sample.hot_values[in.ConsumeIntegralInRange<std::size_t>(0, sample.hot_values.size() - 1)];
    }
    return in.ConsumeIntegral<std::uint64_t>();
}

inline std::uint64_t pick_bar_offset(FuzzedDataProvider &in, const VfioSample &sample,
                                     std::uint64_t bar_size)
{
    if (!sample.hot_offsets.empty() && in.ConsumeBool()) {
        return sample.hot_offsets[in.ConsumeIntegralInRange<std::size_t>(0, sample.hot_offsets.size() - 1)];
    }
    return pick_offset(in, bar_size ? bar_size + 8 : 0x100);
}

// Whether the frontend must refuse a BAR access (log it, change nothing),
// and what a refused read returns: all ones, except where a trapped BAR's
// registers do not take the access (misaligned, or 8 bytes when they take
// at most 4), which reads 0 as in QEMU's memory core.
struct BarVerdict {
    bool bad;
    bool reads_zero;
};

inline BarVerdict bar_access_verdict(const vfio::PciFunction &fn, unsigned bar,
                                     std::uint64_t offset, unsigned width, bool write)
{
    if (bar >= PCI_STD_NUM_BARS || fn.bar(bar).size == 0) {
        return {true, false};
    }
    const vfio::Bar &b = fn.bar(bar);
    const bool width_ok = width == 1 || width == 2 || width == 4 || width == 8;
    if (!width_ok || offset >= b.size || width > b.size - offset) {
        return {true, false};
    }
    // The MSI-X table and PBA are the frontend's: DWORD or QWORD accesses
    // wholly inside, aligned; the PBA is read-only. Refusals read all ones.
    if (const vfio::Msix *m = fn.msix()) {
        const vfio::MsixLayout &l = m->layout();
        for (bool pba : {false, true}) {
            const unsigned area_bar = pba ? l.pba_bar : l.table_bar;
            const std::uint64_t start = pba ? l.pba_offset : l.table_offset;
            const std::uint64_t len = pba ? l.pba_size() : l.table_size();
            if (area_bar != bar || offset >= start + len || offset + width <= start) {
                continue;
            }
            const bool ok = offset >= start && offset + width <= start + len &&
                            (width == 4 || width == 8) && (offset - start) % width == 0 &&
                            !(pba && write);
            return {!ok, false};
        }
    }
    if (b.has_accessor()) {
        const bool taken = width <= std::max(4u, b.accessor.max_size) &&
                           (b.accessor.unaligned || offset % width == 0);
        return {!taken, true};
    }
    // A RAM-backed BAR is memory: any 1/2/4/8-byte access inside it.
    return {false, false};
}

inline bool config_access_bad(std::uint32_t offset, unsigned width)
{
    return width == 0 || width > 4 || offset >= PCI_CFG_SPACE_SIZE ||
           offset + width > PCI_CFG_SPACE_SIZE;
}

} // namespace detail

template <typename P>
void run_vfio_sequence(FuzzedDataProvider &in, VfioTarget<P> &target, const VfioSample &sample)
{
    std::span<const MdevType> types = target.parent->types();
    const std::size_t type_index = in.ConsumeIntegralInRange<std::size_t>(0, types.size() - 1);
    const MdevType &type = types[type_index];
    FuzzGuest own_host(0);
    FuzzGuest &host = sample.keep_devices ? target.host : own_host;
    Device *devp = sample.keep_devices ? target.kept[type_index] : nullptr;
    if (!devp) {
        // A UUID per type, so that kept devices of several types coexist.
        char uuid[40];
        std::snprintf(uuid, sizeof(uuid), "f0220000-0000-4000-8000-%012zx", type_index);
        Result<Device *> created = target.core.create(
            {std::string(target.parent->name()), type.id, uuid, "vfio", &host});
        if (!created && sample.may_refuse && created.error().code == Errc::probe_failed) {
            FUZZ_CHECK(target.parent->available_instances(type) == target.full_budget[type_index],
                       "a refused device kept its budget");
            FUZZ_CHECK(target.core.device_count() == 0, "a refused device stayed in the core");
            return;
        }
        FUZZ_CHECK(created, "create %s failed: %s", type.id.c_str(),
                   created.error().message.c_str());
        devp = *created;
    }
    Device &dev = *devp;
    vfio::PciFunction *fnp = vfio::pci_function(dev);
    FUZZ_CHECK(fnp, "the vfio driver did not bind %s", type.id.c_str());
    vfio::PciFunction &fn = *fnp;
    if (sample.keep_devices) {
        // Each input starts from the power-on state, so that it replays.
        target.kept[type_index] = devp;
        fn.reset();
        host.intx = false;
        // Nor do faults armed by the last input survive it.
        (void)dev.faults().clear();
    }

    for (unsigned steps = 0; steps < 2000 && in.remaining_bytes() > 0; steps++) {
        const unsigned op = in.ConsumeIntegralInRange<unsigned>(0, kNumVfioOps - 1);
        switch (op) {
        case kConfigRead:
        case kConfigWrite: {
            const auto offset = static_cast<std::uint32_t>(pick_offset(in, 0x110));
            const unsigned width = pick_width(in);
            const bool bad = detail::config_access_bad(offset, width);
            const auto before = detail::snapshot(sample, dev);
            const unsigned errors = host.errors;
            if (op == kConfigRead) {
                const std::uint32_t v = fn.config_read(offset, width);
                FUZZ_CHECK(!bad || v == all_ones(width > 4 ? 4 : width),
                           "refused config read returned 0x%x", v);
            } else {
                fn.config_write(offset, static_cast<std::uint32_t>(detail::pick_value(in, sample)),
                                width);
            }
            if (bad) {
                detail::expect_unchanged(sample, dev, before, "config access");
                FUZZ_CHECK(host.errors > errors, "a refused config access was not logged");
            }
            break;
        }
        case kBarRead:
        case kBarWrite: {
            const unsigned bar = in.ConsumeIntegralInRange<unsigned>(0, PCI_STD_NUM_BARS);
            const std::uint64_t size = bar < PCI_STD_NUM_BARS ? fn.bar(bar).size : 0;
            const std::uint64_t offset = detail::pick_bar_offset(in, sample, size);
            const unsigned width = pick_width(in);
            const detail::BarVerdict verdict =
                detail::bar_access_verdict(fn, bar, offset, width, op == kBarWrite);
            const bool bad = verdict.bad;
            const auto before = detail::snapshot(sample, dev);
            const unsigned errors = host.errors;
            if (op == kBarRead) {
                const std::uint64_t v = fn.bar_read(bar, offset, width);
                FUZZ_CHECK(!bad || v == (verdict.reads_zero ? 0 : all_ones(width)),
                           "refused BAR%u read at 0x%llx width %u returned 0x%llx", bar,
                           (unsigned long long)offset, width, (unsigned long long)v);
            } else {
                fn.bar_write(bar, offset, detail::pick_value(in, sample), width);
            }
            if (bad) {
                detail::expect_unchanged(sample, dev, before, "BAR access");
                FUZZ_CHECK(host.errors > errors, "a refused BAR access was not logged");
            }
            break;
        }
        case kReset:
            fn.reset();
            break;
        case kMsi:
            fn.set_msi_enabled(in.ConsumeBool());
            break;
        case kConnectIrqs:
            fn.connect_irqs();
            break;
        case kPlane: {
            auto plane = fn.display_plane();
            if (plane && plane->has_value()) {
                const vfio::DisplayPlane &p = **plane;
                std::span<std::uint8_t> mem = fn.bar_memory(p.bar);
                FUZZ_CHECK(p.height > 0 && p.stride > 0 && p.stride >= std::uint64_t(p.width) * p.bytes_per_pixel &&
                               p.offset <= mem.size() &&
                               std::uint64_t(p.stride) * p.height <= mem.size() - p.offset,
                           "accepted plane %ux%u stride %u at 0x%llx does not fit BAR%u (0x%zx)",
                           p.width, p.height, p.stride, (unsigned long long)p.offset, p.bar,
                           mem.size());
                // What the display reads: the first and the last byte.
                volatile std::uint8_t first = mem[p.offset];
                volatile std::uint8_t last = mem[p.offset + std::uint64_t(p.stride) * p.height - 1];
                (void)first;
                (void)last;
            }
            break;
        }
        case kFault:
            fuzz_fault(in, dev.faults());
            break;
        case kRamStore: {
            // The guest writes a RAM-backed BAR directly (no trap).
            std::span<std::uint8_t> mem =
                fn.bar_memory(in.ConsumeIntegralInRange<unsigned>(0, PCI_STD_NUM_BARS - 1));
            const std::uint64_t value = detail::pick_value(in, sample);
            if (mem.size() >= 8) {
                const std::uint64_t at = pick_offset(in, mem.size()) % (mem.size() - 7);
                std::memcpy(&mem[at], &value, 8);
            }
            break;
        }
        }
        if (sample.after_op) {
            sample.after_op(op, dev, fn, host);
        }
    }

    if (sample.keep_devices) {
        return;
    }
    target.remove_and_check(dev);
}

template <typename P>
int run_vfio_input(const std::uint8_t *data, std::size_t size, const VfioSample &sample)
{
    return run_input<VfioTarget<P>>(data, size, sample, run_vfio_sequence<P>);
}

} // namespace mdev::fuzz
