/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vfu_fixes.c: work-arounds for libvfio-user. mdev_vfu_sg_rebase: one
 * scatter-gather entry of a region without an fd made to start at the
 * address it was asked for (the library's transfer ignores the entry's
 * offset); call after vfu_addr_to_sgl, before vfu_sgl_read/write, only for an
 * entry that is not mappable. */
#ifndef MDEV_VFU_FIXES_H
#define MDEV_VFU_FIXES_H

#include "libvfio-user.h"

#ifdef __cplusplus
extern "C" {
#endif

void mdev_vfu_sg_rebase(dma_sg_t *sg);

#ifdef __cplusplus
}
#endif

#endif
