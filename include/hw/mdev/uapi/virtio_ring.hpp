// SPDX-License-Identifier: GPL-2.0-or-later
// <linux/virtio_ring.h> for C++. Its legacy helpers (vring_init) assign a
// void * to a typed pointer, which C allows and C++ does not, so they are
// left out with the header's own switch: qemu-mdev uses only the split-ring
// names (flags, alignments, struct layouts), never the legacy helpers. Every
// C++ file includes the header through here, so the switch is always set
// before its first inclusion.
#pragma once

#ifndef VIRTIO_RING_NO_LEGACY
#define VIRTIO_RING_NO_LEGACY
#endif
#include <linux/virtio_ring.h>
