// SPDX-License-Identifier: GPL-2.0-or-later
#include "samples/mtty/mtty.hpp"

#include "hw/mdev/declaration.hpp"
#include "samples/mtty/mtty_uart.hpp"
#include "samples/mtty/trace.hpp"

namespace mdev::samples {

static_assert(MTTY_MAX_PORTS_PER_DEVICE == 2, "MttyMdev's constructor builds two ports");

MttyMdev::MttyMdev(unsigned ports, std::string uuid)
    : ports_(ports), uuid_(std::move(uuid)),
      port_who_{uuid_ + " port 0", uuid_ + " port 1"},
      handles_{{this, Uart16550(state_.port[0], nullptr, port_who_[0].c_str())},
               {this, Uart16550(state_.port[1], nullptr, port_who_[1].c_str())}}
{
    for (unsigned i = 0; i < MTTY_MAX_PORTS_PER_DEVICE; i++) {
        handles_[i].uart.set_faults(&faults_, i);
    }
    mtty_config_init(state_, ports_);
    mtty_virtio_init(virtio_.state, ports_);
    reset_ports();
}

// The register model is inline (mtty_uart.hpp) and decodes its table at
// compile time, so these compile to a jump on the offset and the
// register's own few instructions; the BAR is eight bytes and the machine
// hands only byte accesses inside it (min_size = max_size = 1). The
// register file traces each access by the register's name
// (mdev_reg_read/mdev_reg_write, "<uuid> port N") and logs the writes the
// part refuses.
std::uint64_t MttyMdev::port_read(void *opaque, std::uint64_t offset, unsigned)
{
    PortHandle &h = *static_cast<PortHandle *>(opaque);
    bool irq_may_change = false;
    const std::uint8_t value = h.uart.read(static_cast<std::uint8_t>(offset), irq_may_change);
    if (irq_may_change) [[unlikely]] {
        h.mdev->update_intx();
    }
    return value;
}

void MttyMdev::port_write(void *opaque, std::uint64_t offset, std::uint64_t value, unsigned)
{
    PortHandle &h = *static_cast<PortHandle *>(opaque);
    bool irq_may_change = false;
    h.uart.write(static_cast<std::uint8_t>(offset), static_cast<std::uint8_t>(value),
                 irq_may_change);
    if (irq_may_change) {
        h.mdev->update_intx();
    }
}

std::uint8_t MttyMdev::uart_read(unsigned port, std::uint8_t reg)
{
    return static_cast<std::uint8_t>(port_read(&handles_[port], reg, 1));
}

void MttyMdev::uart_write(unsigned port, std::uint8_t reg, std::uint8_t value)
{
    port_write(&handles_[port], reg, value, 1);
}

vfio::BarAccessor MttyMdev::port_accessor(unsigned port)
{
    return vfio::BarAccessor{.read = port_read,
                             .write = port_write,
                             .opaque = &handles_[port],
                             .min_size = 1,
                             .max_size = 1,
                             .unaligned = true};
}

void MttyMdev::reset_ports()
{
    for (unsigned i = 0; i < ports_; i++) {
        Uart16550(state_.port[i]).reset();
    }
    update_intx();
}

void MttyMdev::attach_faults(FaultSet &set)
{
    faults_.attach(set, ports_, [this](const FaultArgs &a) { modem_lines(a); });
}

void MttyMdev::modem_lines(const FaultArgs &a)
{
    const auto port = static_cast<unsigned>(a.get_int(MttyFaults::kPort, 0));
    if (port >= ports_) {
        return; // the declaration's range keeps it from happening
    }
    struct Line {
        std::size_t param;
        std::uint8_t bit;
    };
    static constexpr Line kLines[] = {{MttyFaults::kCts, UART_MSR_CTS},
                                      {MttyFaults::kDsr, UART_MSR_DSR},
                                      {MttyFaults::kDcd, UART_MSR_DCD},
                                      {MttyFaults::kRi, UART_MSR_RI}};
    std::uint8_t mask = 0;
    std::uint8_t levels = 0;
    for (const Line &l : kLines) {
        if (a.has(l.param)) {
            mask |= l.bit;
            if (a.get_bool(l.param, false)) {
                levels |= l.bit;
            }
        }
    }
    Uart16550 &uart = handles_[port].uart;
    const std::uint8_t before = uart.peek_msr();
    uart.drive_modem_inputs(mask, levels, a.get_bool(MttyFaults::kRelease, false));
    trace_mdev_mtty_modem_lines(port_who_[port].c_str(), before, uart.peek_msr());
    update_intx();
}

void MttyMdev::set_intx_sink(vfio::IrqSink *sink)
{
    intx_ = sink;
    update_intx(true);
}

bool MttyMdev::resync()
{
    for (unsigned i = 0; i < ports_; i++) {
        if (!Uart16550::state_is_valid(state_.port[i])) {
            return false;
        }
    }
    if (!mtty_virtio_state_is_valid(virtio_.state, ports_)) {
        return false;
    }
    mtty_config_resync(state_, ports_);
    update_intx(true);
    return true;
}

void MttyMdev::update_intx(bool force)
{
    bool level = false;
    for (unsigned i = 0; i < ports_; i++) {
        level = level || Uart16550(state_.port[i]).irq_asserted();
    }
    if (level == intx_level_ && !force) {
        return;
    }
    intx_level_ = level;
    if (intx_) {
        intx_->set_level(level);
    }
}

MttyParent::MttyParent(unsigned total_ports)
    : types_{
          {"mtty-1", "Single port serial", "virtual PCI serial card, one 16550A port",
           "vfio-pci"},
          {"mtty-2", "Dual port serial", "virtual PCI serial card, two 16550A ports",
           "vfio-pci"},
      },
      total_ports_(total_ports)
{
}

Result<std::unique_ptr<Parent>> MttyParent::make(const PropertyValues &budget)
{
    Result<std::uint32_t> ports = budget_value(budget, "ports", 1, kMttyMaxPorts);
    if (!ports) {
        return ports.error();
    }
    return std::unique_ptr<Parent>(std::make_unique<MttyParent>(*ports));
}

unsigned MttyParent::ports_of(const MdevType &type) const
{
    return type.id == "mtty-1" ? 1 : 2;
}

unsigned MttyParent::available_instances(const MdevType &type) const
{
    return (total_ports_ - ports_used_) / ports_of(type);
}

Result<std::unique_ptr<VendorState>> MttyParent::create(const CreateArgs &args)
{
    unsigned ports = ports_of(args.type);
    if (ports_used_ + ports > total_ports_) {
        return Error{Errc::budget_exhausted,
                     "parent '" + std::string(id()) + "' has " + std::to_string(total_ports_) +
                         " ports in all and " + std::to_string(ports_used_) +
                         " in use; '" + args.type.id + "' needs " + std::to_string(ports)};
    }
    ports_used_ += ports;
    return std::unique_ptr<VendorState>(std::make_unique<MttyMdev>(ports, args.uuid.to_string()));
}

void MttyParent::remove(VendorState &state)
{
    ports_used_ -= dynamic_cast<MttyMdev &>(state).ports();
}

Status MttyParent::register_ops(Core &core) const
{
    Status vfio = core.register_ops(id(), vfio_ops_);
    if (!vfio) {
        return vfio;
    }
    return core.register_ops(id(), virtio_ops_);
}

namespace {

// What of an mtty mdev migrates: its UART ports and config space (the vfio
// face's), and with class=virtio the virtio face's queues and ports.
constexpr migration::Field kUartFields[] = {
    MDEV_MIGRATE(MttyUartState, rx_fifo),
    MDEV_MIGRATE(MttyUartState, rx_head),
    MDEV_MIGRATE(MttyUartState, rx_count),
    MDEV_MIGRATE(MttyUartState, ier),
    MDEV_MIGRATE(MttyUartState, fcr),
    MDEV_MIGRATE(MttyUartState, lcr),
    MDEV_MIGRATE(MttyUartState, mcr),
    MDEV_MIGRATE(MttyUartState, msr_deltas),
    MDEV_MIGRATE(MttyUartState, scr),
    MDEV_MIGRATE(MttyUartState, dll),
    MDEV_MIGRATE(MttyUartState, dlm),
    MDEV_MIGRATE(MttyUartState, overrun),
    MDEV_MIGRATE(MttyUartState, thre_pending),
    // Version 2: line errors and the far end's modem lines (injected
    // faults); a version-1 stream loads with none.
    MDEV_MIGRATE_SINCE(MttyUartState, rx_errors, 2),
    MDEV_MIGRATE_SINCE(MttyUartState, lsr_errors, 2),
    MDEV_MIGRATE_SINCE(MttyUartState, fifo_error, 2),
    MDEV_MIGRATE_SINCE(MttyUartState, msr_driven, 2),
    MDEV_MIGRATE_SINCE(MttyUartState, msr_driven_levels, 2),
};
constexpr migration::Struct kUart = migration::describe<MttyUartState>("mtty/uart", 2, kUartFields);

constexpr migration::Field kDeviceFields[] = {
    MDEV_MIGRATE_STRUCT(MttyDeviceState, port, kUart),
    MDEV_MIGRATE(MttyDeviceState, config),
};
constexpr migration::Struct kDevice =
    migration::describe<MttyDeviceState>("mtty/device", 1, kDeviceFields);

constexpr migration::Field kVirtioPortFields[] = {
    MDEV_MIGRATE(MttyVirtioPort, tx_offset),
    MDEV_MIGRATE(MttyVirtioPort, pending),
    MDEV_MIGRATE(MttyVirtioPort, ready),
    MDEV_MIGRATE(MttyVirtioPort, guest_open),
};
constexpr migration::Struct kVirtioPort =
    migration::describe<MttyVirtioPort>("mtty/virtio-port", 1, kVirtioPortFields);

constexpr migration::Field kVirtioFields[] = {
    MDEV_MIGRATE(MttyVirtioState, status),
    MDEV_MIGRATE(MttyVirtioState, features),
    MDEV_MIGRATE_STRUCT(MttyVirtioState, vq, kVringState),
    MDEV_MIGRATE_STRUCT(MttyVirtioState, port, kVirtioPort),
    MDEV_MIGRATE(MttyVirtioState, device_ready),
};
constexpr migration::Struct kVirtio =
    migration::describe<MttyVirtioState>("mtty/virtio", 1, kVirtioFields);

constexpr const migration::Struct *kState[] = {&kDevice, &kVirtio};

constexpr PropertyDecl kMttyBudget = {
    "ports", MDEV_PROP_UINT32,
    "Ports the parent has for all its mdevs together (an mtty-1 takes one, an mtty-2 two): "
    "1 to 1024", "24"};

constexpr ParentDeclaration kMtty = {
    .name = "mtty",
    .description = "mdev sample: serial ports looping back, as a PCI serial card of 16550A "
                   "UARTs (class=vfio) or a multiport virtio-console (class=virtio)",
    .category = MDEV_CATEGORY_INPUT,
    .make = make_parent<MttyParent>,
    .default_type = "mtty-2",
    .budget_help = "The default parent has 24 ports in all; -object "
                   "mdev-parent,id=ID,kind=mtty,budget=PORTS makes another (parent=ID)",
    .budget = &kMttyBudget,
    .state = kState,
};
const Registration kRegisterMtty(kMtty);

} // namespace

std::vector<migration::Data> MttyMdev::migrated(const Device &dev)
{
    if (dev.class_id() == ClassId::virtio) {
        return {{kDevice, state_}, {kVirtio, virtio_.state}};
    }
    return {{kDevice, state_}};
}

} // namespace mdev::samples
