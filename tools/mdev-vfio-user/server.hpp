// SPDX-License-Identifier: GPL-2.0-or-later
// One served mdev: a second host of the vfio frontend's PCI function
// (hw/mdev/vfio/pci_function.hpp), in front of a vfio-user client through
// libvfio-user. The client (QEMU's vfio-user-pci) is the machine: it owns
// the BAR addresses, the MSI capability and the MSI-X table as vfio-pci does,
// and talks to this server in VFIO terms (regions, SET_IRQS, DMA_MAP).
#pragma once

#include "command_line.hpp"
#include "intx.hpp"
#include "stats.hpp"
#include "virtio_function.hpp"
#include "hw/mdev/core.hpp"
#include "hw/mdev/host.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

// libvfio-user's header is C11: its layout checks are spelled
// _Static_assert, which C++ calls static_assert.
#define _Static_assert static_assert
extern "C" {
#include "libvfio-user.h"
}
#undef _Static_assert

namespace mdev::vfio {
class PciFunction;
}

namespace mdev::vfio_user {

class ServedDevice final : public Host {
public:
    ServedDevice(Core &core, DeviceSpec spec)
        : core_(core), spec_(std::move(spec)),
          intx_([this] { return ctx_ && connected_ && vfu_irq_trigger(ctx_, 0) == 0; })
    {
    }
    ServedDevice(const ServedDevice &) = delete;
    ServedDevice &operator=(const ServedDevice &) = delete;
    ~ServedDevice() override;

    // Creates the mdev (taking its budget) and the vfio-user context on the
    // socket, listening. false: *error holds one line.
    bool start(std::string *error);
    // What to poll for this device now (the listening or the connected
    // socket).
    int poll_fd() const;
    // The poll fd is readable: accept a client, or serve its messages.
    void on_ready();
    // Destroys the context (closing the socket and removing its file) and
    // the mdev.
    void stop();
    // The INTx line's deferred work (intx.hpp), for the event loop: it
    // notes the client's messages and calls due() at deadline().
    IntxLine &intx() { return intx_; }

    const DeviceSpec &spec() const { return spec_; }
    bool connected() const { return connected_; }
    unsigned connections() const { return connections_; }

    // Host: what the device does to the machine.
    void guest_error(std::string_view message) override;
    void set_intx(bool asserted) override;
    void notify_msi(std::uint32_t vector) override;
    void send_msi(std::uint64_t address, std::uint32_t data) override;
    bool bus_master() override;
    bool dma_read(std::uint64_t addr, std::span<std::uint8_t> out) override;
    bool dma_write(std::uint64_t addr, std::span<const std::uint8_t> in) override;
    // RAM-backed BARs in memfds the server offers its client (fd_regions.cpp).
    int memory_fd(std::string_view name, std::size_t size) override;
    // surprise-removal (presence.cpp): the card out of its slot, or back
    // as a card just inserted.
    bool set_present(bool present) override;

    // libvfio-user's callbacks, on the device of `ctx`.
    static ssize_t config_access(vfu_ctx_t *ctx, char *buf, size_t count, loff_t offset,
                                 bool is_write);
    template <unsigned Bar>
    static ssize_t bar_access(vfu_ctx_t *ctx, char *buf, size_t count, loff_t offset,
                              bool is_write)
    {
        return of(ctx).bar(Bar, buf, count, offset, is_write);
    }
    static int reset_cb(vfu_ctx_t *ctx, vfu_reset_type_t type);
    static void intx_state_cb(vfu_ctx_t *ctx, std::uint32_t start, std::uint32_t count, bool mask);
    static void dma_register_cb(vfu_ctx_t *ctx, vfu_dma_info_t *info);
    static void dma_unregister_cb(vfu_ctx_t *ctx, vfu_dma_info_t *info);
    static void log_cb(vfu_ctx_t *ctx, int level, const char *msg);

private:
    static ServedDevice &of(vfu_ctx_t *ctx);
    bool create_mdev(std::string *error);
    bool setup_context(std::string *error);
    void client_gone();
    vfio::PciFunction *function() const;
    // The function's BARs and interrupts, by class: nullptr, or what could
    // not be set up. Class virtio's is in served_virtio.cpp.
    const char *setup_vfio_regions();
    const char *setup_virtio_regions();
    ssize_t bar(unsigned bar, char *buf, size_t count, loff_t offset, bool is_write);
    ssize_t bar_locked(unsigned bar, char *buf, size_t count, loff_t offset, bool is_write);
    ssize_t config(char *buf, size_t count, loff_t offset, bool is_write);
    void program_msix_table();
    bool dma(std::uint64_t addr, std::uint8_t *data, std::size_t len, bool write);
    // Why a DMA outside every region may have missed, when the server can
    // tell (its region table full; a virtio driver giving guest-physical
    // addresses to a client that maps IOVAs): "" or "; ...".
    const char *dma_refusal_hint() const;
    // fd_regions.cpp: the memfd behind mmap-able BAR `bar` and the BAR's
    // offset in it; -1 if its memory is not one of ours.
    int bar_memory_fd(unsigned bar, std::uint64_t *offset) const;
    void close_memory_files();
    // presence.cpp: a config read's value while the card is out.
    std::uint32_t absent_config(std::uint32_t offset, unsigned size, std::uint32_t value) const;

    // The memfds handed out by memory_fd(), in the order the device asked:
    // a device made again (after its client went) gets the same files,
    // zeroed, so the regions the context offers keep their fds.
    struct MemoryFile {
        int fd;
        std::size_t size;
    };
    std::vector<MemoryFile> memory_files_;
    std::size_t memory_next_ = 0;

    // The client's DMA regions by first IOVA (libvfio-user refuses
    // overlapping ones). Behind the client's vIOMMU there is one per IOVA
    // page the guest mapped for the function, hundreds at once (up to
    // MDEV_VFU_MAX_DMA_REGIONS): a DMA finds its region in O(log n).
    struct DmaRegion {
        std::uint64_t len;
        std::uint8_t *vaddr; // nullptr: no fd, reached through DMA_READ/WRITE messages
        std::uint32_t prot;  // PROT_READ/PROT_WRITE as the client's DMA_MAP flags allow
    };
    // The regions the current client mapped, those removed (its
    // DMA_UNMAPs, and all at its exit) and the most held at once (logged
    // when it goes).
    struct DmaCounts {
        std::uint64_t maps = 0;
        std::uint64_t unmaps = 0;
        std::size_t peak = 0;
    };

    Core &core_;
    DeviceSpec spec_;
    Device *dev_ = nullptr;
    vfu_ctx_t *ctx_ = nullptr;
    bool connected_ = false;
    int conn_fd_ = -1;              // the connection libvfio-user accepted
    unsigned connections_ = 0;
    std::uint16_t command_ = 0;     // PCI_COMMAND as the client wrote it
    bool present_ = true;           // false while surprise-removal holds
    std::uint8_t interrupt_pin_ = 0; // as the function declares it (presence.cpp)
    IntxLine intx_;                 // auto-masked on trigger, as VFIO does
    std::map<std::uint64_t, DmaRegion> dma_regions_;
    DmaCounts dma_counts_;
    std::uint8_t msi_cap_ = 0;
    std::uint32_t msix_vectors_ = 0;
    // Class virtio: the function served in place of the vfio frontend's
    // PciFunction (null for class vfio). Every class-specific call below
    // goes to it when it is there.
    std::unique_ptr<VirtioFunction> virtio_;
    Stats stats_; // MDEV_VFIO_USER_STATS (stats.hpp)
};

} // namespace mdev::vfio_user
