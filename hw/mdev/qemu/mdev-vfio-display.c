/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: the graphic console of a vfio mdev with a display. On each UI
 * refresh it asks the frontend for the device's plane (already checked
 * against its BAR, vfio-pci.h). A new plane gets a display surface that
 * points straight at the BAR's host memory, with no copy; an unchanged one
 * only reports the lines the guest wrote since the last refresh, from the
 * BAR's dirty log (DIRTY_MEMORY_VGA), so an unchanged frame costs nothing.
 */
#include "qemu/osdep.h"
#include "system/memory.h"
#include "ui/console.h"
#include "ui/qemu-pixman.h"
#include "mdev-vfio-display.h"
#include "trace.h"

struct MdevVfioDisplay {
    MdevPCIState *owner;
    MemoryRegion *bar_mr[MDEV_VFIO_NUM_BARS]; /* the vfio frontend's */
    QemuConsole *con;
    /* What the console's surface shows now. */
    MdevVfioPlaneStatus status;
    MdevVfioPlane plane;  /* valid when status is MDEV_VFIO_PLANE_OK */
    bool surface_valid;   /* false: rebuild the surface on the next refresh */
    bool full_update;     /* true: report every line on the next refresh */
};

static const char *mdev_vfio_display_placeholder_text(MdevVfioPlaneStatus st)
{
    return st == MDEV_VFIO_PLANE_INVALID ?
        "The device's display plane does not fit its memory." :
        "Display output is not active.";
}

static bool mdev_vfio_same_plane(const MdevVfioPlane *a,
                                 const MdevVfioPlane *b)
{
    return a->drm_format == b->drm_format && a->width == b->width &&
           a->height == b->height && a->stride == b->stride &&
           a->bar == b->bar && a->offset == b->offset;
}

/* A new plane, or none: point the console at it. */
static void mdev_vfio_display_switch(MdevVfioDisplay *d,
                                     MdevVfioPlaneStatus st,
                                     const MdevVfioPlane *p)
{
    MdevPCIState *s = d->owner;
    pixman_format_code_t format = 0;
    DisplaySurface *surface;
    uint8_t *mem = NULL;

    if (st == MDEV_VFIO_PLANE_OK) {
        format = qemu_drm_format_to_pixman(p->drm_format);
        mem = mdev_vfio_bar_memory(s->handle, p->bar);
        /* The frontend only passes formats and BARs that have both. */
        if (!format || !mem) {
            st = MDEV_VFIO_PLANE_INVALID;
        }
    }
    if (st == MDEV_VFIO_PLANE_OK) {
        surface = qemu_create_displaysurface_from(p->width, p->height, format,
                                                  p->stride, mem + p->offset);
        d->plane = *p;
        trace_mdev_vfio_display_mode(s->uuid, p->drm_format, p->width,
                                     p->height, p->stride, p->bar, p->offset);
    } else {
        surface = qemu_create_placeholder_surface(
            qemu_console_get_width(d->con, 640),
            qemu_console_get_height(d->con, 480),
            mdev_vfio_display_placeholder_text(st));
        memset(&d->plane, 0, sizeof(d->plane));
        trace_mdev_vfio_display_off(s->uuid, st);
    }
    dpy_gfx_replace_surface(d->con, surface);
    d->status = st;
    d->surface_valid = true;
    d->full_update = true;
}

/* Report the lines of the frame written since the last refresh. */
static void mdev_vfio_display_update_dirty(MdevVfioDisplay *d)
{
    const MdevVfioPlane *p = &d->plane;
    MemoryRegion *mr = d->bar_mr[p->bar];
    hwaddr line_bytes = (hwaddr)p->width * p->bytes_per_pixel;
    DirtyBitmapSnapshot *snap;
    uint32_t y, first_dirty = 0;
    bool in_run = false;

    /* Taking the snapshot also clears the log for the next refresh. */
    snap = memory_region_snapshot_and_clear_dirty(mr, p->offset,
                                                  (hwaddr)p->stride * p->height,
                                                  DIRTY_MEMORY_VGA);
    if (d->full_update) {
        d->full_update = false;
        g_free(snap);
        trace_mdev_vfio_display_update(d->owner->uuid, 0, p->height, true);
        dpy_gfx_update_full(d->con);
        return;
    }
    for (y = 0; y <= p->height; y++) {
        bool dirty = y < p->height &&
            memory_region_snapshot_get_dirty(mr, snap,
                                             p->offset + (hwaddr)y * p->stride,
                                             line_bytes);
        if (dirty && !in_run) {
            first_dirty = y;
            in_run = true;
        } else if (!dirty && in_run) {
            trace_mdev_vfio_display_update(d->owner->uuid, first_dirty,
                                           y - first_dirty, false);
            dpy_gfx_update(d->con, 0, first_dirty, p->width, y - first_dirty);
            in_run = false;
        }
    }
    g_free(snap);
}

static void mdev_vfio_display_gfx_update(void *opaque)
{
    MdevVfioDisplay *d = opaque;
    MdevVfioPlane p;
    MdevVfioPlaneStatus st = mdev_vfio_query_plane(d->owner->handle, &p);

    if (!d->surface_valid || st != d->status ||
        (st == MDEV_VFIO_PLANE_OK && !mdev_vfio_same_plane(&p, &d->plane))) {
        mdev_vfio_display_switch(d, st, &p);
    }
    if (d->status == MDEV_VFIO_PLANE_OK) {
        mdev_vfio_display_update_dirty(d);
    }
}

static void mdev_vfio_display_invalidate(void *opaque)
{
    MdevVfioDisplay *d = opaque;

    d->surface_valid = false;
}

static const GraphicHwOps mdev_vfio_display_ops = {
    .invalidate = mdev_vfio_display_invalidate,
    .gfx_update = mdev_vfio_display_gfx_update,
};

MdevVfioDisplay *mdev_vfio_display_init(MdevPCIState *s,
                                        MemoryRegion *const bar_mr[])
{
    MdevVfioDisplay *d;
    unsigned i;

    if (!mdev_vfio_has_display(s->handle)) {
        return NULL;
    }
    d = g_new0(MdevVfioDisplay, 1);
    for (i = 0; i < MDEV_VFIO_NUM_BARS; i++) {
        d->bar_mr[i] = bar_mr[i];
        if (memory_region_is_ram(d->bar_mr[i])) {
            memory_region_set_log(d->bar_mr[i], true, DIRTY_MEMORY_VGA);
        }
    }
    d->owner = s;
    d->status = MDEV_VFIO_PLANE_NONE;
    d->con = graphic_console_init(DEVICE(s), 0, &mdev_vfio_display_ops, d);
    return d;
}

void mdev_vfio_display_fini(MdevVfioDisplay *d)
{
    unsigned i;

    if (!d) {
        return;
    }
    /* Replaces our surface, which points into the device's memory. */
    graphic_console_close(d->con);
    for (i = 0; i < MDEV_VFIO_NUM_BARS; i++) {
        if (memory_region_is_ram(d->bar_mr[i])) {
            memory_region_set_log(d->bar_mr[i], false, DIRTY_MEMORY_VGA);
        }
    }
    g_free(d);
}

void mdev_vfio_display_reset(MdevVfioDisplay *d)
{
    if (d) {
        d->full_update = true;
    }
}
