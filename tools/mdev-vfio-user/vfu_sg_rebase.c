// SPDX-License-Identifier: GPL-2.0-or-later
// A work-around for libvfio-user as QEMU 10.2.2's tarball carries it: for a
// DMA region the client mapped without an fd, vfu_sgl_read/vfu_sgl_write
// send DMA_READ/DMA_WRITE for `sg->dma_addr + count`, where dma_addr is the
// *region's* first IOVA (dma_init_sg keeps the address's distance from it in
// sg->offset, which the transfer ignores): every access that does not start
// at a region's first byte went to the region's start. Found by the
// vfio-user fuzz harness (its seed mnvme-dma-no-fd: the library itself
// refuses the reply, "bad reply to DMA transfer: request:0,64
// reply:0x1000,64"). Rebasing the entry on the address itself is exact for
// such regions, the only ones the server sends through messages; compiled
// with the library, whose private dma.h defines the entry.
#include "dma.h"
#include "mdev_vfu_sg.h"

void mdev_vfu_sg_rebase(dma_sg_t *sg)
{
    sg->dma_addr = (char *)sg->dma_addr + sg->offset;
    sg->offset = 0;
}
