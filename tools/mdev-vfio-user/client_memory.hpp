// SPDX-License-Identifier: GPL-2.0-or-later
// Copies to and from memory the client shared with the server (its guest RAM,
// mapped from the fd of a DMA_MAP) that survive the client taking the memory
// away: a client may map a file shorter than the region it declares, or
// truncate it afterwards, and a plain memcpy into such a page is SIGBUS, the
// end of the server and of every device it serves (found by the vfio-user
// fuzz harness, tests/fuzz/fuzz_vfio_user.cpp).
//
// The copy is a memcpy inside a guard: a SIGBUS raised while
// this thread is in the guarded copy jumps back out of it, and the copy
// reports failure. A fault anywhere else is not ours and goes to the
// default action, as if no handler were installed. The first version
// copied through process_vm_readv/process_vm_writev on the server's own
// process (a short copy where a page cannot be faulted in): safe, but it
// cost 145-150 us per 512 KiB in 4 KiB pieces against 12 us for memcpy on
// the development machine, most of a served mnvme command's time
// (docs/vfio-user.md, "Performance").
#pragma once

#include <cstddef>

namespace mdev::vfio_user {

// False if some byte could not be copied (the region is refused as a DMA
// the client did not map).
bool read_client_memory(void *to, const void *client, std::size_t len);
bool write_client_memory(void *client, const void *from, std::size_t len);

} // namespace mdev::vfio_user
