/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * qemu-mdev: a parent of mdevs as a QOM object the user creates, with its
 * budget: -object mdev-parent,id=card0,kind=mtty,budget=48 (48 ports). A
 * device takes its budget from it with parent=card0; without parent= it
 * takes the default parent of its kind, which always exists.
 */
#ifndef HW_MDEV_MDEV_PARENT_OBJECT_H
#define HW_MDEV_MDEV_PARENT_OBJECT_H

#include "qom/object.h"

#include "hw/mdev/capi/mdev-parent.h"

#define TYPE_MDEV_PARENT "mdev-parent"

/*
 * The names of the declared parents the build knows of (mdev_parent_kinds in
 * hw/mdev's meson.build files), NULL-terminated: generated, in
 * mdev-module-types.c, with the module_obj() line for each one's type.
 */
extern const char *const mdev_module_parent_kinds[];

/* The declared parent whose name is @kind ("mtty"), or NULL. */
const MdevParentInfo *mdev_parent_kind_info(const char *kind);

/*
 * The core's id of the parent @obj (an mdev-parent object) for a device of
 * kind @kind; NULL and @errp if it is of another kind or was never
 * completed.
 */
const char *mdev_parent_object_id(Object *obj, const char *kind, Error **errp);

#endif /* HW_MDEV_MDEV_PARENT_OBJECT_H */
