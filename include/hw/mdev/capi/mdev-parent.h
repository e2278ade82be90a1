/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: what the one generic QOM glue (hw/mdev/qemu/mdev-parents.c) reads of
 * the parents declared in C++ (declaration.hpp): their names, -device
 * properties and the layout of their migrated state. C, so that the glue can
 * turn it into QOM types, qdev properties and VMState; parent authors never
 * write these structs by hand (migration.hpp and declaration.hpp make them).
 */
#ifndef HW_MDEV_MDEV_PARENT_H
#define HW_MDEV_MDEV_PARENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------ migrated state -- */

typedef enum MdevFieldKind {
    MDEV_FIELD_U8,
    MDEV_FIELD_U16,
    MDEV_FIELD_U32,
    MDEV_FIELD_U64,
    MDEV_FIELD_BOOL,
    MDEV_FIELD_STRUCT, /* a sub-structure with its own MdevStateStruct */
} MdevFieldKind;

typedef struct MdevStateStruct MdevStateStruct;

/* One member of a plain-data struct that migrates. */
typedef struct MdevStateField {
    const char *name;
    MdevFieldKind kind;
    size_t offset;     /* offsetof(the struct, the member) */
    size_t elem_size;  /* bytes of one element */
    uint32_t count;    /* 0: a single value; n: an array of n elements */
    const MdevStateStruct *sub; /* MDEV_FIELD_STRUCT: the element's layout */
    int since;         /* in the stream from this version of its struct on */
} MdevStateField;

/*
 * A plain-data struct that migrates, as one VMState description: the stream
 * carries its version; a loader accepts min_version .. version.
 */
struct MdevStateStruct {
    const char *name; /* unique in the stream, e.g. "mtty/uart" */
    int version;
    int min_version;
    size_t size; /* sizeof the struct */
    const MdevStateField *fields;
    size_t nfields;
};

/* ----------------------------------------------------------- properties -- */

typedef enum MdevPropertyKind {
    MDEV_PROP_STRING,
    MDEV_PROP_BOOL,
    MDEV_PROP_UINT32,
    MDEV_PROP_MACADDR, /* as QEMU's NICs take it: 52:54:00:12:34:56 */
} MdevPropertyKind;

/* An extra -device property a parent's mdevs take. */
typedef struct MdevPropertyDecl {
    const char *name;
    MdevPropertyKind kind;
    const char *help;
    /*
     * In the property's text form (e.g. "on", "16"); NULL: unset. A bool or
     * uint32 property always reaches the parent (off / 0 without a
     * default); a string or MAC address only when set or defaulted (a MAC
     * address has no default: the parent derives one, as mvnet does).
     */
    const char *default_value;
} MdevPropertyDecl;

/* A property's value for mdev_create(), in its text form. */
typedef struct MdevPropertyValue {
    const char *name;
    const char *value;
} MdevPropertyValue;

/* ------------------------------------------------------------- parents -- */

/* Where -device help lists the type (QEMU's DEVICE_CATEGORY_*). */
typedef enum MdevCategory {
    MDEV_CATEGORY_MISC,
    MDEV_CATEGORY_DISPLAY,
    MDEV_CATEGORY_NETWORK,
    MDEV_CATEGORY_INPUT,
    MDEV_CATEGORY_STORAGE,
} MdevCategory;

/* One entry of a parent's mdev_supported_types, as sysfs shows it. */
typedef struct MdevParentType {
    const char *id;          /* "mtty-2": the value of mdev-type= */
    const char *name;        /* "Dual port serial" */
    const char *description; /* free text, may be "" */
    const char *device_api;  /* "vfio-pci", "virtio-mdev" */
} MdevParentType;

/* One declared parent, as the glue needs it for its QOM type. */
typedef struct MdevParentInfo {
    const char *name;        /* "mtty": the QOM type is "mdev-mtty" */
    const char *description; /* the type's desc in -device help */
    MdevCategory category;
    /* Help of mdev-type: each type with its name, the default, the budget. */
    const char *type_help;
    const char *default_type;
    /* The classes the parent has ops for, e.g. "vfio, virtio". */
    const char *classes;
    /* The class when the user names none: the only one, else NULL. */
    const char *default_class;
    const MdevPropertyDecl *properties;
    size_t nproperties;
    /*
     * The budget of -object mdev-parent,kind=<name>,budget=N: its unit
     * (name), help and default; NULL if every parent has the same budget.
     */
    const MdevPropertyDecl *budget;
    /* Its types, in the parent's order (the first is not always the default). */
    const MdevParentType *types;
    size_t ntypes;
    /* The pieces of per-mdev state that may migrate. */
    const MdevStateStruct *const *state;
    size_t nstate;
} MdevParentInfo;

/*
 * The declared parents, 0 .. n-1 (NULL past the end). The first call
 * registers every declared parent and its ops with the core.
 */
const MdevParentInfo *mdev_parent_info(size_t index);

#ifdef __cplusplus
}
#endif

#endif /* HW_MDEV_MDEV_PARENT_H */
