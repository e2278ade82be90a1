// SPDX-License-Identifier: GPL-2.0-or-later
#include "samples/mtty/mtty_vfio.hpp"
#include "hw/mdev/pci_config.hpp"

#include "hw/mdev/device.hpp"
#include "samples/mtty/mtty.hpp"

#include <linux/pci_regs.h>

namespace mdev::samples {

namespace {

constexpr std::uint16_t kWchVendor = 0x4348;
constexpr std::uint16_t kCh352_2s = 0x3253;
constexpr std::uint16_t kClassSerial = 0x0700; // the kernel's PCI_CLASS_COMMUNICATION_SERIAL
constexpr std::uint8_t kProgIf16550 = 0x02;
constexpr std::uint8_t kRevision = 0x10;
constexpr std::uint8_t kPinIntA = 1;
constexpr std::uint64_t kUartBarSize = 8;

MttyMdev &mdev_of(Device &dev)
{
    return dev.vendor_state<MttyMdev>();
}

// The CH352 as the card shows it. The guest may write the low byte of the
// command register and the interrupt line (as the card always allowed);
// QEMU's PCI core keeps the copies the guest sees anyway.
vfio::PciConfig config_of(unsigned ports)
{
    vfio::PciConfigBuilder b;
    b.ids(kWchVendor, kCh352_2s)
        .revision(kRevision)
        .class_code(kClassSerial, kProgIf16550)
        .subsystem(kWchVendor, kCh352_2s)
        .status(PCI_STATUS_DEVSEL_MEDIUM)
        .command(0, 0x00ff)
        .interrupt_pin(kPinIntA);
    for (unsigned port = 0; port < ports; port++) {
        b.bar(port, vfio::PciBar::io(kUartBarSize)); // port n's eight UART registers
    }
    return b.build_or_abort();
}

} // namespace

void mtty_config_init(MttyDeviceState &s, unsigned ports)
{
    config_of(ports).reset(s.config);
}

void mtty_config_resync(MttyDeviceState &s, unsigned ports)
{
    config_of(ports).resync(s.config);
}

// The UARTs report mtty's faults (line errors, modem lines) while the
// function is there.
void MttyVfioOps::open(Device &dev) const
{
    mdev_of(dev).attach_faults(dev.faults());
}

void MttyVfioOps::release(Device &dev) const
{
    mdev_of(dev).detach_faults();
}

vfio::PciConfig MttyVfioOps::pci_config(const Device &dev) const
{
    return config_of(dev.vendor_state<MttyMdev>().ports());
}

std::optional<vfio::PciConfig::Bytes> MttyVfioOps::config_state(Device &dev) const
{
    return vfio::PciConfig::Bytes(mdev_of(dev).state().config);
}

vfio::BarAccessor MttyVfioOps::bar_accessor(Device &dev, unsigned bar) const
{
    MttyMdev &m = mdev_of(dev);
    m.set_guest_log(dev.host()); // the ports log the writes a 16550A refuses
    return m.port_accessor(bar);
}

bool MttyVfioOps::set_irqs(Device &dev, std::uint32_t index, vfio::IrqSink *sink) const
{
    if (index != VFIO_PCI_INTX_IRQ_INDEX) {
        return false;
    }
    mdev_of(dev).set_intx_sink(sink);
    return true;
}

// The frontend has put the config space back to its power-on bytes.
void MttyVfioOps::reset(Device &dev) const
{
    mdev_of(dev).reset_ports();
}

} // namespace mdev::samples
