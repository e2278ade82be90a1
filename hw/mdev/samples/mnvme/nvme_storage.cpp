// SPDX-License-Identifier: GPL-2.0-or-later
#include "samples/mnvme/nvme_storage.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mdev::samples::nvme {

bool RamStorage::read(std::uint64_t offset, std::span<std::uint8_t> data)
{
    std::memcpy(data.data(), mem_.bytes().data() + offset, data.size());
    return true;
}

bool RamStorage::write(std::uint64_t offset, std::span<const std::uint8_t> data)
{
    std::memcpy(mem_.bytes().data() + offset, data.data(), data.size());
    return true;
}

bool RamStorage::write_zeroes(std::uint64_t offset, std::uint64_t length)
{
    std::memset(mem_.bytes().data() + offset, 0, length);
    return true;
}

Result<std::unique_ptr<FileStorage>> FileStorage::open(const std::string &path)
{
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        return Error{Errc::invalid_property,
                     "property 'file': cannot open '" + path + "': " + std::strerror(errno)};
    }
    struct stat st {};
    std::uint64_t size = 0;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        size = static_cast<std::uint64_t>(st.st_size);
    } else if (fstat(fd, &st) == 0 && S_ISBLK(st.st_mode)) {
        const off_t end = lseek(fd, 0, SEEK_END);
        size = end > 0 ? static_cast<std::uint64_t>(end) : 0;
    } else {
        ::close(fd);
        return Error{Errc::invalid_property,
                     "property 'file': '" + path + "' is not a regular file or block device"};
    }
    size &= ~std::uint64_t(511);
    if (size == 0) {
        ::close(fd);
        return Error{Errc::invalid_property,
                     "property 'file': '" + path +
                         "' holds less than one 512-byte block; make it larger (truncate -s)"};
    }
    return std::unique_ptr<FileStorage>(new FileStorage(fd, size));
}

FileStorage::~FileStorage()
{
    ::close(fd_);
}

bool FileStorage::read(std::uint64_t offset, std::span<std::uint8_t> data)
{
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::pread(fd_, data.data() + done, data.size() - done,
                                  static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return false;
        }
        if (n == 0) { // the file shrank under us: the rest reads as zeros
            std::fill(data.begin() + static_cast<std::ptrdiff_t>(done), data.end(), 0);
            return true;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

bool FileStorage::write(std::uint64_t offset, std::span<const std::uint8_t> data)
{
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done,
                                   static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

bool FileStorage::write_zeroes(std::uint64_t offset, std::uint64_t length)
{
    static const std::uint8_t zeros[65536] = {};
    while (length > 0) {
        const std::size_t chunk = static_cast<std::size_t>(std::min<std::uint64_t>(length, sizeof(zeros)));
        if (!write(offset, std::span(zeros, chunk))) {
            return false;
        }
        offset += chunk;
        length -= chunk;
    }
    return true;
}

bool FileStorage::flush()
{
    return ::fdatasync(fd_) == 0;
}

} // namespace mdev::samples::nvme
