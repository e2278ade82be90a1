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
#include "mdev-vfio-pci.h"
#include "mdev-vfio-display.h"
#include "trace.h"

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

static void mdev_vfio_mark_emulated(MdevPCIState *s, unsigned start,
                                    unsigned len)
{
    memset(s->emulated + start, 1, MIN(len, PCI_CONFIG_SPACE_SIZE - start));
}

/* Identity and everything past the header, from the device. */
static void mdev_vfio_load_config(MdevPCIState *s)
{
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
    memset(s->emulated, 0, sizeof(s->emulated));
    mdev_vfio_mark_emulated(s, 0, PCI_CONFIG_HEADER_SIZE);
}

static bool mdev_vfio_register_bars(MdevPCIState *s, Error **errp)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    unsigned i;

    for (i = 0; i < MDEV_VFIO_NUM_BARS; i++) {
        MdevPCIBar *bar = &s->bars[i];
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
    }
    return true;
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
    PCIDevice *pdev = PCI_DEVICE(s);
    uint8_t *c = pdev->config;
    uint8_t off = s->msi.offset;
    unsigned link = PCI_CAPABILITY_LIST;
    unsigned n;

    for (n = 0; n < PCI_CONFIG_SPACE_SIZE / 4 && c[link]; n++) {
        if (c[link] == off) {
            c[link] = c[off + PCI_CAP_LIST_NEXT];
            mdev_vfio_mark_emulated(s, link, 1);
            break;
        }
        link = c[link] + PCI_CAP_LIST_NEXT;
        if (link >= PCI_CONFIG_SPACE_SIZE) {
            break;
        }
    }
    memset(c + off, 0, mdev_vfio_msi_cap_size(&s->msi));
    if (msi_init(pdev, off, s->msi.vectors, s->msi.addr64,
                 s->msi.per_vector_mask, errp) < 0) {
        return false;
    }
    mdev_vfio_mark_emulated(s, off, mdev_vfio_msi_cap_size(&s->msi));
    mdev_vfio_mark_emulated(s, PCI_CAPABILITY_LIST, 1);
    return true;
}

/*
 * MSI-X table and PBA: the frontend emulates them (vfio/msix.cpp); these
 * regions lie over their ranges of the device's BARs, as QEMU's msix_init()
 * lays its own over a vfio-pci device's BAR, so the device's handlers never
 * see those bytes. Every size and alignment reaches the frontend, which
 * takes DWORD and QWORD accesses (PCI 3.0 6.8.2) and logs anything else as
 * a guest error.
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
    MdevPCIState *s = opaque;
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
 * post_load), since QEMU's MSI state comes with the PCI config, later.
 */
static const VMStateDescription vmstate_mdev_vfio_msix = {
    .name = "mdev-vfio-msix",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = mdev_vfio_msix_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT_POINTER(msix_state, MdevPCIState,
                               vmstate_mdev_vfio_msix_state,
                               MdevVfioMsixState),
        VMSTATE_END_OF_LIST()
    },
};

static void mdev_vfio_init_msix(MdevPCIState *s)
{
    g_autofree char *table = g_strdup_printf("%s msix-table",
                                             object_get_typename(OBJECT(s)));
    g_autofree char *pba = g_strdup_printf("%s msix-pba",
                                           object_get_typename(OBJECT(s)));

    memory_region_init_io(&s->msix_table_mr, OBJECT(s),
                          &mdev_vfio_msix_table_ops, s, table,
                          s->msix.table_size);
    memory_region_add_subregion_overlap(&s->bars[s->msix.table_bar].mr,
                                        s->msix.table_offset,
                                        &s->msix_table_mr, 1);
    memory_region_init_io(&s->msix_pba_mr, OBJECT(s), &mdev_vfio_msix_pba_ops,
                          s, pba, s->msix.pba_size);
    memory_region_add_subregion_overlap(&s->bars[s->msix.pba_bar].mr,
                                        s->msix.pba_offset, &s->msix_pba_mr, 1);
    s->msix_state = mdev_vfio_msix_state(s->handle);
    vmstate_register_any(VMSTATE_IF(s), &vmstate_mdev_vfio_msix, s);
}

static void mdev_vfio_exit_msix(MdevPCIState *s)
{
    vmstate_unregister(VMSTATE_IF(s), &vmstate_mdev_vfio_msix, s);
    memory_region_del_subregion(&s->bars[s->msix.table_bar].mr,
                                &s->msix_table_mr);
    memory_region_del_subregion(&s->bars[s->msix.pba_bar].mr,
                                &s->msix_pba_mr);
    object_unparent(OBJECT(&s->msix_table_mr));
    object_unparent(OBJECT(&s->msix_pba_mr));
    s->msix_state = NULL;
}

bool mdev_vfio_pci_realize(MdevPCIState *s, Error **errp)
{
    mdev_vfio_load_config(s);
    if (!mdev_vfio_register_bars(s, errp)) {
        return false;
    }
    mdev_vfio_msi(s->handle, &s->msi);
    if (s->msi.offset && !mdev_vfio_init_msi(s, errp)) {
        return false;
    }
    mdev_vfio_msix(s->handle, &s->msix);
    if (s->msix.offset) {
        mdev_vfio_init_msix(s);
    }
    mdev_vfio_connect_irqs(s->handle);
    s->display = mdev_vfio_display_init(s);
    return true;
}

void mdev_vfio_pci_exit(MdevPCIState *s)
{
    unsigned i;

    mdev_vfio_display_fini(s->display);
    s->display = NULL;
    for (i = 0; i < MDEV_VFIO_NUM_BARS; i++) {
        if (memory_region_is_ram(&s->bars[i].mr)) {
            vmstate_unregister_ram(&s->bars[i].mr, DEVICE(s));
        }
    }
    if (s->msix.offset) {
        mdev_vfio_exit_msix(s);
    }
    if (s->msi.offset) {
        msi_uninit(PCI_DEVICE(s));
    }
}

void mdev_vfio_pci_post_load(MdevPCIState *s)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    bool msi = s->msi.offset && msi_enabled(pdev);

    mdev_vfio_irqs_loaded(s->handle, msi,
                          msi ? msi_nr_vectors_allocated(pdev) : 0);
}

uint32_t mdev_vfio_pci_config_read(MdevPCIState *s, uint32_t addr, int len)
{
    uint32_t emu = pci_default_read_config(PCI_DEVICE(s), addr, len);
    uint32_t dev = 0, val = 0;
    bool from_device = false;
    int i;

    for (i = 0; i < len; i++) {
        from_device |= !s->emulated[addr + i];
    }
    if (!from_device) {
        return emu;
    }
    dev = mdev_vfio_config_read(s->handle, addr, len);
    for (i = 0; i < len; i++) {
        uint32_t byte_mask = 0xffu << (8 * i);

        val |= (s->emulated[addr + i] ? emu : dev) & byte_mask;
    }
    trace_mdev_vfio_config_read(s->uuid, addr, len, val);
    return val;
}

void mdev_vfio_pci_config_write(MdevPCIState *s, uint32_t addr, uint32_t val,
                                int len)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    bool msi_was = s->msi.offset && msi_enabled(pdev);
    unsigned vectors_was = msi_was ? msi_nr_vectors_allocated(pdev) : 0;

    trace_mdev_vfio_config_write(s->uuid, addr, len, val);
    pci_default_write_config(pdev, addr, val, len);
    if (s->msi.offset) {
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

void mdev_vfio_pci_reset(MdevPCIState *s)
{
    if (s->msi.offset) {
        msi_reset(PCI_DEVICE(s));
    }
    mdev_vfio_reset(s->handle);
    /* The device may have rewritten its BAR memory, past the dirty log. */
    mdev_vfio_display_reset(s->display);
}
