/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vfu_sg_rebase.c: one scatter-gather entry of a region without an fd made
 * to start at the address it was asked for (libvfio-user's transfer ignores
 * the entry's offset). Call after vfu_addr_to_sgl, before vfu_sgl_read/write,
 * only for an entry that is not mappable. */
#ifndef MDEV_VFU_SG_H
#define MDEV_VFU_SG_H

#include "libvfio-user.h"

#ifdef __cplusplus
extern "C" {
#endif

void mdev_vfu_sg_rebase(dma_sg_t *sg);

#ifdef __cplusplus
}
#endif

#endif
