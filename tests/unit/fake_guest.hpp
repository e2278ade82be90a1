// SPDX-License-Identifier: GPL-2.0-or-later
// Test doubles for the virtio samples: a Host whose guest RAM is a byte
// array (DMA outside it fails, as the real host's checked DMA does), and a
// driver that lays split virtqueues out in that RAM and adds chains to them
// the way a virtio driver would, or breaks them the way a hostile one would.
#pragma once

#include "hw/mdev/bus.hpp"
#include "hw/mdev/device.hpp"
#include "hw/mdev/host.hpp"
#include "hw/mdev/virtio_ops.hpp"
#include "samples/common/vring_device.hpp"
#include "guest_ram.hpp"

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace mdev::samples::test {

// Guest RAM: [kRamBase, kRamBase + size).
inline constexpr std::uint64_t kRamBase = 0x100000;

class FakeGuest final : public Host {
public:
    explicit FakeGuest(std::size_t size = 1 << 20) : ram(size, 0) {}

    void guest_error(std::string_view m) override { errors.emplace_back(m); }
    void set_intx(bool) override {}
    void notify_msi(std::uint32_t) override {}

    bool in_ram(std::uint64_t addr, std::size_t len) const
    {
        return mdev::test::ram_contains(ram.size(), kRamBase, addr, len);
    }
    bool dma_read(std::uint64_t addr, std::span<std::uint8_t> out) override
    {
        return mdev::test::ram_read(ram, kRamBase, addr, out);
    }
    bool dma_write(std::uint64_t addr, std::span<const std::uint8_t> in) override
    {
        return mdev::test::ram_write(ram, kRamBase, addr, in);
    }

    std::uint8_t *at(std::uint64_t addr) { return &ram[addr - kRamBase]; }
    void put16(std::uint64_t a, std::uint16_t v) { std::memcpy(at(a), &v, 2); }
    void put32(std::uint64_t a, std::uint32_t v) { std::memcpy(at(a), &v, 4); }
    void put64(std::uint64_t a, std::uint64_t v) { std::memcpy(at(a), &v, 8); }
    std::uint16_t get16(std::uint64_t a) { std::uint16_t v; std::memcpy(&v, at(a), 2); return v; }
    std::uint32_t get32(std::uint64_t a) { std::uint32_t v; std::memcpy(&v, at(a), 4); return v; }
    void fill(std::uint64_t a, std::span<const std::uint8_t> bytes)
    {
        std::memcpy(at(a), bytes.data(), bytes.size());
    }
    std::vector<std::uint8_t> bytes(std::uint64_t a, std::size_t n)
    {
        return std::vector<std::uint8_t>(at(a), at(a) + n);
    }

    std::vector<std::uint8_t> ram;
    std::vector<std::string> errors;
};

// The driver's side of one split virtqueue in fake RAM.
struct DriverRing {
    FakeGuest &g;
    std::uint16_t num;
    std::uint64_t desc;  // 16 * num bytes
    std::uint64_t avail; // 4 + 2 * num
    std::uint64_t used;  // 4 + 8 * num
    std::uint16_t next_desc = 0;
    std::uint16_t avail_idx = 0;
    std::uint16_t used_seen = 0;

    // Lays the ring out at `base` (page-aligned areas, 3 pages at most for
    // num <= 256).
    DriverRing(FakeGuest &guest, std::uint64_t base, std::uint16_t n)
        : g(guest), num(n), desc(base), avail(base + 0x1000), used(base + 0x2000)
    {
    }

    void set_desc(std::uint16_t i, std::uint64_t addr, std::uint32_t len, std::uint16_t flags,
                  std::uint16_t next)
    {
        const std::uint64_t d = desc + 16u * i;
        g.put64(d, addr);
        g.put32(d + 8, len);
        g.put16(d + 12, flags);
        g.put16(d + 14, next);
    }

    struct Buf {
        std::uint64_t addr;
        std::uint32_t len;
        bool write;
    };
    // Adds a chain of `bufs` and publishes it; returns its head.
    std::uint16_t add(const std::vector<Buf> &bufs)
    {
        const std::uint16_t head = next_desc;
        for (std::size_t i = 0; i < bufs.size(); i++) {
            const std::uint16_t idx = static_cast<std::uint16_t>((head + i) % num);
            const bool last = i + 1 == bufs.size();
            std::uint16_t flags = (bufs[i].write ? VRING_DESC_F_WRITE : 0) |
                                  (last ? 0 : VRING_DESC_F_NEXT);
            set_desc(idx, bufs[i].addr, bufs[i].len, flags,
                     static_cast<std::uint16_t>((idx + 1) % num));
        }
        next_desc = static_cast<std::uint16_t>((head + bufs.size()) % num);
        publish(head);
        return head;
    }
    // Puts `head` in the avail ring and bumps avail idx.
    void publish(std::uint16_t head)
    {
        g.put16(avail + 4 + 2u * (avail_idx % num), head);
        avail_idx++;
        g.put16(avail + 2, avail_idx);
    }
    void set_avail_flags(std::uint16_t f) { g.put16(avail, f); }

    std::uint16_t used_idx() { return g.get16(used + 2); }
    // Used ring entry `i` (free-running).
    std::uint32_t used_id(std::uint16_t i) { return g.get32(used + 4 + 8u * (i % num)); }
    std::uint32_t used_len(std::uint16_t i) { return g.get32(used + 8 + 8u * (i % num)); }
};

// Counts notifications.
class CountingCallback final : public virtio::Callback {
public:
    void notify() override { count++; }
    unsigned count = 0;
};

// Binds virtio-class devices and builds nothing: the tests drive the ops
// themselves, as the transport would.
class NullVirtioDriver final : public Driver {
public:
    std::string_view name() const override { return "test-virtio"; }
    std::span<const ClassId> id_table() const override { return ids_; }
    Status probe(Device &) override { return Ok{}; }
    void remove(Device &) override {}

private:
    ClassId ids_[1] = {ClassId::virtio};
};

// The driver's side of a device: the initialisation sequence of virtio 1.x
// §3.1.1 through the ops, and its rings in fake RAM.
struct DriverSim {
    Device &dev;
    const virtio::VirtioOps &ops;
    FakeGuest &g;
    std::vector<std::unique_ptr<DriverRing>> rings;
    std::vector<std::unique_ptr<CountingCallback>> vq_cb;
    CountingCallback config_cb;

    DriverSim(Device &d, FakeGuest &guest)
        : dev(d), ops(*d.ops<virtio::VirtioOps>()), g(guest)
    {
    }

    // Up to FEATURES_OK; false if the device refused the features.
    bool negotiate(std::uint64_t features)
    {
        ops.set_status(dev, 0);
        ops.set_status(dev, VIRTIO_CONFIG_S_ACKNOWLEDGE);
        ops.set_status(dev, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
        if (!ops.set_features(dev, features)) {
            return false;
        }
        ops.set_status(dev, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
                                VIRTIO_CONFIG_S_FEATURES_OK);
        ops.set_config_cb(dev, &config_cb);
        return true;
    }
    // Lays out and enables queue `idx` of size `num` (rings 16 KiB apart).
    DriverRing &setup_queue(std::uint16_t idx, std::uint16_t num)
    {
        while (rings.size() <= idx) {
            rings.push_back(nullptr);
            vq_cb.push_back(std::make_unique<CountingCallback>());
        }
        rings[idx] = std::make_unique<DriverRing>(g, kRamBase + 0x4000u * idx, num);
        DriverRing &r = *rings[idx];
        ops.set_vq_num(dev, idx, num);
        ops.set_vq_address(dev, idx, r.desc, r.avail, r.used);
        ops.set_vq_cb(dev, idx, vq_cb[idx].get());
        ops.set_vq_ready(dev, idx, true);
        return r;
    }
    void driver_ok()
    {
        ops.set_status(dev, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
                                VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
    }
    std::uint8_t status() const { return ops.get_status(dev); }
};

} // namespace mdev::samples::test
