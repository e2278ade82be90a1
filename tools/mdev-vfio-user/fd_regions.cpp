// SPDX-License-Identifier: GPL-2.0-or-later
// RAM-backed BARs by fd (docs/vfio-user.md, "RAM-backed BARs"): the server,
// as the device's host, gives a parent that asks (Host::memory_fd: mdpy's
// framebuffer, mbochs's video memory) a memfd for that memory; the parent
// maps it shared, and the server offers the BAR to its client as a region
// with that fd and one mmap area over all of it (vfu_setup_region), so the
// client (QEMU's vfio-user-pci) maps the same pages into the guest and the
// guest's accesses never cross the socket.
#include "server.hpp"

#include "vfio/pci_function.hpp"

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace mdev::vfio_user {

int ServedDevice::memory_fd(std::string_view name, std::size_t size)
{
    // The same file as last time for the same request, zeroed: the
    // context's regions were set up with it.
    if (memory_next_ < memory_files_.size()) {
        MemoryFile &f = memory_files_[memory_next_];
        if (f.size == size && ftruncate(f.fd, 0) == 0 &&
            ftruncate(f.fd, static_cast<off_t>(size)) == 0) {
            memory_next_++;
            return f.fd;
        }
        std::fprintf(stderr,
                     "mdev-vfio-user: %s: the device asked for other memory than at first "
                     "(%zu bytes, not %zu); its BAR is trapped until the server restarts\n",
                     spec_.uuid.c_str(), size, f.size);
        return -1;
    }
    const std::string label = "mdev " + std::string(name);
    const int fd = memfd_create(label.c_str(), MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, static_cast<off_t>(size)) < 0) {
        std::fprintf(stderr, "mdev-vfio-user: %s: memfd for %s (%zu bytes): %s\n",
                     spec_.uuid.c_str(), label.c_str(), size, std::strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    memory_files_.push_back({fd, size});
    memory_next_++;
    return fd;
}

int ServedDevice::bar_memory_fd(unsigned bar, std::uint64_t *offset) const
{
    vfio::PciFunction *fn = function();
    if (!fn) {
        return -1;
    }
    const std::span<std::uint8_t> mem = fn->bar_memory(bar);
    if (mem.size() < fn->bar(bar).size) {
        return -1;
    }
    // Which file the parent mapped there: /proc/self/maps names the
    // mapping's device, inode and offset; one of our memfds has them.
    const auto addr = reinterpret_cast<std::uintptr_t>(mem.data());
    FILE *maps = std::fopen("/proc/self/maps", "re");
    if (!maps) {
        return -1;
    }
    char line[512];
    int found = -1;
    while (found < 0 && std::fgets(line, sizeof(line), maps)) {
        std::uintptr_t start = 0, end = 0;
        unsigned long long file_off = 0, inode = 0;
        unsigned major_no = 0, minor_no = 0;
        char perms[8] = {};
        if (std::sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %7s %llx %x:%x %llu", &start, &end,
                        perms, &file_off, &major_no, &minor_no, &inode) != 7 ||
            addr < start || addr >= end) {
            continue;
        }
        if (end - addr < fn->bar(bar).size || perms[3] != 's') {
            break; // not one shared mapping of the whole BAR
        }
        for (const MemoryFile &f : memory_files_) {
            struct stat st {};
            if (fstat(f.fd, &st) == 0 && st.st_ino == inode &&
                major(st.st_dev) == major_no && minor(st.st_dev) == minor_no) {
                *offset = file_off + (addr - start);
                found = f.fd;
                break;
            }
        }
        break;
    }
    std::fclose(maps);
    return found;
}

void ServedDevice::close_memory_files()
{
    for (const MemoryFile &f : memory_files_) {
        close(f.fd);
    }
    memory_files_.clear();
    memory_next_ = 0;
}

} // namespace mdev::vfio_user
