// SPDX-License-Identifier: GPL-2.0-or-later
#include "server.hpp"

#include "client_memory.hpp"
#include "event_loop.hpp"
#include "vfu_fixes.h"

#include "hw/mdev/capi/vfio-pci.h"
#include "vfio/pci_function.hpp"
#include "vfio/vfio_driver.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <linux/pci_regs.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

namespace mdev::vfio_user {

namespace {

// PCI_COMMAND bits a client may set (the rest read 0, as on a function
// without them).
constexpr std::uint16_t kCommandWritable = PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
                                           PCI_COMMAND_MASTER | PCI_COMMAND_PARITY |
                                           PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE;

// The address the server's copy of each MSI-X table entry holds. The
// client emulates the guest's table (as vfio-pci does): the server only
// says "vector n fired", so its entries are the identity, n -> n.
constexpr std::uint64_t kMsixIdentityAddress = 0xfee00000;

// The widest naturally aligned access of at most `left` bytes at `offset`.
unsigned chunk(std::uint64_t offset, std::size_t left, unsigned widest)
{
    for (unsigned size = widest; size > 1; size /= 2) {
        if (offset % size == 0 && left >= size) {
            return size;
        }
    }
    return 1;
}

using BarCb = vfu_region_access_cb_t *;

} // namespace

ServedDevice &ServedDevice::of(vfu_ctx_t *ctx)
{
    return *static_cast<ServedDevice *>(vfu_get_private(ctx));
}

ServedDevice::~ServedDevice()
{
    stop();
}

vfio::PciFunction *ServedDevice::function() const
{
    return dev_ ? vfio::pci_function(*dev_) : nullptr;
}

bool ServedDevice::create_mdev(std::string *error)
{
    memory_next_ = 0; // the memfds go to the same requests (fd_regions.cpp)
    CreateRequest req{spec_.parent, spec_.type, spec_.uuid, spec_.class_name, this};
    for (const auto &[k, v] : spec_.properties) {
        req.properties.set(k, v);
    }
    Result<Device *> made = core_.create(std::move(req));
    if (!made) {
        *error = "-device " + spec_.driver + ": " + made.error().message;
        return false;
    }
    dev_ = *made;
    command_ = 0;
    present_ = true;
    intx_.set_level(false);
    intx_.reset();
    // Class virtio: the virtio frontend's transport, served as a virtio-pci
    // function (virtio_function.hpp).
    virtio_ = VirtioFunction::of(*dev_);
    if (virtio_) {
        virtio_->set_access_platform(spec_.iommu_platform);
        return true;
    }
    vfio::PciFunction *fn = function();
    if (!fn) {
        *error = "-device " + spec_.driver + ": the device is neither a vfio PCI function nor "
                 "a virtio-pci one";
        (void)core_.remove(spec_.uuid);
        dev_ = nullptr;
        return false;
    }
    fn->connect_irqs();
    program_msix_table();
    interrupt_pin_ = static_cast<std::uint8_t>(fn->config_read(PCI_INTERRUPT_PIN, 1));
    return true;
}

void ServedDevice::program_msix_table()
{
    vfio::PciFunction *fn = function();
    if (!fn || !fn->msix()) {
        return;
    }
    for (std::uint32_t v = 0; v < fn->msix()->layout().vectors; v++) {
        const std::uint64_t e = std::uint64_t(v) * PCI_MSIX_ENTRY_SIZE;
        fn->msix_write(MDEV_VFIO_MSIX_TABLE, e + PCI_MSIX_ENTRY_LOWER_ADDR,
                       kMsixIdentityAddress, 4);
        fn->msix_write(MDEV_VFIO_MSIX_TABLE, e + PCI_MSIX_ENTRY_UPPER_ADDR, 0, 4);
        fn->msix_write(MDEV_VFIO_MSIX_TABLE, e + PCI_MSIX_ENTRY_DATA, v, 4);
        fn->msix_write(MDEV_VFIO_MSIX_TABLE, e + PCI_MSIX_ENTRY_VECTOR_CTRL, 0, 4);
    }
}

bool ServedDevice::start(std::string *error)
{
    if (!create_mdev(error)) {
        return false;
    }
    return setup_context(error);
}

bool ServedDevice::setup_context(std::string *error)
{
    auto fail = [&](const char *what) {
        *error = "-device " + spec_.driver + ",socket=" + spec_.socket + ": " + what + ": " +
                 std::strerror(errno);
        if (ctx_) {
            vfu_destroy_ctx(ctx_);
            ctx_ = nullptr;
        }
        return false;
    };
    // The socket is the client's way in: only this user's, read and write,
    // from the moment it exists (a socket is made 0777 less the umask).
    mode_t old = umask(0177);
    ctx_ = vfu_create_ctx(VFU_TRANS_SOCK, spec_.socket.c_str(), LIBVFIO_USER_FLAG_ATTACH_NB, this,
                          VFU_DEV_TYPE_PCI);
    umask(old);
    if (!ctx_) {
        return fail("cannot create the socket");
    }
    // Said again, in case the file system ignored the umask.
    if (chmod(spec_.socket.c_str(), 0600) < 0) {
        return fail("chmod 0600 of the socket");
    }
    vfu_setup_log(ctx_, log_cb, getenv("MDEV_VFIO_USER_DEBUG") ? LOG_DEBUG : LOG_ERR);
    if (vfu_pci_init(ctx_, VFU_PCI_TYPE_CONVENTIONAL, PCI_HEADER_TYPE_NORMAL, 0) < 0) {
        return fail("vfu_pci_init");
    }
    // Every config access goes to the frontend's config emulation.
    if (vfu_setup_region(ctx_, VFU_PCI_DEV_CFG_REGION_IDX, PCI_CFG_SPACE_SIZE, config_access,
                         VFU_REGION_FLAG_RW | VFU_REGION_FLAG_ALWAYS_CB, nullptr, 0, -1, 0) < 0) {
        return fail("config space region");
    }
    // The function's BARs and interrupts, by class.
    if (const char *what = virtio_ ? setup_virtio_regions() : setup_vfio_regions()) {
        return fail(what);
    }
    if (vfu_setup_device_reset_cb(ctx_, reset_cb) < 0) {
        return fail("reset callback");
    }
    if (vfu_setup_device_dma(ctx_, dma_register_cb, dma_unregister_cb) < 0) {
        return fail("DMA callbacks");
    }
    if (vfu_realize_ctx(ctx_) < 0) {
        return fail("vfu_realize_ctx");
    }
    // Non-blocking: EAGAIN until a client connects, which poll_fd() then
    // reports readable.
    if (vfu_attach_ctx(ctx_) == 0) {
        connected_ = true;
        connections_++;
        conn_fd_ = vfu_get_poll_fd(ctx_);
    } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
        return fail("listening");
    }
    return true;
}

// Class vfio: the BARs and interrupts of the vfio frontend's PciFunction.
// nullptr, or what could not be set up.
const char *ServedDevice::setup_vfio_regions()
{
    vfio::PciFunction &fn = *function();
    static constexpr BarCb kBarCbs[PCI_STD_NUM_BARS] = {bar_access<0>, bar_access<1>,
                                                        bar_access<2>, bar_access<3>,
                                                        bar_access<4>, bar_access<5>};
    for (unsigned i = 0; i < PCI_STD_NUM_BARS; i++) {
        const vfio::Bar &b = fn.bar(i);
        if (b.size == 0) {
            continue;
        }
        // A RAM-backed BAR in one of our memfds goes to the client by fd,
        // mmap-able as a whole (fd_regions.cpp); the callbacks serve the
        // accesses that still come as messages.
        int flags = VFU_REGION_FLAG_RW | (b.io ? 0 : VFU_REGION_FLAG_MEM);
        std::uint64_t fd_offset = 0;
        const int fd = b.mmap ? bar_memory_fd(i, &fd_offset) : -1;
        iovec whole{nullptr, b.size};
        if (vfu_setup_region(ctx_, VFU_PCI_DEV_BAR0_REGION_IDX + i, b.size, kBarCbs[i], flags,
                             fd >= 0 ? &whole : nullptr, fd >= 0 ? 1 : 0, fd,
                             fd_offset) < 0) {
            return "BAR region";
        }
    }
    if (vfu_setup_device_nr_irqs(ctx_, VFU_DEV_INTX_IRQ, fn.has_intx() ? 1 : 0) < 0 ||
        vfu_setup_device_nr_irqs(ctx_, VFU_DEV_MSI_IRQ, fn.msi().vectors) < 0 ||
        vfu_setup_device_nr_irqs(ctx_, VFU_DEV_MSIX_IRQ,
                                 fn.msix() ? fn.msix()->layout().vectors : 0) < 0) {
        return "interrupts";
    }
    msi_cap_ = fn.msi().offset;
    if (fn.has_intx() && vfu_setup_irq_state_callback(ctx_, VFU_DEV_INTX_IRQ, intx_state_cb) < 0) {
        return "INTx mask callback";
    }
    return nullptr;
}

int ServedDevice::poll_fd() const
{
    return ctx_ ? vfu_get_poll_fd(ctx_) : -1;
}

void ServedDevice::on_ready()
{
    if (!ctx_) {
        return;
    }
    if (!connected_) {
        if (vfu_attach_ctx(ctx_) == 0) {
            connected_ = true;
            connections_++;
            conn_fd_ = vfu_get_poll_fd(ctx_);
            std::fprintf(stderr, "mdev-vfio-user: %s: client connected on %s\n",
                         spec_.uuid.c_str(), spec_.socket.c_str());
        }
        return;
    }
    // Every message waiting, not one per wake-up: the client posts BAR
    // writes without waiting for their replies, so several are often queued.
    for (;;) {
        int n = vfu_run_ctx(ctx_);
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EBUSY) {
            client_gone();
            return;
        }
        if (n <= 0) {
            // libvfio-user drops a client whose reply it cannot send (the
            // client reset the connection) by itself and still returns
            // success: its poll fd is then the listening socket again.
            // Found by the vfio-user fuzz harness: the server went on
            // believing it was connected.
            if (vfu_get_poll_fd(ctx_) != conn_fd_) {
                errno = ECONNRESET;
                client_gone();
            }
            return;
        }
    }
}

// The client went away (it quit, was killed or closed the socket, maybe in
// the middle of a DMA): the device's state and budget go back to its parent
// with the mdev, and a fresh one waits for the next client on the same
// socket with the same UUID.
void ServedDevice::client_gone()
{
    const std::lock_guard lock(devices_lock()); // event_loop.hpp
    std::fprintf(stderr,
                 "mdev-vfio-user: %s: client disconnected from %s (%s); DMA regions: %llu "
                 "mapped, %llu removed, at most %zu at once (limit %d)\n",
                 spec_.uuid.c_str(), spec_.socket.c_str(), std::strerror(errno),
                 static_cast<unsigned long long>(dma_counts_.maps),
                 static_cast<unsigned long long>(dma_counts_.unmaps), dma_counts_.peak,
                 MDEV_VFU_MAX_DMA_REGIONS);
    connected_ = false;
    stats_.report(stderr, spec_.uuid, "client disconnected");
    dma_regions_.clear();
    dma_counts_ = {};
    virtio_.reset();
    if (dev_) {
        (void)core_.remove(spec_.uuid);
        dev_ = nullptr;
    }
    std::string error;
    if (!create_mdev(&error)) {
        std::fprintf(stderr, "mdev-vfio-user: %s: cannot make the device again: %s\n",
                     spec_.uuid.c_str(), error.c_str());
    }
}

void ServedDevice::stop()
{
    stats_.report(stderr, spec_.uuid, "stop");
    if (ctx_) {
        vfu_destroy_ctx(ctx_);
        ctx_ = nullptr;
        unlink(spec_.socket.c_str());
    }
    virtio_.reset();
    if (dev_) {
        (void)core_.remove(spec_.uuid);
        dev_ = nullptr;
    }
    close_memory_files();
}

// ------------------------------------------------------------ regions ----

ssize_t ServedDevice::config_access(vfu_ctx_t *ctx, char *buf, size_t count, loff_t offset,
                                    bool is_write)
{
    return of(ctx).config(buf, count, offset, is_write);
}

ssize_t ServedDevice::config(char *buf, size_t count, loff_t offset, bool is_write)
{
    const std::lock_guard lock(devices_lock()); // event_loop.hpp
    if (!dev_ || offset < 0 || count > PCI_CFG_SPACE_SIZE ||
        std::uint64_t(offset) > PCI_CFG_SPACE_SIZE - count) {
        errno = EINVAL;
        return -1;
    }
    Core::Pin pin(core_, *dev_);
    stats_.config(is_write);
    if (virtio_) {
        return virtio_->config_access(std::uint64_t(offset),
                                      {reinterpret_cast<std::uint8_t *>(buf), count}, is_write)
                   ? static_cast<ssize_t>(count)
                   : (errno = EINVAL, -1);
    }
    vfio::PciFunction &fn = *function();
    for (std::size_t done = 0; done < count;) {
        const std::uint32_t off = static_cast<std::uint32_t>(offset + done);
        const unsigned size = chunk(off, count - done, 4);
        std::uint32_t value = 0;
        if (is_write) {
            std::memcpy(&value, buf + done, size);
            for (unsigned i = 0; i < size; i++) {
                const std::uint32_t at = off + i;
                if (present_ && (at == PCI_COMMAND || at == PCI_COMMAND + 1)) {
                    const unsigned shift = 8 * (at - PCI_COMMAND);
                    const std::uint16_t byte = (value >> (8 * i)) & 0xff;
                    command_ = static_cast<std::uint16_t>(
                        ((command_ & ~(0xffu << shift)) | (byte << shift)) & kCommandWritable);
                }
            }
            fn.config_write(off, value, size);
            // MSI: the client emulates the capability (as vfio-pci does)
            // and passes the guest's writes on; Message Control says
            // whether MSI is on and how many vectors the guest enabled
            // (not while the card is out: the write is lost, presence.cpp).
            const std::uint32_t flags = msi_cap_ + PCI_MSI_FLAGS;
            if (present_ && msi_cap_ && flags >= off && flags < off + size) {
                const std::uint32_t control = value >> (8 * (flags - off));
                const bool enabled = control & PCI_MSI_FLAGS_ENABLE;
                const std::uint32_t vectors = 1u << ((control & PCI_MSI_FLAGS_QSIZE) >> 4);
                fn.set_msi(enabled, enabled ? vectors : 0);
            }
        } else {
            value = fn.config_read(off, size);
            for (unsigned i = 0; i < size; i++) {
                const std::uint32_t at = off + i;
                if (present_ && (at == PCI_COMMAND || at == PCI_COMMAND + 1)) {
                    const unsigned shift = 8 * i;
                    const std::uint32_t ours = (command_ >> (8 * (at - PCI_COMMAND))) & 0xff;
                    value = (value & ~(0xffu << shift)) | (ours << shift);
                }
            }
            if (!present_) {
                value = absent_config(off, size, value);
            }
            std::memcpy(buf + done, &value, size);
        }
        done += size;
    }
    return static_cast<ssize_t>(count);
}

ssize_t ServedDevice::bar(unsigned bar, char *buf, size_t count, loff_t offset, bool is_write)
{
    if (stats_.on()) {
        const std::uint64_t t0 = Stats::now_ns();
        const ssize_t r = bar_locked(bar, buf, count, offset, is_write);
        stats_.bar(bar, std::uint64_t(offset), is_write, Stats::now_ns() - t0);
        return r;
    }
    return bar_locked(bar, buf, count, offset, is_write);
}

ssize_t ServedDevice::bar_locked(unsigned bar, char *buf, size_t count, loff_t offset,
                                 bool is_write)
{
    const std::lock_guard lock(devices_lock()); // event_loop.hpp
    if (virtio_) {
        Core::Pin pin(core_, *dev_);
        return offset >= 0 && virtio_->bar_access(bar, std::uint64_t(offset),
                                                  {reinterpret_cast<std::uint8_t *>(buf), count},
                                                  is_write)
                   ? static_cast<ssize_t>(count)
                   : (errno = EINVAL, -1);
    }
    vfio::PciFunction *fn = function();
    // Checked without overflow: the offset and count are the client's.
    if (!fn || offset < 0 || count > fn->bar(bar).size ||
        std::uint64_t(offset) > fn->bar(bar).size - count) {
        errno = EINVAL;
        return -1;
    }
    Core::Pin pin(core_, *dev_);
    // The client forwards the guest's access as it came (1, 2, 4 or 8
    // bytes); anything longer is split into naturally aligned pieces.
    for (std::size_t done = 0; done < count;) {
        const std::uint64_t off = std::uint64_t(offset) + done;
        const unsigned size = count - done <= 8 && (count - done) % 2 == 0 &&
                                      off % (count - done) == 0
                                  ? static_cast<unsigned>(count - done)
                                  : chunk(off, count - done, 8);
        std::uint64_t value = 0;
        if (is_write) {
            std::memcpy(&value, buf + done, size);
            fn->bar_write(bar, off, value, size);
        } else {
            value = fn->bar_read(bar, off, size);
            std::memcpy(buf + done, &value, size);
        }
        done += size;
    }
    return static_cast<ssize_t>(count);
}

// ------------------------------------------------------ interrupts ----

void ServedDevice::set_intx(bool asserted)
{
    // VFIO's INTx is level-triggered with automasking: one trigger per
    // assertion, then nothing until the client unmasks (after the guest's
    // EOI); a line still asserted then triggers again (intx.hpp: when).
    intx_.set_level(asserted);
}

void ServedDevice::intx_state_cb(vfu_ctx_t *ctx, std::uint32_t, std::uint32_t, bool mask)
{
    const std::lock_guard lock(devices_lock()); // event_loop.hpp
    ServedDevice &s = of(ctx);
    if (mask) {
        s.intx_.mask();
    } else {
        s.intx_.unmask(IntxLine::Clock::now());
    }
}

void ServedDevice::notify_msi(std::uint32_t vector)
{
    if (ctx_ && connected_) {
        if (stats_.on()) {
            stats_.irq();
        }
        (void)vfu_irq_trigger(ctx_, vector);
    }
}

void ServedDevice::send_msi(std::uint64_t address, std::uint32_t data)
{
    if (address == kMsixIdentityAddress) {
        notify_msi(data);
    }
}

bool ServedDevice::bus_master()
{
    return virtio_ ? virtio_->bus_master() : command_ & PCI_COMMAND_MASTER;
}

int ServedDevice::reset_cb(vfu_ctx_t *ctx, vfu_reset_type_t)
{
    const std::lock_guard lock(devices_lock()); // event_loop.hpp
    ServedDevice &s = of(ctx);
    if (s.dev_ && s.virtio_) {
        Core::Pin pin(s.core_, *s.dev_);
        s.virtio_->reset();
    } else if (s.dev_) {
        Core::Pin pin(s.core_, *s.dev_);
        s.function()->reset();
        s.program_msix_table();
    }
    s.intx_.reset();
    return 0;
}

// --------------------------------------------------------------- DMA ----

void ServedDevice::dma_register_cb(vfu_ctx_t *ctx, vfu_dma_info_t *info)
{
    // A DMA_MAP of a region already mapped is registered again: keep one.
    ServedDevice &s = of(ctx);
    const std::uint64_t iova = reinterpret_cast<std::uintptr_t>(info->iova.iov_base);
    s.dma_regions_[iova] = {info->iova.iov_len, static_cast<std::uint8_t *>(info->vaddr),
                            info->prot};
    s.dma_counts_.maps++;
    s.dma_counts_.peak = std::max(s.dma_counts_.peak, s.dma_regions_.size());
}

void ServedDevice::dma_unregister_cb(vfu_ctx_t *ctx, vfu_dma_info_t *info)
{
    ServedDevice &s = of(ctx);
    s.dma_regions_.erase(reinterpret_cast<std::uintptr_t>(info->iova.iov_base));
    s.dma_counts_.unmaps++;
}

bool ServedDevice::dma(std::uint64_t addr, std::uint8_t *data, std::size_t len, bool write)
{
    // The vfio frontend checks Bus Master Enable itself; the virtio one
    // leaves it to the machine (inside our QEMU, the function's bus-master
    // address space), which the server is here.
    if (virtio_ && !virtio_->bus_master()) {
        std::fprintf(stderr,
                     "mdev-vfio-user: %s: DMA %s of %zu bytes at 0x%llx refused: bus mastering "
                     "is off\n",
                     spec_.uuid.c_str(), write ? "write" : "read", len,
                     static_cast<unsigned long long>(addr));
        return false;
    }
    std::vector<std::uint8_t> sg; // for the copies through the client (no fd)
    while (len > 0) {
        // The last region starting at or below addr, if addr is inside it.
        auto it = dma_regions_.upper_bound(addr);
        const bool found = it != dma_regions_.begin() &&
                           addr - std::prev(it)->first < std::prev(it)->second.len;
        if (!found || !ctx_) {
            std::fprintf(stderr,
                         "mdev-vfio-user: %s: DMA %s of %zu bytes at 0x%llx refused: not in "
                         "a region the client mapped%s\n",
                         spec_.uuid.c_str(), write ? "write" : "read", len,
                         static_cast<unsigned long long>(addr), dma_refusal_hint());
            return false;
        }
        const std::uint64_t region_iova = std::prev(it)->first;
        const DmaRegion *region = &std::prev(it)->second;
        // The client's DMA_MAP flags are the IOMMU's permissions: a region
        // mapped without READ (or WRITE) is not readable (or writable) by
        // the device. libvfio-user maps its fd with exactly those
        // protections, so a copy past them would fault (SIGSEGV on a
        // PROT_NONE mapping, found by the vfio-user fuzz harness).
        const std::uint32_t need = write ? PROT_WRITE : PROT_READ;
        if ((region->prot & need) != need) {
            std::fprintf(stderr,
                         "mdev-vfio-user: %s: DMA %s of %zu bytes at 0x%llx refused: the "
                         "client mapped that region without %s permission\n",
                         spec_.uuid.c_str(), write ? "write" : "read", len,
                         static_cast<unsigned long long>(addr), write ? "write" : "read");
            return false;
        }
        const std::size_t piece =
            static_cast<std::size_t>(std::min<std::uint64_t>(len, region->len - (addr - region_iova)));
        if (region->vaddr) {
            // The client can take its pages away under us (client_memory.hpp).
            std::uint8_t *p = region->vaddr + (addr - region_iova);
            if (!(write ? write_client_memory(p, data, piece)
                        : read_client_memory(data, p, piece))) {
                std::fprintf(stderr,
                             "mdev-vfio-user: %s: DMA %s of %zu bytes at 0x%llx refused: the "
                             "client's memory there is gone (its file is shorter than the "
                             "region it mapped)\n",
                             spec_.uuid.c_str(), write ? "write" : "read", piece,
                             static_cast<unsigned long long>(addr));
                return false;
            }
        } else {
            // No fd: the client reads or writes its memory for us.
            sg.resize(dma_sg_size());
            auto *s = reinterpret_cast<dma_sg_t *>(sg.data());
            bool ok = vfu_addr_to_sgl(ctx_, reinterpret_cast<vfu_dma_addr_t>(addr), piece, s, 1,
                                      write ? PROT_WRITE : PROT_READ) == 1;
            if (ok) {
                mdev_vfu_sg_rebase(s); // the address itself, not its region's start (vfu_fixes.c)
                ok = (write ? vfu_sgl_write(ctx_, s, 1, data)
                            : vfu_sgl_read(ctx_, s, 1, data)) >= 0;
            }
            if (!ok) {
                std::fprintf(stderr, "mdev-vfio-user: %s: DMA %s at 0x%llx failed: %s\n",
                             spec_.uuid.c_str(), write ? "write" : "read",
                             static_cast<unsigned long long>(addr), std::strerror(errno));
                return false;
            }
        }
        addr += piece;
        data += piece;
        len -= piece;
    }
    return true;
}

const char *ServedDevice::dma_refusal_hint() const
{
    if (dma_regions_.size() >= MDEV_VFU_MAX_DMA_REGIONS) {
        static const std::string full = "; the server holds " +
                                        std::to_string(MDEV_VFU_MAX_DMA_REGIONS) +
                                        " regions, its limit, and refused the client's "
                                        "further DMA_MAPs";
        return full.c_str();
    }
    // Behind a translating vIOMMU the client maps only what the guest
    // mapped for the function through its DMA API, which Linux's virtio
    // ring uses only with ACCESS_PLATFORM: a driver without it gives
    // guest-physical addresses the client never maps.
    if (virtio_ && !virtio_->dma_translated() && dma_regions_.empty()) {
        return "; the client has mapped no memory for the function (behind a translating "
               "vIOMMU?): a virtio device there needs iommu_platform=on";
    }
    return "";
}

bool ServedDevice::dma_read(std::uint64_t addr, std::span<std::uint8_t> out)
{
    if (stats_.on()) {
        const std::uint64_t t0 = Stats::now_ns();
        const bool ok = dma(addr, out.data(), out.size(), false);
        stats_.dma(false, out.size(), Stats::now_ns() - t0);
        return ok;
    }
    return dma(addr, out.data(), out.size(), false);
}

bool ServedDevice::dma_write(std::uint64_t addr, std::span<const std::uint8_t> in)
{
    if (stats_.on()) {
        const std::uint64_t t0 = Stats::now_ns();
        const bool ok = dma(addr, const_cast<std::uint8_t *>(in.data()), in.size(), true);
        stats_.dma(true, in.size(), Stats::now_ns() - t0);
        return ok;
    }
    return dma(addr, const_cast<std::uint8_t *>(in.data()), in.size(), true);
}

// ----------------------------------------------------------------- log ----

void ServedDevice::guest_error(std::string_view message)
{
    std::fprintf(stderr, "mdev-vfio-user: %s: guest error: %.*s\n", spec_.uuid.c_str(),
                 static_cast<int>(message.size()), message.data());
}

void ServedDevice::log_cb(vfu_ctx_t *ctx, int, const char *msg)
{
    std::fprintf(stderr, "mdev-vfio-user: %s: vfio-user: %s\n", of(ctx).spec_.uuid.c_str(), msg);
}

} // namespace mdev::vfio_user
