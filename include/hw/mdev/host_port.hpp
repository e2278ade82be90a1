// SPDX-License-Identifier: GPL-2.0-or-later
// The Host as one device sees it. It forwards to the machine's Host until the
// device is removed, then refuses everything: no DMA (reads and writes fail
// as if the address were not RAM), no interrupt, no log line. A call into the
// device that is still on the stack when its device is unplugged (by its own
// DMA or MSI, say) can then finish without reaching a machine that no longer
// has the device. Frontends and samples keep references to the port, never to
// the machine's Host, so detaching is one store.
#pragma once

#include "hw/mdev/host.hpp"

namespace mdev {

class HostPort final : public Host {
public:
    explicit HostPort(Host *target = nullptr) : target_(target) {}
    HostPort(const HostPort &) = delete;
    HostPort &operator=(const HostPort &) = delete;

    bool attached() const { return target_ != nullptr; }
    void attach(Host *target) { target_ = target; }
    void detach() { target_ = nullptr; }

    void guest_error(std::string_view message) override
    {
        if (target_) {
            target_->guest_error(message);
        }
    }
    void set_intx(bool asserted) override
    {
        if (target_) {
            target_->set_intx(asserted);
        }
    }
    void notify_msi(std::uint32_t vector) override
    {
        if (target_) {
            target_->notify_msi(vector);
        }
    }
    void send_msi(std::uint64_t address, std::uint32_t data) override
    {
        if (target_) {
            target_->send_msi(address, data);
        }
    }
    bool bus_master() override { return target_ && target_->bus_master(); }
    bool dma_read(std::uint64_t addr, std::span<std::uint8_t> out) override
    {
        return target_ && target_->dma_read(addr, out);
    }
    bool dma_write(std::uint64_t addr, std::span<const std::uint8_t> in) override
    {
        return target_ && target_->dma_write(addr, in);
    }

    void block_migration(std::string_view reason) override
    {
        if (target_) {
            target_->block_migration(reason);
        }
    }
    void unblock_migration() override
    {
        if (target_) {
            target_->unblock_migration();
        }
    }
    bool set_present(bool present) override { return target_ && target_->set_present(present); }

    int memory_fd(std::string_view name, std::size_t size) override
    {
        return target_ ? target_->memory_fd(name, size) : -1;
    }

private:
    Host *target_;
};

} // namespace mdev
