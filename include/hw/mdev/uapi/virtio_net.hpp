// SPDX-License-Identifier: GPL-2.0-or-later
// <linux/virtio_net.h> for C++. Its struct virtio_net_ctrl_hdr has a member
// called `class`, a C++ keyword, so the header cannot be read as C++ as it
// is; the member is renamed for the length of the inclusion only (the
// #undef below ends it). virtio_net.h pulls in only other UAPI headers, all
// C, so nothing of C++ is read while the rename is in force.
#pragma once

#define class class_
#include <linux/virtio_net.h>
#undef class
