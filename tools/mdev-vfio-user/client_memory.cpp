// SPDX-License-Identifier: GPL-2.0-or-later
#include "client_memory.hpp"

#include <sys/uio.h>
#include <unistd.h>

namespace mdev::vfio_user {

namespace {

// process_vm_* moves at most what one call returns; loop over the rest.
template <typename Fn>
bool copy(void *to, const void *from, std::size_t len, Fn fn)
{
    auto *dst = static_cast<char *>(to);
    auto *src = static_cast<const char *>(from);
    while (len > 0) {
        iovec local{nullptr, len};
        iovec remote{nullptr, len};
        const ssize_t n = fn(dst, src, local, remote);
        if (n <= 0) {
            return false;
        }
        dst += n;
        src += n;
        len -= static_cast<std::size_t>(n);
    }
    return true;
}

} // namespace

bool read_client_memory(void *to, const void *client, std::size_t len)
{
    return copy(to, client, len, [](char *dst, const char *src, iovec &local, iovec &remote) {
        local.iov_base = dst;
        remote.iov_base = const_cast<char *>(src);
        return process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
    });
}

bool write_client_memory(void *client, const void *from, std::size_t len)
{
    return copy(client, from, len, [](char *dst, const char *src, iovec &local, iovec &remote) {
        local.iov_base = const_cast<char *>(src);
        remote.iov_base = dst;
        return process_vm_writev(getpid(), &local, 1, &remote, 1, 0);
    });
}

} // namespace mdev::vfio_user
