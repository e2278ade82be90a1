// SPDX-License-Identifier: GPL-2.0-or-later
// What the NVMe controller model needs from whoever runs it: guest memory,
// interrupt wires and a log for guest mistakes. Inside QEMU the vfio face
// (mnvme_vfio.cpp) implements them on the mdev's Host and IrqSink; unit
// tests implement them over a byte array and a recorder. Nothing here
// knows of mdev, QOM or QEMU.
#pragma once

#include <cstdint>
#include <span>

namespace mdev::samples::nvme {

// Bus-master DMA. Every byte of the range is checked by the implementation:
// false means some byte is not guest RAM (or bus mastering is off), and the
// controller treats it as the guest's error.
class Dma {
public:
    virtual ~Dma() = default;
    virtual bool read(std::uint64_t addr, std::span<std::uint8_t> out) = 0;
    virtual bool write(std::uint64_t addr, std::span<const std::uint8_t> in) = 0;
};

// Which interrupt the function has enabled, as the PCI capabilities say.
enum class IrqMode : std::uint8_t { none, intx, msi, msix };

// The function's interrupt wires. The controller applies NVMe's own rules
// on top (CQ interrupt enable, INTMS/INTMC for pin-based and MSI, 7.5).
class Interrupts {
public:
    virtual ~Interrupts() = default;
    virtual IrqMode mode() const = 0;
    // Vectors usable in the current mode (1 for INTx).
    virtual unsigned vectors() const = 0;
    // INTx as a level; the controller reports changes only.
    virtual void set_intx(bool asserted) = 0;
    // One MSI or MSI-X message for `vector` (< vectors()).
    virtual void notify(std::uint16_t vector) = 0;
};

// Where guest mistakes are reported (LOG_GUEST_ERROR in QEMU).
class ErrorLog {
public:
    virtual ~ErrorLog() = default;
    virtual void guest_error(const char *fmt, ...) __attribute__((format(printf, 2, 3))) = 0;
};

} // namespace mdev::samples::nvme
