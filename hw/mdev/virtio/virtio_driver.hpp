// SPDX-License-Identifier: GPL-2.0-or-later
// The virtio frontend as an mdev bus driver: it binds every mdev of class
// virtio and keeps a virtio-pci Transport as the device's frontend state.
#pragma once

#include "hw/mdev/bus.hpp"

namespace mdev::virtio {

class Transport;

// The process's one virtio-pci frontend driver.
Driver &virtio_pci_driver();

// The transport the driver built for `dev`, or nullptr if the device is not
// bound to this driver.
Transport *transport(const Device &dev);

} // namespace mdev::virtio
