// SPDX-License-Identifier: GPL-2.0-or-later
// mtty's vfio face: a WCH CH352 2S PCI serial card (4348:3253, class
// 07/00/02), one 8-byte I/O BAR per port, INTx only. Unlike the kernel
// sample it reports a 256-byte config region, offers no MSI (its config
// space has no MSI capability) and resets its UARTs on VFIO_DEVICE_RESET.
#pragma once

#include "hw/mdev/vfio_ops.hpp"
#include "samples/mtty/mtty_state.hpp"

namespace mdev::samples {

// The config space of a fresh card with `ports` ports: one 8-byte I/O BAR
// per port, INTA#.
void mtty_config_init(MttyDeviceState &state, unsigned ports);

// After a migration load: every read-only config byte as at power-on; the
// BAR addresses, command byte and interrupt line kept.
void mtty_config_resync(MttyDeviceState &state, unsigned ports);

class MttyVfioOps final : public vfio::VfioOps {
public:
    void open(Device &dev) const override;
    void release(Device &dev) const override;
    vfio::PciConfig pci_config(const Device &dev) const override;
    std::optional<vfio::PciConfig::Bytes> config_state(Device &dev) const override;
    vfio::BarAccessor bar_accessor(Device &dev, unsigned bar) const override;
    bool set_irqs(Device &dev, std::uint32_t index, vfio::IrqSink *sink) const override;
    void reset(Device &dev) const override;
};

} // namespace mdev::samples
