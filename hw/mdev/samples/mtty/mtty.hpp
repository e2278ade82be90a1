// SPDX-License-Identifier: GPL-2.0-or-later
// mtty: the kernel's sample virtual serial card, as an mdev parent. A parent
// with a budget of 24 UART ports; type mtty-1 takes one, mtty-2 two. Each
// port is a 16550A looping its transmitter into its own receiver
// (mtty_uart.hpp). The device's faces live beside it: mtty_vfio.cpp shows
// it as a PCI serial card (WCH CH352, 4348:3253), mtty_virtio.cpp as a
// virtio-console device with a port per UART port. The creator's class
// picks the face.
#pragma once

#include "hw/mdev/core.hpp"
#include "hw/mdev/vfio_ops.hpp"
#include "samples/mtty/mtty_faults.hpp"
#include "samples/mtty/mtty_state.hpp"
#include "samples/mtty/mtty_uart.hpp"
#include "samples/mtty/mtty_vfio.hpp"
#include "samples/mtty/mtty_virtio.hpp"

#include <string>
#include <vector>

namespace mdev::samples {

// The parent's budget: ports across all its mdevs (the kernel's MAX_MTTYS).
inline constexpr unsigned kMttyTotalPorts = 24; // the default parent's
inline constexpr unsigned kMttyMaxPorts = 1024;  // of any one parent

// One mtty mdev: its plain-data state and where its interrupt goes.
class MttyMdev final : public VendorState {
public:
    // `uuid`: the device's, as text, for trace events.
    MttyMdev(unsigned ports, std::string uuid);

    unsigned ports() const { return ports_; }
    MttyDeviceState &state() { return state_; }
    // The virtio face's state (used only when the class is virtio).
    MttyVirtioFace &virtio() { return virtio_; }

    // Guest access to port `port`'s register `reg`; the interrupt pin is
    // recomputed only when the access changed what it depends on.
    std::uint8_t uart_read(unsigned port, std::uint8_t reg);
    void uart_write(unsigned port, std::uint8_t reg, std::uint8_t value);

    // Port `port`'s I/O BAR as direct handlers (vfio::BarAccessor): one
    // byte-wide register per access, as a 16550's bus takes them; the
    // machine splits wider accesses into byte accesses, as it does for
    // QEMU's own 16550 (pci-serial).
    vfio::BarAccessor port_accessor(unsigned port);
    // Where the ports' guest errors go (the device's host; none until set).
    void set_guest_log(GuestLog *log)
    {
        for (PortHandle &h : handles_) {
            h.uart.set_guest_log(log);
        }
    }

    // Power-on state for every port.
    void reset_ports();

    // Declares mtty's faults (mtty_faults.hpp) in the device's set: the
    // vfio face's, whose UARTs report them; detach_faults() when the face
    // goes (modem-lines is refused until the next attach).
    void attach_faults(FaultSet &set);
    void detach_faults() { faults_.detach(); }
    // modem-lines: the far end drives port `port`'s lines (FaultArgs of
    // MttyFaults::kCts...), and the pin follows.
    void modem_lines(const FaultArgs &args);

    // INTx: the card's one interrupt pin, asserted while any port has an
    // interrupt pending. set_intx_sink() tells a new sink the current level.
    void set_intx_sink(vfio::IrqSink *sink);
    // After the state changed behind the model's back (a migration load):
    // false if a port's or the virtio face's state is not one the model can
    // work on; else every read-only config byte is put back (the guest's
    // BAR addresses and interrupt line kept) and the pin recomputed.
    bool resync();

    std::vector<migration::Data> migrated(const Device &dev) override;
    bool post_load(Device &) override { return resync(); }

private:
    void update_intx(bool force = false);

    // What a port's BarAccessor::opaque points to: the port's register
    // model, built once over its state (a few pointers: see Uart16550).
    struct PortHandle {
        MttyMdev *mdev;
        Uart16550 uart;
    };
    static std::uint64_t port_read(void *opaque, std::uint64_t offset, unsigned size);
    static void port_write(void *opaque, std::uint64_t offset, std::uint64_t value,
                           unsigned size);

    unsigned ports_;
    std::string uuid_;
    // "<uuid> port N": what the register file's traces name port N by.
    std::string port_who_[MTTY_MAX_PORTS_PER_DEVICE];
    MttyDeviceState state_{};
    PortHandle handles_[MTTY_MAX_PORTS_PER_DEVICE];
    MttyVirtioFace virtio_;
    vfio::IrqSink *intx_ = nullptr;
    bool intx_level_ = false;
    MttyFaults faults_; // last: its action calls this device
};

class MttyParent final : public Parent {
public:
    explicit MttyParent(unsigned total_ports = kMttyTotalPorts);
    // The parent with the budget of -object mdev-parent-mtty (ports=N).
    static Result<std::unique_ptr<Parent>> make(const PropertyValues &budget);

    std::string_view name() const override { return "mtty"; }
    std::span<const MdevType> types() const override { return types_; }
    unsigned available_instances(const MdevType &type) const override;
    Result<std::unique_ptr<VendorState>> create(const CreateArgs &args) override;
    void remove(VendorState &state) override;

    // Registers this parent's ops with `core`, once per class.
    Status register_ops(Core &core) const override;

    unsigned ports_in_use() const { return ports_used_; }
    unsigned total_ports() const { return total_ports_; }
    unsigned ports_of(const MdevType &type) const;

private:
    std::vector<MdevType> types_;
    unsigned total_ports_;
    unsigned ports_used_ = 0;
    MttyVfioOps vfio_ops_;
    MttyVirtioOps virtio_ops_;
};

} // namespace mdev::samples
