# The devices qemu-system-x86_64 is built with (scripts/setup links this file
# into QEMU's tree as configs/devices/x86_64-softmmu/mdev.mak and configures
# with --without-default-devices --with-devices-x86_64=mdev). Without a
# default-devices build, QEMU compiles some 1,600 files for hundreds of
# devices nobody here uses; with it, everything is off unless a board selects
# it or a line below switches it on. Each line says who needs it: before
# adding a device for a new test or benchmark, add it here.

# The boards: -M pc (the default) and -M q35, with what they select
# themselves (PIIX or ICH9, ACPI, the ISA serial port, keyboard, RTC).
CONFIG_I440FX=y
CONFIG_Q35=y

# qemu-mdev itself: the mdev bus, both frontends, every sample parent.
CONFIG_MDEV=y

# What a machine started without -nodefaults creates, so that the README's
# first line (`qemu-system-x86_64 -device mdev-mtty,class=vfio`) still starts
# a whole PC: the standard VGA, and the default NIC of each board.
CONFIG_VGA_PCI=y
CONFIG_E1000_PCI=y
CONFIG_E1000E_PCI_EXPRESS=y

# QEMU's native equivalents, which every comparison runs first: pci-serial
# and pci-serial-2x (mtty-1 and mtty-2; guest baselines, bench/guest-access,
# mdev-access-size-test), bochs-display (mdpy/mbochs;
# display.sh, bench/mbochs-display), virtio-net-pci and virtio-serial
# (mvnet and mtty's virtio class; guest baselines, bench/mvnet-loopback,
# QEMU's qos-test), nvme (the NVMe parent's baseline).
CONFIG_SERIAL_PCI=y
CONFIG_SERIAL_PCI_MULTI=y
CONFIG_BOCHS_DISPLAY=y
CONFIG_VIRTIO_PCI=y
CONFIG_VIRTIO_NET=y
CONFIG_VIRTIO_SERIAL=y
CONFIG_NVME_PCI=y
# QEMU 10.0's nvme calls the SPDM socket backend unconditionally, but its
# Kconfig does not select it: without this line the link fails.
CONFIG_SPDM_SOCKET=y

# pcie-root-port: hotplug on q35 (guest case hotplug-pcie).
CONFIG_PCIE_PORT=y

# Guest IOMMUs, for DMA behind a guest IOMMU: intel-iommu (guest cases
# mnvme-intel-iommu, pcitest-iommu-refused, mvnet-intel-iommu*; needs
# -M q35,kernel-irqchip=split -device intel-iommu,intremap=on) and
# virtio-iommu-pci (no guest case: the kit's Debian 6.1 kernel has no
# CONFIG_VIRTIO_IOMMU).
CONFIG_VTD=y
CONFIG_VIRTIO_IOMMU=y
