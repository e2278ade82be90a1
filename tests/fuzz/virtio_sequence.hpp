// SPDX-License-Identifier: GPL-2.0-or-later
// The virtio harnesses' common body: one mdev of class virtio, bound by the
// real virtio frontend (the virtio-pci Transport), over fake guest RAM,
// driven by the fuzzed driver of virtio_driver.hpp.
//
// Checked besides what the driver checks:
//  - no DMA before DRIVER_OK, and none once the device has set NEEDS_RESET
//    (a broken ring is not touched again until reset);
//  - at the end the mdev is removed and the parent's budget is whole;
//  - all of it with the device's faults (the class's and the parent's)
//    armed and cleared between the driver's operations (fault_ops.hpp).
#pragma once

#include "fault_ops.hpp"
#include "sample_target.hpp"
#include "virtio/transport.hpp"
#include "virtio/virtio_driver.hpp"
#include "virtio_driver.hpp"

#include <vector>

namespace mdev::fuzz {

struct VirtioSample {
    const char *parent;
    // Overwrites a field or two of the device's own migratable state with
    // what a hostile stream could carry (a bool field only ever loads as 0
    // or 1: VMSTATE_BOOL), and the check the glue's post_load runs on it
    // (false: the stream is refused).
    void (*vendor_load)(Device &dev, FuzzedDataProvider &in) = nullptr;
    bool (*vendor_post_load)(Device &dev) = nullptr;
    DriverHints hints;
};

template <typename P>
struct VirtioTarget : SampleTarget<P> {
    VirtioTarget() : SampleTarget<P>(virtio::virtio_pci_driver()) {}
};

// The driver reaches the Transport directly.
class TransportPort final : public VirtioPort {
public:
    TransportPort(Device &dev, virtio::Transport &t, FuzzGuest &guest, const VirtioSample &sample)
        : dev_(dev), t_(t), guest_(guest), sample_(sample)
    {
    }
    std::uint64_t bar_read(std::uint64_t offset, unsigned width) override
    {
        return t_.bar_read(offset, width);
    }
    void bar_write(std::uint64_t offset, std::uint64_t value, unsigned width) override
    {
        t_.bar_write(offset, value, width);
    }
    MdevVirtioTransportState &state() override { return t_.state(); }
    std::uint16_t num_queues() override { return t_.num_queues(); }
    void set_msix_enabled(bool enabled) override { t_.set_msix_enabled(enabled); }
    void reset() override { t_.reset(); }
    unsigned guest_errors() override { return guest_.errors; }
    bool vq_ready(std::uint16_t idx) override
    {
        return dev_.ops<virtio::VirtioOps>()->get_vq_ready(dev_, idx);
    }
    bool load(FuzzedDataProvider &in) override
    {
        if (sample_.vendor_load) {
            sample_.vendor_load(dev_, in);
        }
        const bool vendor_ok = !sample_.vendor_post_load || sample_.vendor_post_load(dev_);
        return vendor_ok && t_.post_load();
    }
    void fault(FuzzedDataProvider &in) override { fuzz_fault(in, dev_.faults()); }

private:
    Device &dev_;
    virtio::Transport &t_;
    FuzzGuest &guest_;
    const VirtioSample &sample_;
};

// One field of a ring's migrated state set to what a stream could carry.
inline void load_vring_field(samples::VringState &q, FuzzedDataProvider &in)
{
    switch (in.ConsumeIntegralInRange<unsigned>(0, 7)) {
    case 0: q.desc = in.ConsumeIntegral<std::uint64_t>(); break;
    case 1: q.avail = in.ConsumeIntegral<std::uint64_t>(); break;
    case 2: q.used = in.ConsumeIntegral<std::uint64_t>(); break;
    case 3: q.num = in.ConsumeIntegral<std::uint16_t>(); break;
    case 4: q.last_avail_idx = in.ConsumeIntegral<std::uint16_t>(); break;
    case 5: q.used_idx = in.ConsumeIntegral<std::uint16_t>(); break;
    case 6: q.ready = in.ConsumeBool(); break;
    default: q.broken = in.ConsumeBool(); break;
    }
}

template <typename P>
void run_virtio_sequence(FuzzedDataProvider &in, VirtioTarget<P> &target,
                         const VirtioSample &sample)
{
    std::span<const MdevType> types = target.parent->types();
    const MdevType &type = types[in.ConsumeIntegralInRange<std::size_t>(0, types.size() - 1)];
    FuzzGuest guest(kRamSize);
    Result<Device *> created = target.core.create(
        {sample.parent, type.id, "f0220000-0000-4000-8000-0000000000b1", "virtio", &guest});
    FUZZ_CHECK(created, "create %s failed: %s", type.id.c_str(), created.error().message.c_str());
    Device &dev = **created;
    virtio::Transport *t = virtio::transport(dev);
    FUZZ_CHECK(t, "the virtio driver did not bind %s", type.id.c_str());
    TransportPort port(dev, *t, guest, sample);
    VirtioDriver driver(in, port, guest.ram, sample.hints);

    guest.on_dma = [&](bool write, std::uint64_t addr, std::size_t len) {
        FUZZ_CHECK(driver.dma_allowed, "DMA %s of %zu bytes at 0x%llx while the device is %s",
                   write ? "write" : "read", len, (unsigned long long)addr,
                   (driver.status() & VIRTIO_CONFIG_S_NEEDS_RESET) ? "NEEDS_RESET" : "not live");
    };

    for (unsigned steps = 0; steps < 1000 && in.remaining_bytes() > 0 && driver.alive(); steps++) {
        driver.step(in.ConsumeIntegralInRange<unsigned>(0, kNumVirtioOps - 1));
    }
    guest.on_dma = nullptr;

    target.remove_and_check(dev);
}

template <typename P>
int run_virtio_input(const std::uint8_t *data, std::size_t size, const VirtioSample &sample)
{
    return run_input<VirtioTarget<P>>(data, size, sample, run_virtio_sequence<P>);
}

} // namespace mdev::fuzz
