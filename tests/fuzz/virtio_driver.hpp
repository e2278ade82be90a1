// SPDX-License-Identifier: GPL-2.0-or-later
// A fuzzed virtio driver: sometimes helpful (the virtio 1.x initialisation,
// queues laid out in guest RAM, chains added and published, doorbells),
// sometimes hostile (any register at any width, ring memory overwritten at
// random, chains and ring areas pointing anywhere, MSI-X switched under the
// device, resets at any point, a migration load of a mangled state). It
// reaches the device through a VirtioPort: the Transport itself, or the C
// interface QEMU's glue uses (the re-entrant harness).
//
// It checks what holds whatever the device is: a refused common-config read
// returns 0, and after a reset (device_status 0, or a system reset) the
// status reads 0 and no queue is enabled. Between its operations the
// monitor arms and clears the device's faults (kFault), so all of this
// holds with faults firing too.
#pragma once

#include "fuzz_common.hpp"
#include "hw/mdev/capi/virtio-pci.h"
#include "hw/mdev/virtio_ops.hpp"
#include "samples/common/vring_device.hpp"

#include <cstring>
#include <span>
#include <vector>

namespace mdev::fuzz {

// Guest RAM: the rings of queue q in a 1 KiB slot at ring_base + q * 0x400
// (up to 16 entries, 8 queues), buffers above kBufBase.
inline constexpr std::uint64_t kRamBase = samples::test::kRamBase;
inline constexpr std::size_t kRamSize = 0x10000;
inline constexpr std::uint64_t kBufBase = kRamBase + 0x4000;
inline constexpr std::uint16_t kMaxHelpfulQueueSize = 16;

// The device as the driver reaches it.
class VirtioPort {
public:
    virtual ~VirtioPort() = default;
    virtual std::uint64_t bar_read(std::uint64_t offset, unsigned width) = 0;
    virtual void bar_write(std::uint64_t offset, std::uint64_t value, unsigned width) = 0;
    virtual MdevVirtioTransportState &state() = 0;
    virtual std::uint16_t num_queues() = 0;
    virtual void set_msix_enabled(bool enabled) = 0;
    virtual void reset() = 0;
    // Guest errors logged so far.
    virtual unsigned guest_errors() = 0;
    // Whether the device itself says queue `idx` is ready (false if it
    // cannot tell).
    virtual bool vq_ready(std::uint16_t) { return false; }
    // The end of an incoming migration: the device's own state mangled as
    // a stream could, then the glue's post_load checks; false: refused.
    virtual bool load(FuzzedDataProvider &in) = 0;
    // Arms (or clears) one of the device's faults, every kind it offers,
    // as the monitor would between the driver's operations (fault_ops.hpp).
    virtual void fault(FuzzedDataProvider &) {}
};

struct DriverHints {
    std::uint64_t ring_base = kRamBase;
    // Addresses worth pointing rings and buffers at, besides random ones.
    std::span<const std::uint64_t> hot_addresses;
    // A payload worth putting in a driver buffer (a control message, a
    // frame header), or nullptr for random bytes.
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
    kBringUp,
    kFault,
    kNumVirtioOps,
};

// The driver side: what it programmed, so that helpful steps build on it.
class VirtioDriver {
public:
    VirtioDriver(FuzzedDataProvider &in, VirtioPort &port, samples::test::FakeGuest &ram,
                 const DriverHints &hints)
        : in_(in), t_(port), ram_(ram), hints_(hints), rings_(port.num_queues())
    {
    }

    std::uint8_t status() { return std::uint8_t(t_.bar_read(VIRTIO_PCI_COMMON_STATUS, 1)); }
    static bool live(std::uint8_t s)
    {
        return (s & VIRTIO_CONFIG_S_DRIVER_OK) && !(s & VIRTIO_CONFIG_S_NEEDS_RESET);
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
            write(VIRTIO_PCI_COMMON_STATUS, status() | VIRTIO_CONFIG_S_DRIVER_OK, 1);
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
                ram_.fill(kRamBase + at, bytes);
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
        case kBringUp:
            bring_up();
            break;
        case kFault:
            t_.fault(in_);
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
        if (offset == VIRTIO_PCI_COMMON_STATUS && width == 1) {
            dma_allowed = dma_allowed || ((value & VIRTIO_CONFIG_S_DRIVER_OK) &&
                                          !(status() & VIRTIO_CONFIG_S_NEEDS_RESET));
        }
        t_.bar_write(offset, value, width);
        if (offset == VIRTIO_PCI_COMMON_STATUS && width == 1 && std::uint8_t(value) == 0) {
            expect_reset_state("device_status 0");
        }
    }

    void raw_read()
    {
        const std::uint64_t offset = pick_bar_offset();
        const unsigned width = pick_width(in_);
        const unsigned errors = t_.guest_errors();
        const std::uint64_t v = t_.bar_read(offset, width);
        if (offset < MDEV_VIRTIO_PAGE && t_.guest_errors() > errors) {
            FUZZ_CHECK(v == 0, "refused common config read at 0x%llx returned 0x%llx",
                       (unsigned long long)offset, (unsigned long long)v);
        }
    }

    void expect_reset_state(const char *what)
    {
        FUZZ_CHECK(status() == 0, "status 0x%x after %s", status(), what);
        for (unsigned i = 0; i < t_.num_queues(); i++) {
            FUZZ_CHECK(!t_.state().queue[i].enabled && !t_.vq_ready(std::uint16_t(i)),
                       "queue %u still enabled after %s", i, what);
        }
        rings_.assign(t_.num_queues(), Ring{});
    }

    void init()
    {
        write(VIRTIO_PCI_COMMON_STATUS, 0, 1);
        write(VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE, 1);
        write(VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER, 1);
        std::uint64_t offered = 0;
        for (std::uint32_t word = 0; word < 2; word++) {
            t_.bar_write(VIRTIO_PCI_COMMON_DFSELECT, word, 4);
            offered |= t_.bar_read(VIRTIO_PCI_COMMON_DF, 4) << (32 * word);
        }
        std::uint64_t wanted = offered;
        switch (in_.ConsumeIntegralInRange<unsigned>(0, 3)) {
        case 0:
            wanted &= in_.ConsumeIntegral<std::uint64_t>() | (1ull << VIRTIO_F_VERSION_1);
            break;
        case 1:
            wanted = in_.ConsumeIntegral<std::uint64_t>();
            break;
        default:
            break;
        }
        for (std::uint32_t word = 0; word < 2; word++) {
            t_.bar_write(VIRTIO_PCI_COMMON_GFSELECT, word, 4);
            t_.bar_write(VIRTIO_PCI_COMMON_GF, std::uint32_t(wanted >> (32 * word)), 4);
        }
        write(VIRTIO_PCI_COMMON_STATUS,
              VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK, 1);
    }

    // What a driver does before the device can run at all, in one step so
    // that the fuzzer reaches the datapath at once: features, every queue
    // (with a chain or two waiting in each), DRIVER_OK.
    void bring_up()
    {
        init();
        for (std::uint16_t q = 0; q < t_.num_queues(); q++) {
            setup_queue(q);
            const unsigned chains = in_.ConsumeIntegralInRange<unsigned>(0, 2);
            for (unsigned i = 0; i < chains; i++) {
                add_chain(q);
            }
        }
        write(VIRTIO_PCI_COMMON_STATUS, status() | VIRTIO_CONFIG_S_DRIVER_OK, 1);
    }

    void setup_queue(std::uint16_t q)
    {
        t_.bar_write(VIRTIO_PCI_COMMON_Q_SELECT, q, 2);
        Ring r;
        r.num = std::uint16_t(1u << in_.ConsumeIntegralInRange<unsigned>(0, 4));
        if (in_.ConsumeIntegralInRange<unsigned>(0, 7) == 0) {
            r.num = in_.ConsumeIntegral<std::uint16_t>(); // anything at all
        }
        const std::uint64_t slot = hints_.ring_base + 0x400u * (q % 8);
        r.desc = slot;
        r.avail = slot + 0x100;
        r.used = slot + 0x200;
        if (in_.ConsumeIntegralInRange<unsigned>(0, 7) == 0) {
            // Areas anywhere: overlapping, outside RAM, near the top of
            // memory, on the harness's special addresses.
            r.desc = pick_address() & ~15ull;
            r.avail = pick_address() & ~1ull;
            r.used = pick_address() & ~3ull;
        }
        t_.bar_write(VIRTIO_PCI_COMMON_Q_SIZE, r.num, 2);
        const std::uint32_t lo_hi[][2] = {
            {VIRTIO_PCI_COMMON_Q_DESCLO, VIRTIO_PCI_COMMON_Q_DESCHI},
            {VIRTIO_PCI_COMMON_Q_AVAILLO, VIRTIO_PCI_COMMON_Q_AVAILHI},
            {VIRTIO_PCI_COMMON_Q_USEDLO, VIRTIO_PCI_COMMON_Q_USEDHI},
        };
        const std::uint64_t areas[] = {r.desc, r.avail, r.used};
        for (unsigned i = 0; i < 3; i++) {
            t_.bar_write(lo_hi[i][0], std::uint32_t(areas[i]), 4);
            t_.bar_write(lo_hi[i][1], std::uint32_t(areas[i] >> 32), 4);
        }
        if (in_.ConsumeBool()) {
            t_.bar_write(VIRTIO_PCI_COMMON_Q_MSIX, in_.ConsumeIntegralInRange<unsigned>(0, 8), 2);
        }
        t_.bar_write(VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
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
            !ram_.in_ram(rings_[q].desc, 0x300) || !ram_.in_ram(rings_[q].avail, 0x100)) {
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
                addr = pick_address();
                len = in_.ConsumeBool() ? in_.ConsumeIntegralInRange<std::uint32_t>(1, 8)
                                        : in_.ConsumeIntegral<std::uint32_t>();
            }
            if (!writable) {
                std::vector<std::uint8_t> payload;
                if (hints_.hot_payload && in_.ConsumeBool()) {
                    payload = hints_.hot_payload(in_);
                } else {
                    payload = in_.ConsumeBytes<std::uint8_t>(in_.ConsumeIntegralInRange<std::size_t>(0, 64));
                }
                const std::size_t fits = std::min<std::size_t>(payload.size(), len);
                if (fits > 0 && ram_.in_ram(addr, fits)) {
                    ram_.fill(addr, std::span(payload.data(), fits));
                }
            }
            const std::uint16_t flags = std::uint16_t((writable ? VRING_DESC_F_WRITE : 0) |
                                                      (i + 1 < n ? VRING_DESC_F_NEXT : 0));
            const std::uint64_t d = r.desc + 16u * idx;
            ram_.put64(d, addr);
            ram_.put32(d + 8, len);
            ram_.put16(d + 12, flags);
            ram_.put16(d + 14, std::uint16_t((idx + 1) % r.num));
        }
        r.next_desc = std::uint16_t((head + n) % r.num);
        ram_.put16(r.avail + 4 + 2u * (r.avail_idx % r.num), head);
        r.avail_idx++;
        ram_.put16(r.avail + 2, r.avail_idx);
        if (in_.ConsumeIntegralInRange<unsigned>(0, 3) == 0) {
            ram_.put16(r.avail, VRING_AVAIL_F_NO_INTERRUPT);
        }
    }

    // What a migration does to the device: its state, possibly mangled by
    // the stream, is checked by the glue's post_load; a refused state
    // means the device is dropped (QEMU does not start it).
    void migrate()
    {
        // Every field of the transport's state is an integer: any byte goes.
        MdevVirtioTransportState &ts = t_.state();
        std::span<std::uint8_t> bytes(reinterpret_cast<std::uint8_t *>(&ts), sizeof(ts));
        const unsigned n = in_.ConsumeIntegralInRange<unsigned>(0, 4);
        for (unsigned i = 0; i < n; i++) {
            bytes[in_.ConsumeIntegralInRange<std::size_t>(0, bytes.size() - 1)] =
                in_.ConsumeIntegral<std::uint8_t>();
        }
        alive_ = t_.load(in_);
        // The helpful driver no longer knows the rings.
        rings_.assign(t_.num_queues(), Ring{});
    }

    // An address for a ring area or a buffer that is not plain RAM: anything
    // at all, or one the harness names (its device's own registers, say).
    std::uint64_t pick_address()
    {
        if (!hints_.hot_addresses.empty() && in_.ConsumeBool()) {
            return hints_.hot_addresses[in_.ConsumeIntegralInRange<std::size_t>(
                0, hints_.hot_addresses.size() - 1)];
        }
        return in_.ConsumeIntegral<std::uint64_t>();
    }

    FuzzedDataProvider &in_;
    VirtioPort &t_;
    samples::test::FakeGuest &ram_;
    const DriverHints &hints_;
    std::vector<Ring> rings_;
    bool alive_ = true;
};

} // namespace mdev::fuzz
