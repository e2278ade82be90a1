// SPDX-License-Identifier: GPL-2.0-or-later
// The virtio harnesses' common body: one mdev of class virtio, bound by the
// real virtio frontend (the virtio-pci Transport), over fake guest RAM, and
// a driver that is sometimes helpful (the virtio 1.x initialisation, queues
// laid out in RAM, chains added and published, doorbells) and sometimes
// hostile (any register at any width, ring memory overwritten at random,
// chains pointing anywhere, MSI-X switched under the device, resets at any
// point, a migration load of a mangled state).
//
// Checked on every step, cheaply:
//  - no DMA before DRIVER_OK, and none once the device has set NEEDS_RESET
//    (a broken ring is not touched again until reset);
//  - a refused common-config read returns 0;
//  - after a reset (device_status 0, or system reset) the status reads 0
//    and no queue is enabled;
//  - at the end the mdev is removed and the parent's budget is whole.
#pragma once

#include "fuzz_common.hpp"
#include "hw/mdev/core.hpp"
#include "virtio/transport.hpp"
#include "virtio/virtio_driver.hpp"

#include <cstring>
#include <vector>

namespace mdev::fuzz {

// Guest RAM: rings of queue q in a 1 KiB slot at kRamBase + q * 0x400 (up to
// 16 entries), buffers above kBufBase.
inline constexpr std::uint64_t kRamBase = samples::test::kRamBase;
inline constexpr std::size_t kRamSize = 0x10000;
inline constexpr std::uint64_t kBufBase = kRamBase + 0x4000;
inline constexpr std::uint16_t kMaxHelpfulQueueSize = 16;

struct VirtioSample {
    // Sets up the parent in `core` and names the types to create.
    const char *parent;
    // Overwrites a field or two of the device's own migratable state with
    // what a hostile stream could carry (a bool field only ever loads as 0
    // or 1: VMSTATE_BOOL), then runs the check the glue's post_load runs on
    // it (false: the stream is refused).
    void (*vendor_load)(Device &dev, FuzzedDataProvider &in) = nullptr;
    bool (*vendor_post_load)(Device &dev) = nullptr;
    // A payload worth putting in a driver buffer (a control message, a
    // frame header), or empty for random bytes.
    std::vector<std::uint8_t> (*hot_payload)(FuzzedDataProvider &in) = nullptr;
};

enum VirtioOp : unsigned {
    kRead,
    kWrite,
    kInit,
    kSetupQueue,
    kDriverOk,
    kAddChain,
    kKick,
    kPoke,
    kMsix,
    kSystemReset,
    kIsrRead,
    kMigrate,
    kNumVirtioOps,
};

template <typename P>
struct VirtioTarget {
    Core core;
    P *parent = nullptr;
    std::vector<unsigned> full_budget;

    VirtioTarget()
    {
        auto owned = std::make_unique<P>();
        parent = owned.get();
        if (!core.register_parent(std::move(owned)) || !parent->register_ops(core)) {
            violation("cannot register the sample parent");
        }
        core.bus().register_driver(virtio::virtio_pci_driver());
        for (const MdevType &t : parent->types()) {
            full_budget.push_back(parent->available_instances(t));
        }
    }
};

// The driver side: what it programmed, so that helpful steps build on it.
class VirtioDriver {
public:
    VirtioDriver(FuzzedDataProvider &in, Device &dev, virtio::Transport &t, FuzzGuest &g,
                 const VirtioSample &sample)
        : in_(in), dev_(dev), ops_(*dev.ops<virtio::VirtioOps>()), t_(t), g_(g),
          sample_(sample), rings_(t.num_queues())
    {
    }

    std::uint8_t status() const { return ops_.get_status(dev_); }
    static bool live(std::uint8_t s)
    {
        return (s & virtio::kStatusDriverOk) && !(s & virtio::kStatusNeedsReset);
    }

    // Whether the device may touch guest memory now: only while it is live
    // (DRIVER_OK, no NEEDS_RESET) as the step begins, or when the step
    // itself makes it live.
    bool dma_allowed = false;

    void step(unsigned op)
    {
        dma_allowed = live(status());
        switch (op) {
        case kRead:
            raw_read();
            break;
        case kWrite: {
            const std::uint64_t offset = pick_bar_offset();
            const std::uint32_t value = in_.ConsumeIntegral<std::uint32_t>();
            write(offset, value, pick_width(in_));
            break;
        }
        case kInit:
            init();
            break;
        case kSetupQueue:
            setup_queue(pick_queue());
            break;
        case kDriverOk:
            write(virtio::kDeviceStatus, status() | virtio::kStatusDriverOk, 1);
            break;
        case kAddChain:
            add_chain(pick_queue());
            break;
        case kKick: {
            const std::uint64_t doorbell =
                MDEV_VIRTIO_NOTIFY_OFFSET + MDEV_VIRTIO_NOTIFY_MULTIPLIER * pick_queue();
            write(doorbell, 0, in_.ConsumeBool() ? 2 : 4);
            break;
        }
        case kPoke: {
            const std::uint64_t at = in_.ConsumeIntegralInRange<std::uint64_t>(0, kRamSize - 1);
            std::vector<std::uint8_t> bytes = in_.ConsumeBytes<std::uint8_t>(
                in_.ConsumeIntegralInRange<std::size_t>(1, 16));
            bytes.resize(std::min<std::size_t>(bytes.size(), kRamSize - at));
            if (!bytes.empty()) {
                g_.ram.fill(kRamBase + at, bytes);
            }
            break;
        }
        case kMsix:
            t_.set_msix_enabled(in_.ConsumeBool());
            break;
        case kSystemReset:
            t_.reset();
            expect_reset_state("system reset");
            break;
        case kIsrRead:
            (void)t_.bar_read(MDEV_VIRTIO_ISR_OFFSET, 1);
            break;
        case kMigrate:
            migrate();
            break;
        }
    }

    // False once a migration load was refused: the device is then dropped.
    bool alive() const { return alive_; }

private:
    struct Ring {
        std::uint16_t num = 0;
        std::uint64_t desc = 0, avail = 0, used = 0;
        std::uint16_t next_desc = 0, avail_idx = 0;
    };

    std::uint16_t pick_queue()
    {
        // Now and then one past the last queue, which does not exist.
        return in_.ConsumeIntegralInRange<std::uint16_t>(0, t_.num_queues());
    }

    std::uint64_t pick_bar_offset()
    {
        switch (in_.ConsumeIntegralInRange<unsigned>(0, 4)) {
        case 0:
            return in_.ConsumeIntegralInRange<std::uint64_t>(0, MDEV_VIRTIO_COMMON_SIZE + 4);
        case 1:
            return MDEV_VIRTIO_DEVICE_OFFSET + in_.ConsumeIntegralInRange<std::uint64_t>(0, 16);
        case 2:
            return MDEV_VIRTIO_NOTIFY_OFFSET + in_.ConsumeIntegralInRange<std::uint64_t>(0, 0x40);
        case 3:
            return MDEV_VIRTIO_ISR_OFFSET + in_.ConsumeIntegralInRange<std::uint64_t>(0, 4);
        default:
            return in_.ConsumeIntegral<std::uint64_t>();
        }
    }

    void write(std::uint64_t offset, std::uint64_t value, unsigned width)
    {
        if (offset == virtio::kDeviceStatus && width == 1) {
            dma_allowed = dma_allowed || ((value & virtio::kStatusDriverOk) &&
                                          !(status() & virtio::kStatusNeedsReset));
        }
        t_.bar_write(offset, value, width);
        if (offset == virtio::kDeviceStatus && width == 1 && std::uint8_t(value) == 0) {
            expect_reset_state("device_status 0");
        }
    }

    void raw_read()
    {
        const std::uint64_t offset = pick_bar_offset();
        const unsigned width = pick_width(in_);
        const unsigned errors = g_.errors;
        const std::uint64_t v = t_.bar_read(offset, width);
        if (offset < MDEV_VIRTIO_PAGE && g_.errors > errors) {
            FUZZ_CHECK(v == 0, "refused common config read at 0x%llx returned 0x%llx",
                       (unsigned long long)offset, (unsigned long long)v);
        }
    }

    void expect_reset_state(const char *what)
    {
        FUZZ_CHECK(status() == 0, "status 0x%x after %s", status(), what);
        for (unsigned i = 0; i < t_.num_queues(); i++) {
            FUZZ_CHECK(!t_.state().queue[i].enabled && !ops_.get_vq_ready(dev_, std::uint16_t(i)),
                       "queue %u still enabled after %s", i, what);
        }
        rings_.assign(t_.num_queues(), Ring{});
    }

    void init()
    {
        write(virtio::kDeviceStatus, 0, 1);
        write(virtio::kDeviceStatus, virtio::kStatusAcknowledge, 1);
        write(virtio::kDeviceStatus, virtio::kStatusAcknowledge | virtio::kStatusDriver, 1);
        std::uint64_t offered = 0;
        for (std::uint32_t word = 0; word < 2; word++) {
            t_.bar_write(virtio::kDeviceFeatureSelect, word, 4);
            offered |= t_.bar_read(virtio::kDeviceFeature, 4) << (32 * word);
        }
        std::uint64_t wanted = offered;
        switch (in_.ConsumeIntegralInRange<unsigned>(0, 3)) {
        case 0:
            wanted &= in_.ConsumeIntegral<std::uint64_t>() | (1ull << virtio::kFeatureVersion1);
            break;
        case 1:
            wanted = in_.ConsumeIntegral<std::uint64_t>();
            break;
        default:
            break;
        }
        for (std::uint32_t word = 0; word < 2; word++) {
            t_.bar_write(virtio::kDriverFeatureSelect, word, 4);
            t_.bar_write(virtio::kDriverFeature, std::uint32_t(wanted >> (32 * word)), 4);
        }
        write(virtio::kDeviceStatus,
              virtio::kStatusAcknowledge | virtio::kStatusDriver | virtio::kStatusFeaturesOk, 1);
    }

    void setup_queue(std::uint16_t q)
    {
        t_.bar_write(virtio::kQueueSelect, q, 2);
        Ring r;
        r.num = std::uint16_t(1u << in_.ConsumeIntegralInRange<unsigned>(0, 4));
        if (in_.ConsumeIntegralInRange<unsigned>(0, 7) == 0) {
            r.num = in_.ConsumeIntegral<std::uint16_t>(); // anything at all
        }
        const std::uint64_t slot = kRamBase + 0x400u * (q % 16);
        r.desc = slot;
        r.avail = slot + 0x100;
        r.used = slot + 0x200;
        if (in_.ConsumeIntegralInRange<unsigned>(0, 7) == 0) {
            // Areas anywhere: overlapping, outside RAM, near the top of memory.
            r.desc = in_.ConsumeIntegral<std::uint64_t>() & ~15ull;
            r.avail = in_.ConsumeIntegral<std::uint64_t>() & ~1ull;
            r.used = in_.ConsumeIntegral<std::uint64_t>() & ~3ull;
        }
        t_.bar_write(virtio::kQueueSize, r.num, 2);
        const std::uint32_t lo_hi[][2] = {
            {virtio::kQueueDescLo, virtio::kQueueDescHi},
            {virtio::kQueueDriverLo, virtio::kQueueDriverHi},
            {virtio::kQueueDeviceLo, virtio::kQueueDeviceHi},
        };
        const std::uint64_t areas[] = {r.desc, r.avail, r.used};
        for (unsigned i = 0; i < 3; i++) {
            t_.bar_write(lo_hi[i][0], std::uint32_t(areas[i]), 4);
            t_.bar_write(lo_hi[i][1], std::uint32_t(areas[i] >> 32), 4);
        }
        if (in_.ConsumeBool()) {
            t_.bar_write(virtio::kQueueMsixVector, in_.ConsumeIntegralInRange<unsigned>(0, 8), 2);
        }
        t_.bar_write(virtio::kQueueEnable, 1, 2);
        if (q < rings_.size() && t_.state().queue[q].enabled) {
            r.num = t_.state().queue[q].size;
            rings_[q] = r;
        }
    }

    // A chain of 1..4 buffers in RAM (or, now and then, anywhere), published
    // in the avail ring the way a driver does, if the helpful driver set the
    // queue up; its readable buffers get a payload.
    void add_chain(std::uint16_t q)
    {
        if (q >= rings_.size() || rings_[q].num == 0 || rings_[q].num > kMaxHelpfulQueueSize ||
            !g_.ram.in_ram(rings_[q].desc, 0x300)) {
            return;
        }
        Ring &r = rings_[q];
        const unsigned n = in_.ConsumeIntegralInRange<unsigned>(1, 4);
        const std::uint16_t head = r.next_desc;
        bool writable = false;
        for (unsigned i = 0; i < n; i++) {
            const std::uint16_t idx = std::uint16_t((head + i) % r.num);
            writable = writable || in_.ConsumeIntegralInRange<unsigned>(0, 2) == 0;
            std::uint64_t addr = kBufBase + in_.ConsumeIntegralInRange<std::uint64_t>(0, 0xb000);
            std::uint32_t len = in_.ConsumeIntegralInRange<std::uint32_t>(0, 0x800);
            if (in_.ConsumeIntegralInRange<unsigned>(0, 15) == 0) {
                addr = in_.ConsumeIntegral<std::uint64_t>();
                len = in_.ConsumeIntegral<std::uint32_t>();
            }
            if (!writable) {
                std::vector<std::uint8_t> payload;
                if (sample_.hot_payload && in_.ConsumeBool()) {
                    payload = sample_.hot_payload(in_);
                } else {
                    payload = in_.ConsumeBytes<std::uint8_t>(in_.ConsumeIntegralInRange<std::size_t>(0, 64));
                }
                const std::size_t fits = std::min<std::size_t>(payload.size(), len);
                if (fits > 0 && g_.ram.in_ram(addr, fits)) {
                    g_.ram.fill(addr, std::span(payload.data(), fits));
                }
            }
            const std::uint16_t flags = std::uint16_t((writable ? samples::vring::kDescFWrite : 0) |
                                                      (i + 1 < n ? samples::vring::kDescFNext : 0));
            const std::uint64_t d = r.desc + 16u * idx;
            g_.ram.put64(d, addr);
            g_.ram.put32(d + 8, len);
            g_.ram.put16(d + 12, flags);
            g_.ram.put16(d + 14, std::uint16_t((idx + 1) % r.num));
        }
        r.next_desc = std::uint16_t((head + n) % r.num);
        g_.ram.put16(r.avail + 4 + 2u * (r.avail_idx % r.num), head);
        r.avail_idx++;
        g_.ram.put16(r.avail + 2, r.avail_idx);
        if (in_.ConsumeIntegralInRange<unsigned>(0, 3) == 0) {
            g_.ram.put16(r.avail, samples::vring::kAvailFNoInterrupt);
        }
    }

    // What a migration does to the device: its state, possibly mangled by
    // the stream, is checked by the glue's post_load; a refused state
    // means the device is dropped (QEMU does not start it).
    void migrate()
    {
        auto mangle = [this](std::span<std::uint8_t> bytes) {
            const unsigned n = in_.ConsumeIntegralInRange<unsigned>(0, 4);
            for (unsigned i = 0; i < n && !bytes.empty(); i++) {
                bytes[in_.ConsumeIntegralInRange<std::size_t>(0, bytes.size() - 1)] =
                    in_.ConsumeIntegral<std::uint8_t>();
            }
        };
        // Every field of the transport's state is an integer: any byte goes.
        MdevVirtioTransportState &ts = t_.state();
        mangle(std::span(reinterpret_cast<std::uint8_t *>(&ts), sizeof(ts)));
        if (sample_.vendor_load) {
            sample_.vendor_load(dev_, in_);
        }
        const bool vendor_ok = !sample_.vendor_post_load || sample_.vendor_post_load(dev_);
        alive_ = vendor_ok && t_.post_load();
        // The helpful driver no longer knows the rings.
        rings_.assign(t_.num_queues(), Ring{});
    }

    FuzzedDataProvider &in_;
    Device &dev_;
    const virtio::VirtioOps &ops_;
    virtio::Transport &t_;
    FuzzGuest &g_;
    const VirtioSample &sample_;
    std::vector<Ring> rings_;
    bool alive_ = true;
};

// One field of a ring's migrated state set to what a stream could carry.
inline void load_vring_field(VringState &q, FuzzedDataProvider &in)
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
    VirtioDriver driver(in, dev, *t, guest, sample);

    guest.on_dma = [&](bool write, std::uint64_t addr, std::size_t len) {
        FUZZ_CHECK(driver.dma_allowed, "DMA %s of %zu bytes at 0x%llx while the device is %s",
                   write ? "write" : "read", len, (unsigned long long)addr,
                   (driver.status() & virtio::kStatusNeedsReset) ? "NEEDS_RESET" : "not live");
    };

    for (unsigned steps = 0; steps < 1000 && in.remaining_bytes() > 0 && driver.alive(); steps++) {
        driver.step(in.ConsumeIntegralInRange<unsigned>(0, kNumVirtioOps - 1));
    }
    guest.on_dma = nullptr;

    const Status removed = target.core.remove(dev.uuid().to_string());
    FUZZ_CHECK(removed, "remove failed");
    for (std::size_t i = 0; i < types.size(); i++) {
        FUZZ_CHECK(target.parent->available_instances(types[i]) == target.full_budget[i],
                   "budget of %s is %u after removal, not %u", types[i].id.c_str(),
                   target.parent->available_instances(types[i]), target.full_budget[i]);
    }
}

} // namespace mdev::fuzz
