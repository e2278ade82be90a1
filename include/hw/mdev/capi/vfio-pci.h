/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: the vfio frontend's C interface, used by the QOM glue that
 * shows an mdev of class vfio as a PCI function.
 */
#ifndef HW_MDEV_VFIO_PCI_H
#define HW_MDEV_VFIO_PCI_H

#include "hw/mdev/capi/mdev.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MDEV_VFIO_NUM_BARS 6

typedef struct MdevVfioBar {
    uint64_t size;      /* 0: no BAR in this slot */
    bool io;
    bool mem64;
    bool prefetch;
    bool mmap;          /* RAM-backed; see mdev_vfio_bar_memory() */
} MdevVfioBar;

typedef struct MdevVfioMsi {
    uint8_t offset;     /* capability offset, 0: no MSI */
    uint32_t vectors;
    bool addr64;
    bool per_vector_mask;
} MdevVfioMsi;

/*
 * MSI-X, emulated by the frontend: where the table and the PBA are, so the
 * glue can take those ranges of the BARs (through page-aligned windows over
 * them, mdev-vfio-pci.c) and route their accesses to mdev_vfio_msix_read/
 * write.
 */
typedef struct MdevVfioMsix {
    uint8_t offset;         /* capability offset, 0: no MSI-X */
    uint32_t vectors;       /* 1..2048 */
    unsigned table_bar;
    uint64_t table_offset;
    uint64_t table_size;    /* vectors * PCI_MSIX_ENTRY_SIZE */
    unsigned pba_bar;
    uint64_t pba_offset;
    uint64_t pba_size;      /* 8 bytes per 64 vectors */
} MdevVfioMsix;

/*
 * The MSI-X state that migrates, owned by the frontend (valid while the
 * handle is): Message Control's enable and function-mask bits, and the
 * table and PBA bytes as the guest reads them (little-endian).
 */
typedef struct MdevVfioMsixState {
    uint32_t vectors;
    uint16_t control;       /* PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL */
    uint32_t table_size;
    uint32_t pba_size;
    uint8_t *table;
    uint8_t *pba;
} MdevVfioMsixState;

typedef enum MdevVfioMsixArea {
    MDEV_VFIO_MSIX_TABLE,
    MDEV_VFIO_MSIX_PBA,
} MdevVfioMsixArea;

void mdev_vfio_msix(MdevHandle *h, MdevVfioMsix *out);
/* An access at @offset inside the area; odd ones are guest errors. */
uint64_t mdev_vfio_msix_read(MdevHandle *h, MdevVfioMsixArea area,
                             uint64_t offset, unsigned size);
void mdev_vfio_msix_write(MdevHandle *h, MdevVfioMsixArea area,
                          uint64_t offset, uint64_t value, unsigned size);
/* NULL if the function has no MSI-X. */
MdevVfioMsixState *mdev_vfio_msix_state(MdevHandle *h);
/*
 * After the MSI-X state was loaded: false (and @why filled) if it is not a
 * state the guest could have reached; nothing is applied then.
 */
bool mdev_vfio_msix_check(MdevHandle *h, char *why, size_t size);
/*
 * After the whole function was loaded (PCI config included): the MSI state
 * QEMU's msi.c keeps, and the interrupt mode the loaded state means is
 * routed to the device (set_irqs), as a VFIO user does after a load.
 */
void mdev_vfio_irqs_loaded(MdevHandle *h, bool msi_enabled,
                           uint32_t msi_vectors);

void mdev_vfio_bar(MdevHandle *h, unsigned bar, MdevVfioBar *out);
bool mdev_vfio_has_intx(MdevHandle *h);
void mdev_vfio_msi(MdevHandle *h, MdevVfioMsi *out);

uint32_t mdev_vfio_config_read(MdevHandle *h, uint32_t offset, unsigned size);
void mdev_vfio_config_write(MdevHandle *h, uint32_t offset, uint32_t value,
                            unsigned size);

/*
 * A guest access to a BAR through the frontend, checked and adapted to the
 * device's registers by the same rules QEMU's memory core applies to the
 * MemoryRegionOps below: for callers that are not QEMU's memory core (unit
 * tests, fuzzers). The glue maps BARs with the accessor instead.
 */
uint64_t mdev_vfio_bar_read(MdevHandle *h, unsigned bar, uint64_t offset,
                            unsigned size);
void mdev_vfio_bar_write(MdevHandle *h, unsigned bar, uint64_t offset,
                         uint64_t value, unsigned size);
/*
 * A trapped BAR's registers (the C face of mdev::vfio::BarAccessor, which
 * every BAR that is not RAM-backed has): the glue hands them to QEMU's
 * memory core as the BAR's MemoryRegionOps, with valid sizes
 * 1..valid_max_size, impl sizes min_size..max_size and unaligned, so QEMU
 * adapts every other access width exactly as for its own devices (and as
 * mdev_vfio_bar_read/write do). The handler signatures are
 * MemoryRegionOps's (hwaddr is uint64_t). @opaque stays valid while the
 * glue holds the mdev (mdev_hold()).
 */
typedef struct MdevVfioBarAccessor {
    uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
    void (*write)(void *opaque, uint64_t offset, uint64_t value, unsigned size);
    void *opaque;
    unsigned min_size;
    unsigned max_size;
    unsigned valid_max_size;
    bool unaligned;
} MdevVfioBarAccessor;

/* False (and *out zeroed) if BAR @bar does not trap (RAM-backed, or none). */
bool mdev_vfio_bar_accessor(MdevHandle *h, unsigned bar,
                            MdevVfioBarAccessor *out);

/* Host memory of an mmap-able BAR (NULL if it is not one). */
void *mdev_vfio_bar_memory(MdevHandle *h, unsigned bar);

/*
 * Display. A device with a display shows its frame from the host memory of
 * one of its mmap-able BARs; the frontend checks every plane against that
 * BAR before the glue sees it, so an MdevVfioPlane always fits: each of its
 * lines [offset + y * stride, + stride) for y < height lies inside the BAR.
 */
typedef enum MdevVfioPlaneStatus {
    MDEV_VFIO_PLANE_NONE,    /* the device shows nothing (no mode set yet) */
    MDEV_VFIO_PLANE_OK,      /* *out is the plane to show */
    MDEV_VFIO_PLANE_INVALID, /* the device's plane does not fit; logged */
} MdevVfioPlaneStatus;

typedef struct MdevVfioPlane {
    uint32_t drm_format;      /* DRM fourcc, e.g. XRGB8888 = 0x34325258 */
    uint32_t bytes_per_pixel;
    uint32_t width;
    uint32_t height;
    uint32_t stride;          /* bytes per line, a multiple of 4 */
    unsigned bar;             /* the mmap-able BAR holding the frame */
    uint64_t offset;          /* of the frame's first byte in that BAR */
} MdevVfioPlane;

bool mdev_vfio_has_display(MdevHandle *h);
MdevVfioPlaneStatus mdev_vfio_query_plane(MdevHandle *h, MdevVfioPlane *out);

/* Route the device's interrupts, once the function's pin is set up. */
void mdev_vfio_connect_irqs(MdevHandle *h);
void mdev_vfio_reset(MdevHandle *h);
void mdev_vfio_set_msi_enabled(MdevHandle *h, bool enabled);
/* MSI as the guest left it in the capability: enabled, vectors enabled. */
void mdev_vfio_set_msi(MdevHandle *h, bool enabled, uint32_t vectors);

#ifdef __cplusplus
}
#endif

#endif /* HW_MDEV_VFIO_PCI_H */
