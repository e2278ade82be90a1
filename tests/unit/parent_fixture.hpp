// SPDX-License-Identifier: GPL-2.0-or-later
// What a sample parent's unit tests start from, one copy for every suite: a
// Core with the parent, its ops and a bus driver registered, and the PCI
// function of a vfio-class mdev that create() gave.
#pragma once

#include "hw/mdev/core.hpp"
#include "vfio/pci_function.hpp"
#include "vfio/vfio_driver.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace mdev::test {

// Registers `made` with `core` (`parent` then points at it), its ops, and
// `driver` (vfio-pci's by default) on the core's bus. Call it under
// ASSERT_NO_FATAL_FAILURE: a refused registration ends the test's set-up.
template <class P>
void register_parent(Core &core, std::unique_ptr<P> made, P *&parent,
                     Driver &driver = vfio::vfio_pci_driver())
{
    parent = made.get();
    ASSERT_TRUE(core.register_parent(std::move(made)));
    ASSERT_TRUE(parent->register_ops(core));
    core.bus().register_driver(driver);
}

// The PCI function of the mdev `created` holds (`dev` then points at the
// mdev): it must have been created and bound to vfio-pci, or the test's
// set-up failed (thrown, so that GoogleTest reports it). With
// `connect_irqs`, its interrupts are connected as QEMU's glue does.
inline vfio::PciFunction &bound_function(Result<Device *> created, Device *&dev,
                                         bool connect_irqs = true)
{
    if (!created) {
        throw std::runtime_error("create refused: " + created.error().message);
    }
    dev = *created;
    vfio::PciFunction *f = vfio::pci_function(*dev);
    if (!f) {
        throw std::runtime_error("not bound to vfio-pci");
    }
    if (connect_irqs) {
        f->connect_irqs();
    }
    return *f;
}

} // namespace mdev::test
