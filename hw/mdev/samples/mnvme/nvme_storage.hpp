// SPDX-License-Identifier: GPL-2.0-or-later
// A namespace's backing store: a range of bytes the controller reads and
// writes at LBA granularity. RAM (lazily allocated, so an idle namespace
// costs nothing) or a file the user named.
#pragma once

#include "hw/mdev/error.hpp"
#include "samples/common/lazy_memory.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

namespace mdev::samples::nvme {

class Storage {
public:
    virtual ~Storage() = default;
    virtual std::uint64_t size() const = 0;
    // Caller guarantees offset + data.size() <= size(). false: I/O error
    // of the backing store (a file), reported as a media error.
    virtual bool read(std::uint64_t offset, std::span<std::uint8_t> data) = 0;
    virtual bool write(std::uint64_t offset, std::span<const std::uint8_t> data) = 0;
    virtual bool write_zeroes(std::uint64_t offset, std::uint64_t length) = 0;
    virtual bool flush() = 0;
    // The bytes themselves when they are in memory, so that DMA goes
    // straight to them; empty otherwise.
    virtual std::span<std::uint8_t> direct() { return {}; }
    // Whether the bytes outlive the process (a file) or not (RAM).
    virtual bool persistent() const = 0;

    // The controller wrote (or zeroed) some of the bytes, by write() or
    // through direct(). The first time, whoever set on_first_write() hears
    // of it (mnvme: a RAM namespace's contents do not migrate, so it blocks
    // migration from then on); after that it is one test per command.
    void written()
    {
        if (!written_) {
            written_ = true;
            if (on_first_write_) {
                on_first_write_();
            }
        }
    }
    bool was_written() const { return written_; }
    void on_first_write(std::function<void()> f) { on_first_write_ = std::move(f); }

private:
    bool written_ = false;
    std::function<void()> on_first_write_;
};

class RamStorage final : public Storage {
public:
    explicit RamStorage(std::uint64_t bytes) : mem_(bytes) {}
    bool ok() const { return mem_.ok(); }
    std::uint64_t size() const override { return mem_.size(); }
    bool read(std::uint64_t offset, std::span<std::uint8_t> data) override;
    bool write(std::uint64_t offset, std::span<const std::uint8_t> data) override;
    bool write_zeroes(std::uint64_t offset, std::uint64_t length) override;
    bool flush() override { return true; }
    std::span<std::uint8_t> direct() override { return mem_.bytes(); }
    bool persistent() const override { return false; }

private:
    LazyMemory mem_;
};

// A regular file or block device opened read-write. Its size is rounded
// down to whole 512-byte blocks.
class FileStorage final : public Storage {
public:
    static Result<std::unique_ptr<FileStorage>> open(const std::string &path);
    ~FileStorage() override;
    FileStorage(const FileStorage &) = delete;
    FileStorage &operator=(const FileStorage &) = delete;

    std::uint64_t size() const override { return size_; }
    bool read(std::uint64_t offset, std::span<std::uint8_t> data) override;
    bool write(std::uint64_t offset, std::span<const std::uint8_t> data) override;
    bool write_zeroes(std::uint64_t offset, std::uint64_t length) override;
    bool flush() override;
    bool persistent() const override { return true; }

private:
    FileStorage(int fd, std::uint64_t size) : fd_(fd), size_(size) {}
    int fd_;
    std::uint64_t size_;
};

} // namespace mdev::samples::nvme
