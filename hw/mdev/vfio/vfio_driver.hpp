// SPDX-License-Identifier: GPL-2.0-or-later
// The vfio frontend as an mdev bus driver: it binds every mdev of class vfio
// and keeps a PciFunction as the device's frontend state.
#pragma once

#include "hw/mdev/bus.hpp"

namespace mdev::vfio {

class PciFunction;

// The process's one vfio-pci frontend driver.
Driver &vfio_pci_driver();

// The PCI function the driver built for `dev`, or nullptr if the device is
// not bound to this driver.
PciFunction *pci_function(const Device &dev);

} // namespace mdev::vfio
