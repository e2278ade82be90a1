# The devices qemu-system-x86_64 is built with. scripts/setup links this file
# into QEMU's tree as configs/devices/x86_64-softmmu/mdev.mak and configures
# with --with-devices-x86_64=mdev and QEMU's default devices: every device
# whose Kconfig says "default y" (and whose host feature setup enables) is
# built, as in QEMU's own x86_64 build and Debian's qemu-system-x86, less the
# devices that need a library setup does not install (GTK, SDL, SPICE, OpenGL,
# libusb, usbredir, libcacard, libattr for virtfs, libcbor and gnutls for
# the nitro-enclave board).
#
# That set has, among others: the pc, q35, isapc and microvm boards; vfio-pci and the vfio-user client (vfio-user-pci); intel-iommu,
# amd-iommu, virtio-iommu-pci; the virtio-*-pci devices (net, blk, scsi,
# serial, balloon, rng, gpu, vga, vsock, vhost-user-*), qemu-xhci and the USB
# devices, the PCI/PCIe bridges and root ports, nvme, e1000/e1000e, pvpanic,
# i6300esb, cirrus-vga, bochs-display, pci-serial. `qemu-system-x86_64
# -device help` lists them all.

# QEMU's x86_64 defaults (comments only in QEMU 10.2: a "CONFIG_X=n" line
# there, or below, keeps a device out).
include default.mak

# qemu-mdev itself: the mdev bus, both frontends, every sample parent
# (hw/mdev/Kconfig says "default y"; written here so that this file says it).
CONFIG_MDEV=y
