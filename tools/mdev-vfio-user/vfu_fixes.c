// SPDX-License-Identifier: GPL-2.0-or-later
// Work-arounds for two bugs of libvfio-user as QEMU 10.2.2's tarball carries
// it, both found by the vfio-user fuzz harness (tests/fuzz/fuzz_vfio_user.cpp,
// docs/fuzzing.md). Compiled with the library, whose private dma.h defines
// what they touch; the library's own source stays as the tarball has it.
#include "dma.h"
#include "vfu_fixes.h"

#include <unistd.h>

// 1. For a DMA region the client mapped without an fd, vfu_sgl_read and
// vfu_sgl_write send DMA_READ/DMA_WRITE for `sg->dma_addr + count`, where
// dma_addr is the *region's* first IOVA (dma_init_sg keeps the address's
// distance from it in sg->offset, which the transfer ignores): every access
// that did not start at a region's first byte went to the region's start.
// (Seed mnvme-dma-no-fd: the library then refused the client's correct
// reply, "bad reply to DMA transfer: request:0,64 reply:0x1000,64".)
// Rebasing the entry on the address is exact for such regions, the only ones
// the server sends through messages.
void mdev_vfu_sg_rebase(dma_sg_t *sg)
{
    sg->dma_addr = (char *)sg->dma_addr + sg->offset;
    sg->offset = 0;
}

// 2. A DMA_MAP of exactly a region already mapped, with the same file, is
// accepted as a no-op, and the fd that came with it is neither kept nor
// closed: each such message leaks one of the server's fds, and a client
// repeating it exhausts them (for every device the server serves). The
// library's call goes through this wrapper (the link's
// --wrap=dma_controller_add_region), which closes the fd that was not kept.
int __real_dma_controller_add_region(dma_controller_t *dma, vfu_dma_addr_t dma_addr,
                                     size_t size, int fd, off_t offset, uint32_t prot);
int __wrap_dma_controller_add_region(dma_controller_t *dma, vfu_dma_addr_t dma_addr,
                                     size_t size, int fd, off_t offset, uint32_t prot);

int __wrap_dma_controller_add_region(dma_controller_t *dma, vfu_dma_addr_t dma_addr,
                                     size_t size, int fd, off_t offset, uint32_t prot)
{
    const int before = dma->nregions;
    const int idx = __real_dma_controller_add_region(dma, dma_addr, size, fd, offset, prot);
    if (idx >= 0 && dma->nregions == before && fd != -1 && dma->regions[idx].fd != fd) {
        close(fd);
    }
    return idx;
}
