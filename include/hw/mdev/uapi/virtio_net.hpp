// SPDX-License-Identifier: GPL-2.0-or-later
// <linux/virtio_net.h> for C++. Its struct virtio_net_ctrl_hdr has a member
// called `class`, a C++ keyword, so the header cannot be read as C++ as it
// is; the member is renamed for the length of the inclusion only. Include
// this before any other header, or at least before anything that spells
// `class` itself (the rename ends with the #undef below).
#pragma once

#define class class_
#include <linux/virtio_net.h>
#undef class
