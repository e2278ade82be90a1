/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: the C interface to an mdev's faults (include/hw/mdev/fault.hpp,
 * docs/fault-injection.md), for the monitor's commands in the QOM glue
 * (hw/mdev/qemu/mdev-fault-qmp.c). Strings returned point into the device's
 * declarations and live as long as QEMU.
 */
#ifndef HW_MDEV_MDEV_FAULT_H
#define HW_MDEV_MDEV_FAULT_H

#include "hw/mdev/capi/mdev.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct MdevFaultDesc {
    const char *name;
    const char *description;
    size_t nparams;
    bool armed;
    uint64_t count; /* as last armed; 0: until cleared */
    uint64_t skip;  /* as last armed */
    uint64_t fired; /* firings since the mdev was created */
} MdevFaultDesc;

typedef struct MdevFaultParamDesc {
    const char *name;
    const char *type; /* "int", "bool" or "str" */
    const char *description;
} MdevFaultParamDesc;

/* An argument of mdev_fault_inject(): a parameter's name, value as text. */
typedef struct MdevFaultArg {
    const char *name;
    const char *value;
} MdevFaultArg;

/* How many faults the mdev offers (its frontend's and its parent's). */
size_t mdev_fault_count(MdevHandle *h);
/* Fault @index of the mdev; false past the end. */
bool mdev_fault_info(MdevHandle *h, size_t index, MdevFaultDesc *out);
/* Parameter @param of fault @index; false past the end. */
bool mdev_fault_param(MdevHandle *h, size_t index, size_t param,
                      MdevFaultParamDesc *out);

/*
 * Arms @fault: it fires on the @count matching events (0: every one until
 * cleared) after the first @skip. False and @err (naming what is accepted)
 * for an unknown fault, parameter or value; nothing is armed then.
 */
bool mdev_fault_inject(MdevHandle *h, const char *fault, uint64_t count,
                       uint64_t skip, const MdevFaultArg *args, size_t nargs,
                       MdevError *err);

/* Disarms @fault, or every fault if @fault is NULL. */
bool mdev_fault_clear(MdevHandle *h, const char *fault, MdevError *err);

/* Whether any fault of the mdev is armed. */
bool mdev_faults_armed(MdevHandle *h);

/*
 * Implemented by the glue (hw/mdev/qemu/mdev-fault-qmp.c): the mdev @uuid is
 * going away; its faults no longer block migration.
 */
void mdev_fault_forget(const char *uuid);

#ifdef __cplusplus
}
#endif

#endif /* HW_MDEV_MDEV_FAULT_H */
