/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: the C interface between QEMU's QOM glue and the C++ mdev core
 * and frontends. This header is all the glue sees of them; it is C so that
 * it can be included next to QEMU's (C-only) headers.
 */
#ifndef HW_MDEV_MDEV_H
#define HW_MDEV_MDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/mdev/capi/mdev-parent.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One created mdev, bound to its frontend. */
typedef struct MdevHandle MdevHandle;

typedef enum MdevClass {
    MDEV_CLASS_VFIO = 1,
    MDEV_CLASS_VIRTIO = 2,
} MdevClass;

/* Why a create failed; the glue names the offending property from it. */
typedef enum MdevErrorCode {
    MDEV_OK = 0,
    MDEV_ERR_UNKNOWN_PARENT,
    MDEV_ERR_UNKNOWN_TYPE,
    MDEV_ERR_UNKNOWN_CLASS,
    MDEV_ERR_CLASS_UNSUPPORTED,
    MDEV_ERR_MALFORMED_UUID,
    MDEV_ERR_DUPLICATE_UUID,
    MDEV_ERR_BUDGET_EXHAUSTED,
    MDEV_ERR_NO_DRIVER,
    MDEV_ERR_PROBE_FAILED,
    MDEV_ERR_INVALID_PROPERTY, /* the message names the property */
    MDEV_ERR_OTHER,
} MdevErrorCode;

typedef struct MdevError {
    MdevErrorCode code;
    char message[512];
} MdevError;

/* The services of the machine, implemented by the glue. */
typedef struct MdevHostOps {
    void (*guest_error)(void *opaque, const char *message);
    void (*set_intx)(void *opaque, bool asserted);
    void (*notify_msi)(void *opaque, uint32_t vector);
    /*
     * Guest-memory DMA for devices that do it (virtio); false if any byte
     * of the range is not accessible. NULL: the device cannot DMA.
     */
    bool (*dma_read)(void *opaque, uint64_t addr, void *buf, size_t len);
    bool (*dma_write)(void *opaque, uint64_t addr, const void *buf, size_t len);
    /*
     * A message composed by the frontend (an MSI-X table entry): a 32-bit
     * write of @data at @address by the function. NULL: none is sent.
     */
    void (*send_msi)(void *opaque, uint64_t address, uint32_t data);
    /* Bus Master Enable in the function's command register (NULL: off). */
    bool (*bus_master)(void *opaque);
    /*
     * The device's state cannot migrate from now on, for @reason (one
     * line, from its parent): the machine refuses migration and save until
     * unblock_migration or mdev_destroy(). A second call replaces the
     * reason. NULL: the machine never migrates.
     */
    void (*block_migration)(void *opaque, const char *reason);
    void (*unblock_migration)(void *opaque);
    /*
     * The function is pulled out (false: config space and BARs read all
     * ones, writes are ignored) or put back (true: reset it as a card just
     * inserted, which returns true). The vfio frontend's surprise-removal
     * fault. NULL: nothing, and the frontend resets the device itself.
     */
    bool (*set_present)(void *opaque, bool present);
} MdevHostOps;

/*
 * Create an mdev of @parent's @type and @class_name with @uuid and the
 * values of the parent's declared properties (@nprops of @props, text
 * form), and bind it to the frontend for its class. @host_ops/@host_opaque
 * must stay valid until mdev_destroy(). Returns NULL and fills @err on
 * refusal.
 */
MdevHandle *mdev_create(const char *parent, const char *type, const char *uuid,
                        const char *class_name, const MdevPropertyValue *props,
                        size_t nprops, const MdevHostOps *host_ops,
                        void *host_opaque, MdevError *err);

/*
 * Remove the mdev: it gives its budget back to the parent and is detached
 * from the machine at once (no DMA, interrupt or log line from then on).
 * Its C++ state (the handle included) is freed when nothing holds it any
 * more: no call into it on the stack, and no MdevHold.
 */
void mdev_destroy(MdevHandle *h);

/*
 * A hold on an mdev's C++ state, for memory QEMU may still reach after the
 * device is removed: a RAM BAR whose host memory is the device's stays in
 * the old memory map (and in TCG's TLBs) until RCU retires it, so the QOM
 * device holds its mdev from realize to instance_finalize.
 */
typedef struct MdevHold MdevHold;
MdevHold *mdev_hold(MdevHandle *h);
void mdev_release(MdevHold *hold);

MdevClass mdev_class(const MdevHandle *h);
/* Canonical UUID, type-id, parent name and bound driver of the mdev. */
const char *mdev_uuid(const MdevHandle *h);
const char *mdev_type_id(const MdevHandle *h);
const char *mdev_parent_name(const MdevHandle *h);
const char *mdev_driver_name(const MdevHandle *h);

/*
 * Where the live mdev keeps the state @schema (one of its parent's
 * MdevParentInfo.state) describes; NULL if this mdev has none of it.
 */
void *mdev_migration_data(MdevHandle *h, const MdevStateStruct *schema);

/*
 * After the mdev's state was loaded from a migration stream: the device
 * checks it and re-derives what is not stored. False refuses the stream.
 */
bool mdev_post_load(MdevHandle *h);

/*
 * Gives the mdev the UUID @uuid (canonical text) that its migration stream
 * carries: the core finds it by that UUID from then on and its parent
 * re-derives what it took from the UUID. mdev_uuid() returns the new one.
 * False and @err if another mdev has it (MDEV_ERR_DUPLICATE_UUID) or it is
 * malformed.
 */
bool mdev_set_uuid(MdevHandle *h, const char *uuid, MdevError *err);

/*
 * The value in effect of the parent's declared property @name, in its text
 * form, into @buf; false if the device leaves the user's value as it is.
 */
bool mdev_property(const MdevHandle *h, const char *name, char *buf,
                   size_t size);

/* The id of the parent instance the mdev was created from ("card0"). */
const char *mdev_parent_id(const MdevHandle *h);

/* How many more mdevs of @type @parent can create (0 if unknown). */
unsigned mdev_available_instances(const char *parent, const char *type);

/*
 * A parent of kind @kind (a declared parent's name) registered as @id with
 * the budget @budget (text form; NULL: the kind's default), its ops
 * registered: -object mdev-parent,id=@id,kind=@kind[,budget=N]. False and
 * @err on refusal (no such kind, an id taken, a budget refused).
 */
bool mdev_parent_new(const char *kind, const char *id, const char *budget,
                     MdevError *err);

/*
 * Takes the parent @id away; false and @err while it has mdevs (live, or
 * removed and not yet freed) or if there is none.
 */
bool mdev_parent_delete(const char *id, MdevError *err);

/* Whether parent @id has mdevs (live, or removed and not yet freed). */
bool mdev_parent_in_use(const char *id);

/*
 * The registered parents, 0 .. n-1 (false past the end): the id and the
 * kind of each, in registration order (the default parents first).
 */
bool mdev_parent_at(size_t index, const char **id, const char **kind);

#ifdef __cplusplus
}
#endif

#endif /* HW_MDEV_MDEV_H */
