/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: the QOM side of the vfio frontend. QEMU's PCI core owns the
 * standard header (BARs, command, interrupt line), as it does for any
 * device, so that BAR mapping and INTx disable behave as for QEMU's own
 * devices; the identity in that header, the BARs' sizes and kinds, and
 * everything past the header come from the mdev's config region and
 * region info through the frontend (pci_function.cpp).
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/pci/pci.h"
#include "hw/pci/msi.h"
#include "migration/vmstate.h"
#include "migration/qemu-file-types.h"
#include "qemu/error-report.h"
#include "qemu/log.h"
#include "exec/target_page.h"
#include "qemu/module.h"
#include "mdev-vfio-pci.h"
#include "mdev-vfio-display.h"
#include "trace.h"

/* This frontend's state of @s (mdev_pci_frontend_state). */
static MdevVfioPCI *mdev_vfio_pci_of(MdevPCIState *s)
{
    return container_of(mdev_pci_frontend_state(s), MdevVfioPCI, common);
}

/*
 * A trapped BAR: the device's registers (its BarAccessor) are the region's
 * MemoryRegionOps and their opaque its opaque, so QEMU calls the device's
 * handler as it calls serial.c's: no frame of ours, no lookup, no pin, no
 * byte buffer. No pin is needed: the QOM device holds its mdev from realize
 * to finalize (mdev_hold()), and QEMU keeps the device alive while this
 * region is in a memory map. Accesses stay traceable by QEMU's own
 * memory_region_ops_read and memory_region_ops_write events, which name the
 * region ("mdev-mtty BAR0 <id or uuid>").
 *
 * The sizes the handlers take become QEMU's impl sizes, so QEMU splits or
 * widens other accesses exactly as for its own devices (pci-serial's
 * registers are byte-wide: an inw reads two registers). The valid sizes are
 * the accessor's (BarAccessor::valid_max_size: QEMU's default of 4 bytes,
 * unless the handlers take 8), so the frontend's rules and QEMU's agree.
 */
static void mdev_vfio_init_direct_ops(MdevPCIBar *bar)
{
    bar->direct_ops = (MemoryRegionOps) {
        .read = bar->accessor.read,
        .write = bar->accessor.write,
        .endianness = DEVICE_LITTLE_ENDIAN,
        .valid = {
            .min_access_size = 1,
            .max_access_size = bar->accessor.valid_max_size,
            .unaligned = bar->accessor.unaligned,
        },
        .impl = {
            .min_access_size = bar->accessor.min_size,
            .max_access_size = bar->accessor.max_size,
            .unaligned = bar->accessor.unaligned,
        },
    };
}

static void mdev_vfio_mark_emulated(MdevVfioPCI *v, unsigned start,
                                    unsigned len)
{
    memset(v->emulated + start, 1, MIN(len, PCI_CONFIG_SPACE_SIZE - start));
}

/* Identity and everything past the header, from the device. */
static void mdev_vfio_load_config(MdevPCIState *s)
{
    MdevVfioPCI *v = mdev_vfio_pci_of(s);
    PCIDevice *pdev = PCI_DEVICE(s);
    MdevHandle *h = s->handle;
    uint8_t *c = pdev->config;
    uint16_t dev_status = mdev_vfio_config_read(h, PCI_STATUS, 2);
    unsigned i;

    pci_set_word(c + PCI_VENDOR_ID, mdev_vfio_config_read(h, PCI_VENDOR_ID, 2));
    pci_set_word(c + PCI_DEVICE_ID, mdev_vfio_config_read(h, PCI_DEVICE_ID, 2));
    c[PCI_REVISION_ID] = mdev_vfio_config_read(h, PCI_REVISION_ID, 1);
    c[PCI_CLASS_PROG] = mdev_vfio_config_read(h, PCI_CLASS_PROG, 1);
    pci_set_word(c + PCI_CLASS_DEVICE,
                 mdev_vfio_config_read(h, PCI_CLASS_DEVICE, 2));
    pci_set_word(c + PCI_SUBSYSTEM_VENDOR_ID,
                 mdev_vfio_config_read(h, PCI_SUBSYSTEM_VENDOR_ID, 2));
    pci_set_word(c + PCI_SUBSYSTEM_ID,
                 mdev_vfio_config_read(h, PCI_SUBSYSTEM_ID, 2));
    c[PCI_INTERRUPT_PIN] = mdev_vfio_has_intx(h) ?
        mdev_vfio_config_read(h, PCI_INTERRUPT_PIN, 1) : 0;
    pci_set_word(c + PCI_STATUS, pci_get_word(c + PCI_STATUS) |
                 (dev_status & (PCI_STATUS_CAP_LIST | PCI_STATUS_DEVSEL_MASK |
                                PCI_STATUS_66MHZ | PCI_STATUS_FAST_BACK)));
    c[PCI_CAPABILITY_LIST] = (dev_status & PCI_STATUS_CAP_LIST) ?
        mdev_vfio_config_read(h, PCI_CAPABILITY_LIST, 1) & ~3 : 0;

    for (i = PCI_CONFIG_HEADER_SIZE; i < PCI_CONFIG_SPACE_SIZE; i += 4) {
        pci_set_long(c + i, mdev_vfio_config_read(h, i, 4));
    }
    memset(v->emulated, 0, sizeof(v->emulated));
    mdev_vfio_mark_emulated(v, 0, PCI_CONFIG_HEADER_SIZE);
}

/*
 * A card pulled out of its slot (the surprise-removal fault): nothing
 * answers at its addresses, so reads complete with all ones, as a PCI
 * master abort does, and writes go nowhere.
 */
static uint64_t mdev_vfio_removed_read(void *opaque, hwaddr addr,
                                       unsigned size)
{
    return MAKE_64BIT_MASK(0, size * 8);
}

static void mdev_vfio_removed_write(void *opaque, hwaddr addr, uint64_t val,
                                    unsigned size)
{
}

static const MemoryRegionOps mdev_vfio_removed_ops = {
    .read = mdev_vfio_removed_read,
    .write = mdev_vfio_removed_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 1,
        .max_access_size = 8,
        .unaligned = true,
    },
    .impl = {
        .min_access_size = 1,
        .max_access_size = 8,
        .unaligned = true,
    },
};

/* Above the MSI-X windows (priority 1) and the BAR's own contents. */
#define MDEV_VFIO_REMOVED_PRIORITY 100

static bool mdev_vfio_register_bars(MdevPCIState *s, Error **errp)
{
    MdevVfioPCI *v = mdev_vfio_pci_of(s);
    PCIDevice *pdev = PCI_DEVICE(s);
    unsigned i;

    for (i = 0; i < MDEV_VFIO_NUM_BARS; i++) {
        MdevPCIBar *bar = &v->bars[i];
        MdevVfioBar info;
        uint8_t type;
        void *ram;
        g_autofree char *name = NULL;

        mdev_vfio_bar(s->handle, i, &info);
        if (!info.size) {
            continue;
        }
        bar->owner = s;
        bar->index = i;
        name = g_strdup_printf("%s BAR%u", object_get_typename(OBJECT(s)), i);
        ram = info.mmap ? mdev_vfio_bar_memory(s->handle, i) : NULL;
        if (ram) {
            /*
             * Guest accesses to RAM-backed BARs do not trap. The memory is
             * the device's state (a framebuffer, say): it migrates as RAM.
             */
            memory_region_init_ram_ptr(&bar->mr, OBJECT(s), name, info.size,
                                       ram);
            vmstate_register_ram(&bar->mr, DEVICE(s));
        } else if (mdev_vfio_bar_accessor(s->handle, i, &bar->accessor)) {
            g_autofree char *traced_name =
                g_strdup_printf("%s %s", name, mdev_pci_name(s));

            trace_mdev_vfio_bar_direct(s->uuid, i, traced_name);
            mdev_vfio_init_direct_ops(bar);
            memory_region_init_io(&bar->mr, OBJECT(s), &bar->direct_ops,
                                  bar->accessor.opaque, traced_name,
                                  info.size);
        } else {
            /* The frontend refused such a device already: a parent's bug. */
            error_setg(errp, "%s: BAR%u has neither memory nor registers",
                       name, i);
            return false;
        }
        if (info.io) {
            type = PCI_BASE_ADDRESS_SPACE_IO;
        } else {
            type = PCI_BASE_ADDRESS_SPACE_MEMORY |
                   (info.mem64 ? PCI_BASE_ADDRESS_MEM_TYPE_64 : 0) |
                   (info.prefetch ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0);
        }
        pci_register_bar(pdev, i, type, &bar->mr);
        g_free(name);
        name = g_strdup_printf("%s BAR%u removed %s",
                               object_get_typename(OBJECT(s)), i,
                               mdev_pci_name(s));
        memory_region_init_io(&bar->removed_mr, OBJECT(s),
                              &mdev_vfio_removed_ops, bar, name, info.size);
    }
    return true;
}

/*
 * The surprise-removal fault (the frontend's, vfio_faults.cpp). The
 * frontend keeps what passes through it (the device's config bytes, its
 * interrupts and DMA); this side covers what QEMU serves itself: the
 * emulated config header (mdev_vfio_pci_config_read/_write) and the BARs,
 * whose trapped registers QEMU calls directly and whose RAM the guest maps,
 * so an all-ones region is laid over each. Putting the card back resets
 * the whole function as hotplug does (pci_device_reset: QEMU's header and,
 * through mdev_vfio_pci_reset, the device): the BARs are unassigned and
 * the guest re-enumerates it (a PCI rescan).
 */
static bool mdev_vfio_pci_set_present(MdevPCIState *s, bool present)
{
    MdevVfioPCI *v = mdev_vfio_pci_of(s);
    unsigned i;

    if (present == !v->removed) {
        return present;
    }
    trace_mdev_vfio_present(s->uuid, present);
    memory_region_transaction_begin();
    for (i = 0; i < MDEV_VFIO_NUM_BARS; i++) {
        MdevPCIBar *bar = &v->bars[i];

        if (!bar->owner) {
            continue;
        }
        if (present) {
            memory_region_del_subregion(&bar->mr, &bar->removed_mr);
        } else {
            memory_region_add_subregion_overlap(&bar->mr, 0, &bar->removed_mr,
                                                MDEV_VFIO_REMOVED_PRIORITY);
        }
    }
    v->removed = !present;
    memory_region_transaction_commit();
    if (present) {
        pci_device_reset(PCI_DEVICE(s));
    }
    return present;
}

static unsigned mdev_vfio_msi_cap_size(const MdevVfioMsi *msi)
{
    return 10 + (msi->addr64 ? 4 : 0) + (msi->per_vector_mask ? 10 : 0);
}

/*
 * QEMU emulates the MSI capability (msi_init() links it at the head of the
 * list): take the device's copy out of the list first, so that the guest
 * still finds every other capability exactly once.
 */
static bool mdev_vfio_init_msi(MdevPCIState *s, Error **errp)
{
    MdevVfioPCI *v = mdev_vfio_pci_of(s);
    PCIDevice *pdev = PCI_DEVICE(s);
    uint8_t *c = pdev->config;
    uint8_t off = v->msi.offset;
    unsigned link = PCI_CAPABILITY_LIST;
    unsigned n;

    for (n = 0; n < PCI_CONFIG_SPACE_SIZE / 4 && c[link]; n++) {
        if (c[link] == off) {
            c[link] = c[off + PCI_CAP_LIST_NEXT];
            mdev_vfio_mark_emulated(v, link, 1);
            break;
        }
        link = c[link] + PCI_CAP_LIST_NEXT;
        if (link >= PCI_CONFIG_SPACE_SIZE) {
            break;
        }
    }
    memset(c + off, 0, mdev_vfio_msi_cap_size(&v->msi));
    if (msi_init(pdev, off, v->msi.vectors, v->msi.addr64,
                 v->msi.per_vector_mask, errp) < 0) {
        return false;
    }
    mdev_vfio_mark_emulated(v, off, mdev_vfio_msi_cap_size(&v->msi));
    mdev_vfio_mark_emulated(v, PCI_CAPABILITY_LIST, 1);
    return true;
}

/*
 * MSI-X table and PBA: the frontend emulates them (vfio/msix.cpp); these
 * regions take their ranges of the device's BARs (through the windows
 * below), so the device's handlers never see those bytes. Every size and
 * alignment reaches the frontend, which takes DWORD and QWORD accesses
 * (PCI 3.0 6.8.2) and logs anything else as a guest error.
 */
static uint64_t mdev_vfio_msix_mr_read(MdevPCIState *s, MdevVfioMsixArea area,
                                       hwaddr addr, unsigned size)
{
    uint64_t val = mdev_vfio_msix_read(s->handle, area, addr, size);

    trace_mdev_vfio_msix_read(s->uuid, area == MDEV_VFIO_MSIX_PBA, addr, size,
                              val);
    return val;
}

static void mdev_vfio_msix_mr_write(MdevPCIState *s, MdevVfioMsixArea area,
                                    hwaddr addr, uint64_t val, unsigned size)
{
    trace_mdev_vfio_msix_write(s->uuid, area == MDEV_VFIO_MSIX_PBA, addr, size,
                               val);
    mdev_vfio_msix_write(s->handle, area, addr, val, size);
}

static uint64_t mdev_vfio_msix_table_read(void *opaque, hwaddr addr,
                                          unsigned size)
{
    return mdev_vfio_msix_mr_read(opaque, MDEV_VFIO_MSIX_TABLE, addr, size);
}

static void mdev_vfio_msix_table_write(void *opaque, hwaddr addr,
                                       uint64_t val, unsigned size)
{
    mdev_vfio_msix_mr_write(opaque, MDEV_VFIO_MSIX_TABLE, addr, val, size);
}

static uint64_t mdev_vfio_msix_pba_read(void *opaque, hwaddr addr,
                                        unsigned size)
{
    return mdev_vfio_msix_mr_read(opaque, MDEV_VFIO_MSIX_PBA, addr, size);
}

static void mdev_vfio_msix_pba_write(void *opaque, hwaddr addr, uint64_t val,
                                     unsigned size)
{
    mdev_vfio_msix_mr_write(opaque, MDEV_VFIO_MSIX_PBA, addr, val, size);
}

#define MDEV_VFIO_MSIX_OPS(_read, _write) {     \
    .read = (_read),                            \
    .write = (_write),                          \
    .endianness = DEVICE_LITTLE_ENDIAN,         \
    .valid = {                                  \
        .min_access_size = 1,                   \
        .max_access_size = 8,                   \
        .unaligned = true,                      \
    },                                          \
    .impl = {                                   \
        .min_access_size = 1,                   \
        .max_access_size = 8,                   \
        .unaligned = true,                      \
    },                                          \
}

static const MemoryRegionOps mdev_vfio_msix_table_ops =
    MDEV_VFIO_MSIX_OPS(mdev_vfio_msix_table_read, mdev_vfio_msix_table_write);
static const MemoryRegionOps mdev_vfio_msix_pba_ops =
    MDEV_VFIO_MSIX_OPS(mdev_vfio_msix_pba_read, mdev_vfio_msix_pba_write);

static int mdev_vfio_msix_post_load(void *opaque, int version_id)
{
    MdevVfioPCI *v = opaque;
    MdevPCIState *s = v->common.dev;
    char why[256];

    if (!mdev_vfio_msix_check(s->handle, why, sizeof(why))) {
        error_report("%s '%s': migration stream: MSI-X state refused: %s",
                     object_get_typename(OBJECT(s)), mdev_pci_name(s), why);
        return -EINVAL;
    }
    return 0;
}

/*
 * The table's size fixes the layout of everything after it: a stream of
 * another size is refused here, with both sizes, before any of it is read
 * (VMSTATE_UINT32_EQUAL would say only "8 != 10", in hex).
 */
static int mdev_vfio_msix_vectors_get(QEMUFile *f, void *pv, size_t size,
                                      const VMStateField *field)
{
    uint32_t *mine = pv;
    uint32_t theirs = qemu_get_be32(f);

    if (theirs != *mine) {
        error_report("mdev vfio function: migration stream has an MSI-X "
                     "table of %" PRIu32 " vectors; this function's has %"
                     PRIu32 ": refused", theirs, *mine);
        return -EINVAL;
    }
    return 0;
}

static int mdev_vfio_msix_vectors_put(QEMUFile *f, void *pv, size_t size,
                                      const VMStateField *field,
                                      JSONWriter *vmdesc)
{
    qemu_put_be32(f, *(uint32_t *)pv);
    return 0;
}

static const VMStateInfo vmstate_info_mdev_msix_vectors = {
    .name = "mdev-msix-vectors",
    .get = mdev_vfio_msix_vectors_get,
    .put = mdev_vfio_msix_vectors_put,
};

static const VMStateDescription vmstate_mdev_vfio_msix_state = {
    .name = "mdev-vfio-msix-state",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_SINGLE(vectors, MdevVfioMsixState, 0,
                       vmstate_info_mdev_msix_vectors, uint32_t),
        VMSTATE_UINT16(control, MdevVfioMsixState),
        VMSTATE_VBUFFER_UINT32(table, MdevVfioMsixState, 1, NULL, table_size),
        VMSTATE_VBUFFER_UINT32(pba, MdevVfioMsixState, 1, NULL, pba_size),
        VMSTATE_END_OF_LIST()
    },
};

/*
 * A section of its own, registered only by functions with MSI-X: the
 * streams of every other vfio mdev stay as they were. The interrupt mode
 * it means is applied once the whole function is loaded (mdev_vfio_pci_
 * post_load), since QEMU's MSI state comes with the PCI config, later. Its
 * opaque is the frontend's state (MdevVfioPCI).
 */
static const VMStateDescription vmstate_mdev_vfio_msix = {
    .name = "mdev-vfio-msix",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = mdev_vfio_msix_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT_POINTER(msix_state, MdevVfioPCI,
                               vmstate_mdev_vfio_msix_state,
                               MdevVfioMsixState),
        VMSTATE_END_OF_LIST()
    },
};

/*
 * Where the table and the PBA go in the BARs. Laying their regions over a
 * BAR at their own offsets, as msix_init() does, breaks under TCG when an
 * offset is not page-aligned and the area covers a whole page (a table of
 * 2048 vectors at 0x80): the memory core registers that page as a section
 * of the area's region starting at a region offset with low bits set,
 * which the CPU TLB adds to the section number it keeps in the same low
 * bits, and iotlb_to_section() then finds another section or none (an
 * assertion). So a window is laid instead, from the page below the area
 * to the page above it (within the BAR): every section of it starts on a
 * page. Its handlers pass each access to the table's, the PBA's or the
 * BAR's own region (memory_region_dispatch_*), so that each keeps its
 * sizes, its splitting and QEMU's re-entrancy guard; the device's handlers
 * still see every byte of the page that is not the table's or the PBA's.
 */
static bool mdev_vfio_msix_overlaps(uint64_t off, unsigned size,
                                    uint64_t start, uint64_t len)
{
    return off < start + len && start < off + size;
}

/*
 * The region an access at @off of the window's BAR goes to, and its offset
 * there; NULL when it straddles the start of the table or the PBA (a guest
 * mistake, logged).
 */
static MemoryRegion *mdev_vfio_msix_route(MdevVfioMsixWindow *w, hwaddr addr,
                                          unsigned size, hwaddr *to)
{
    uint64_t off = w->base + addr;
    unsigned i;

    for (i = 0; i < w->nroutes; i++) {
        const MdevVfioMsixRoute *r = &w->routes[i];

        if (!mdev_vfio_msix_overlaps(off, size, r->start, r->len)) {
            continue;
        }
        if (off < r->start) {
            MdevPCIState *s = w->owner->common.dev;

            qemu_log_mask(LOG_GUEST_ERROR, "%s '%s': BAR%u: %u-byte access at "
                          "offset 0x%" PRIx64 " straddles the start of the "
                          "MSI-X %s\n", object_get_typename(OBJECT(s)),
                          mdev_pci_name(s), w->bar, size, off, r->name);
            return NULL;
        }
        *to = off - r->start;
        return r->mr;
    }
    *to = off;
    return &w->owner->bars[w->bar].mr;
}

static MemTxResult mdev_vfio_msix_window_read(void *opaque, hwaddr addr,
                                              uint64_t *data, unsigned size,
                                              MemTxAttrs attrs)
{
    hwaddr to;
    MemoryRegion *mr = mdev_vfio_msix_route(opaque, addr, size, &to);

    if (!mr) {
        *data = MAKE_64BIT_MASK(0, size * 8);
        return MEMTX_OK;
    }
    return memory_region_dispatch_read(mr, to, data, size_memop(size) | MO_LE,
                                       attrs);
}

static MemTxResult mdev_vfio_msix_window_write(void *opaque, hwaddr addr,
                                               uint64_t data, unsigned size,
                                               MemTxAttrs attrs)
{
    hwaddr to;
    MemoryRegion *mr = mdev_vfio_msix_route(opaque, addr, size, &to);

    if (!mr) {
        return MEMTX_OK;
    }
    return memory_region_dispatch_write(mr, to, data, size_memop(size) | MO_LE,
                                        attrs);
}

/*
 * Every access reaches the router whole; the region it goes to checks and
 * splits it as it would have without the window.
 */
static const MemoryRegionOps mdev_vfio_msix_window_ops = {
    .read_with_attrs = mdev_vfio_msix_window_read,
    .write_with_attrs = mdev_vfio_msix_window_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 1,
        .max_access_size = 8,
        .unaligned = true,
    },
    .impl = {
        .min_access_size = 1,
        .max_access_size = 8,
        .unaligned = true,
    },
};

/* The pages of BAR @bar over [@start, @start + @len), merged with a window
 * of the same BAR that they overlap. */
static void mdev_vfio_msix_plan_window(MdevVfioPCI *v, unsigned bar,
                                       uint64_t start, uint64_t len)
{
    uint64_t page = qemu_target_page_size();
    uint64_t lo = QEMU_ALIGN_DOWN(start, page);
    uint64_t hi = MIN(QEMU_ALIGN_UP(start + len, page),
                      memory_region_size(&v->bars[bar].mr));
    MdevVfioMsixWindow *w;
    unsigned i;

    for (i = 0; i < v->msix_nwindows; i++) {
        w = &v->msix_windows[i];
        if (w->bar == bar && lo < w->base + w->size && w->base < hi) {
            hi = MAX(hi, w->base + w->size);
            w->base = MIN(lo, w->base);
            w->size = hi - w->base;
            return;
        }
    }
    w = &v->msix_windows[v->msix_nwindows++];
    w->owner = v;
    w->bar = bar;
    w->base = lo;
    w->size = hi - lo;
    w->nroutes = 0;
}

/* The areas of @w's BAR its accesses may go to: the table, then the PBA. */
static void mdev_vfio_msix_route_window(MdevVfioPCI *v, MdevVfioMsixWindow *w)
{
    const MdevVfioMsix *m = &v->msix;
    const MdevVfioMsixRoute areas[] = {
        { m->table_offset, m->table_size, &v->msix_table_mr, "table" },
        { m->pba_offset, m->pba_size, &v->msix_pba_mr, "PBA" },
    };
    const unsigned bars[] = { m->table_bar, m->pba_bar };
    unsigned i;

    w->nroutes = 0;
    for (i = 0; i < ARRAY_SIZE(areas); i++) {
        if (bars[i] == w->bar) {
            w->routes[w->nroutes++] = areas[i];
        }
    }
}

static void mdev_vfio_init_msix(MdevPCIState *s)
{
    MdevVfioPCI *v = mdev_vfio_pci_of(s);
    const char *type = object_get_typename(OBJECT(s));
    g_autofree char *table = g_strdup_printf("%s msix-table", type);
    g_autofree char *pba = g_strdup_printf("%s msix-pba", type);
    unsigned i;

    memory_region_init_io(&v->msix_table_mr, OBJECT(s),
                          &mdev_vfio_msix_table_ops, s, table,
                          v->msix.table_size);
    memory_region_init_io(&v->msix_pba_mr, OBJECT(s), &mdev_vfio_msix_pba_ops,
                          s, pba, v->msix.pba_size);
    v->msix_nwindows = 0;
    mdev_vfio_msix_plan_window(v, v->msix.table_bar, v->msix.table_offset,
                               v->msix.table_size);
    mdev_vfio_msix_plan_window(v, v->msix.pba_bar, v->msix.pba_offset,
                               v->msix.pba_size);
    for (i = 0; i < v->msix_nwindows; i++) {
        MdevVfioMsixWindow *w = &v->msix_windows[i];
        g_autofree char *name = g_strdup_printf("%s msix-window BAR%u+0x%"
                                                PRIx64, type, w->bar, w->base);

        mdev_vfio_msix_route_window(v, w);
        trace_mdev_vfio_msix_window(s->uuid, w->bar, w->base, w->size);
        memory_region_init_io(&w->mr, OBJECT(s), &mdev_vfio_msix_window_ops,
                              w, name, w->size);
        /*
         * A router, not a target: the region it passes an access to takes
         * the device's guard, which this one would already hold.
         */
        w->mr.disable_reentrancy_guard = true;
        memory_region_add_subregion_overlap(&v->bars[w->bar].mr, w->base,
                                            &w->mr, 1);
    }
    v->msix_state = mdev_vfio_msix_state(s->handle);
    vmstate_register_any(VMSTATE_IF(s), &vmstate_mdev_vfio_msix, v);
}

static void mdev_vfio_exit_msix(MdevPCIState *s)
{
    MdevVfioPCI *v = mdev_vfio_pci_of(s);
    unsigned i;

    vmstate_unregister(VMSTATE_IF(s), &vmstate_mdev_vfio_msix, v);
    for (i = 0; i < v->msix_nwindows; i++) {
        MdevVfioMsixWindow *w = &v->msix_windows[i];

        memory_region_del_subregion(&v->bars[w->bar].mr, &w->mr);
        object_unparent(OBJECT(&w->mr));
    }
    v->msix_nwindows = 0;
    object_unparent(OBJECT(&v->msix_table_mr));
    object_unparent(OBJECT(&v->msix_pba_mr));
    v->msix_state = NULL;
}

static bool mdev_vfio_pci_realize(MdevPCIState *s, Error **errp)
{
    MdevVfioPCI *v = mdev_vfio_pci_of(s);
    MemoryRegion *bar_mr[MDEV_VFIO_NUM_BARS];
    unsigned i;

    mdev_vfio_load_config(s);
    if (!mdev_vfio_register_bars(s, errp)) {
        return false;
    }
    mdev_vfio_msi(s->handle, &v->msi);
    if (v->msi.offset && !mdev_vfio_init_msi(s, errp)) {
        return false;
    }
    mdev_vfio_msix(s->handle, &v->msix);
    if (v->msix.offset) {
        mdev_vfio_init_msix(s);
    }
    mdev_vfio_connect_irqs(s->handle);
    for (i = 0; i < MDEV_VFIO_NUM_BARS; i++) {
        bar_mr[i] = &v->bars[i].mr;
    }
    v->display = mdev_vfio_display_init(s, bar_mr);
    return true;
}

static void mdev_vfio_pci_exit(MdevPCIState *s)
{
    MdevVfioPCI *v = mdev_vfio_pci_of(s);
    unsigned i;

    mdev_vfio_display_fini(v->display);
    v->display = NULL;
    for (i = 0; i < MDEV_VFIO_NUM_BARS; i++) {
        MdevPCIBar *bar = &v->bars[i];

        if (!bar->owner) {
            continue;
        }
        if (v->removed) {
            memory_region_del_subregion(&bar->mr, &bar->removed_mr);
        }
        object_unparent(OBJECT(&bar->removed_mr));
        if (memory_region_is_ram(&bar->mr)) {
            vmstate_unregister_ram(&bar->mr, DEVICE(s));
        }
    }
    v->removed = false;
    if (v->msix.offset) {
        mdev_vfio_exit_msix(s);
    }
    if (v->msi.offset) {
        msi_uninit(PCI_DEVICE(s));
    }
}

/* After the whole function was loaded: route its interrupts as loaded. */
static void mdev_vfio_pci_post_load(MdevPCIState *s)
{
    MdevVfioPCI *v = mdev_vfio_pci_of(s);
    PCIDevice *pdev = PCI_DEVICE(s);
    bool msi = v->msi.offset && msi_enabled(pdev);

    mdev_vfio_irqs_loaded(s->handle, msi,
                          msi ? msi_nr_vectors_allocated(pdev) : 0);
}

static uint32_t mdev_vfio_pci_config_read(MdevPCIState *s, uint32_t addr,
                                          int len)
{
    MdevVfioPCI *v = mdev_vfio_pci_of(s);
    uint32_t emu = pci_default_read_config(PCI_DEVICE(s), addr, len);
    uint32_t dev = 0, val = 0;
    bool from_device = false;
    int i;

    if (v->removed) {
        return MAKE_64BIT_MASK(0, len * 8); /* nobody answers */
    }
    for (i = 0; i < len; i++) {
        from_device |= !v->emulated[addr + i];
    }
    if (!from_device) {
        return emu;
    }
    dev = mdev_vfio_config_read(s->handle, addr, len);
    for (i = 0; i < len; i++) {
        uint32_t byte_mask = 0xffu << (8 * i);

        val |= (v->emulated[addr + i] ? emu : dev) & byte_mask;
    }
    trace_mdev_vfio_config_read(s->uuid, addr, len, val);
    return val;
}

static void mdev_vfio_pci_config_write(MdevPCIState *s, uint32_t addr,
                                       uint32_t val, int len)
{
    MdevVfioPCI *v = mdev_vfio_pci_of(s);
    PCIDevice *pdev = PCI_DEVICE(s);
    bool msi_was = v->msi.offset && msi_enabled(pdev);
    unsigned vectors_was = msi_was ? msi_nr_vectors_allocated(pdev) : 0;

    trace_mdev_vfio_config_write(s->uuid, addr, len, val);
    if (v->removed) {
        return; /* goes nowhere */
    }
    pci_default_write_config(pdev, addr, val, len);
    if (v->msi.offset) {
        bool msi_now;
        unsigned vectors_now;

        msi_write_config(pdev, addr, val, len);
        msi_now = msi_enabled(pdev);
        vectors_now = msi_now ? msi_nr_vectors_allocated(pdev) : 0;
        /*
         * The frontend needs the count too: QEMU's msi_notify() asserts
         * that a vector is below the count the guest enabled.
         */
        if (msi_now != msi_was || vectors_now != vectors_was) {
            trace_mdev_vfio_msi_enable(s->uuid, msi_now, vectors_now);
            mdev_vfio_set_msi(s->handle, msi_now, vectors_now);
        }
    }
    /* The device sees every write, as a VFIO device's config region does. */
    mdev_vfio_config_write(s->handle, addr, val, len);
}

static void mdev_vfio_pci_reset(MdevPCIState *s)
{
    MdevVfioPCI *v = mdev_vfio_pci_of(s);

    if (v->msi.offset) {
        msi_reset(PCI_DEVICE(s));
    }
    mdev_vfio_reset(s->handle);
    /* The device may have rewritten its BAR memory, past the dirty log. */
    mdev_vfio_display_reset(v->display);
}

static const MdevPCIFrontend mdev_vfio_pci_frontend = {
    .state_size = sizeof(MdevVfioPCI),
    .realize = mdev_vfio_pci_realize,
    .exit = mdev_vfio_pci_exit,
    .reset = mdev_vfio_pci_reset,
    .config_read = mdev_vfio_pci_config_read,
    .config_write = mdev_vfio_pci_config_write,
    .post_load = mdev_vfio_pci_post_load,
    .set_present = mdev_vfio_pci_set_present,
};

static void mdev_vfio_pci_register_frontend(void)
{
    mdev_pci_register_frontend(MDEV_CLASS_VFIO, &mdev_vfio_pci_frontend);
}

type_init(mdev_vfio_pci_register_frontend)
