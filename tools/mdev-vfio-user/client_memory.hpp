// SPDX-License-Identifier: GPL-2.0-or-later
// Copies to and from memory the client shared with the server (its guest RAM,
// mapped from the fd of a DMA_MAP) that survive the client taking the memory
// away: a client may map a file shorter than the region it declares, or
// truncate it afterwards, and a plain memcpy into such a page is SIGBUS, the
// end of the server and of every device it serves (found by the vfio-user
// fuzz harness, tests/fuzz/fuzz_vfio_user.cpp). The copies go through
// process_vm_readv/process_vm_writev on the server's own process, which
// report a page that cannot be faulted in as a short copy instead.
#pragma once

#include <cstddef>

namespace mdev::vfio_user {

// False if some byte could not be copied (the region is refused as a DMA
// the client did not map).
bool read_client_memory(void *to, const void *client, std::size_t len);
bool write_client_memory(void *client, const void *from, std::size_t len);

} // namespace mdev::vfio_user
