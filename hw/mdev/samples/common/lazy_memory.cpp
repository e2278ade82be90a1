// SPDX-License-Identifier: GPL-2.0-or-later
#include "samples/common/lazy_memory.hpp"

#include <sys/mman.h>

#include <cstring>
#include <utility>

namespace mdev::samples {

LazyMemory::LazyMemory(std::size_t size)
{
    void *p = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        return;
    }
    data_ = static_cast<std::uint8_t *>(p);
    size_ = size;
}

LazyMemory::LazyMemory(std::size_t size, int fd) : LazyMemory(fd < 0 ? size : 0)
{
    if (fd < 0) {
        return;
    }
    void *p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        return;
    }
    data_ = static_cast<std::uint8_t *>(p);
    size_ = size;
    shared_ = true;
}

LazyMemory::~LazyMemory()
{
    unmap();
}

LazyMemory::LazyMemory(LazyMemory &&other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)),
      shared_(std::exchange(other.shared_, false))
{
}

LazyMemory &LazyMemory::operator=(LazyMemory &&other) noexcept
{
    if (this != &other) {
        unmap();
        data_ = std::exchange(other.data_, nullptr);
        size_ = std::exchange(other.size_, 0);
        shared_ = std::exchange(other.shared_, false);
    }
    return *this;
}

void LazyMemory::clear()
{
    // A private anonymous mapping reads zero-filled pages again after
    // MADV_DONTNEED; a shared file's pages must be freed in the file
    // (MADV_REMOVE), which every mapping of it then reads as zero. Should
    // the kernel refuse, zero it by hand.
    if (data_ && madvise(data_, size_, shared_ ? MADV_REMOVE : MADV_DONTNEED) != 0) {
        std::memset(data_, 0, size_);
    }
}

void LazyMemory::unmap()
{
    if (data_) {
        munmap(data_, size_);
        data_ = nullptr;
        size_ = 0;
    }
}

} // namespace mdev::samples
