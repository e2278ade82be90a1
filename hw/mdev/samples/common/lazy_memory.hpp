// SPDX-License-Identifier: GPL-2.0-or-later
// Device memory that costs nothing until the guest touches it: an anonymous
// private mapping with MAP_NORESERVE, so the kernel hands out zeroed pages
// on first touch and reserves no swap for the rest. An idle mbochs-large
// thus keeps none of its 64 MiB resident (the kernel sample allocates its
// pages on fault for the same reason), nor an idle mdpy-hd its 8 MiB.
#pragma once


#include <cstddef>
#include <cstdint>
#include <span>

namespace mdev::samples {

class LazyMemory {
public:
    // An empty object if the mapping fails (see ok()).
    explicit LazyMemory(std::size_t size);
    // The same memory in a file the machine gave (Host::memory_fd, a
    // zero-filled memfd of at least `size` bytes), mapped shared so that
    // the machine's other mappings of it see the same bytes; the fd stays
    // the machine's. fd < 0: as LazyMemory(size).
    LazyMemory(std::size_t size, int fd);
    ~LazyMemory();
    LazyMemory(LazyMemory &&other) noexcept;
    LazyMemory &operator=(LazyMemory &&other) noexcept;
    LazyMemory(const LazyMemory &) = delete;
    LazyMemory &operator=(const LazyMemory &) = delete;

    bool ok() const { return data_ != nullptr; }
    std::size_t size() const { return size_; }
    std::span<std::uint8_t> bytes() { return {data_, size_}; }
    std::span<const std::uint8_t> bytes() const { return {data_, size_}; }

    // Every byte back to zero, and no page resident any more (the mapping
    // and its address stay: a guest mapping of it sees the zeros).
    void clear();

private:
    void unmap();

    std::uint8_t *data_ = nullptr;
    std::size_t size_ = 0;
    bool shared_ = false; // a mapping of the machine's file
};

} // namespace mdev::samples
