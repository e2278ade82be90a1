// SPDX-License-Identifier: GPL-2.0-or-later
// mtty's virtio face (a multiport virtio-console) through the virtio-pci
// Transport over fake guest RAM: the MULTIPORT control protocol, per-port
// loopback, hostile rings, resets and migration loads.
#include "samples/mtty/mtty.hpp"
#include "virtio_sequence.hpp"

namespace {

using namespace mdev;

void mtty_virtio_load(Device &dev, FuzzedDataProvider &in)
{
    samples::MttyVirtioState &s = dev.vendor_state<samples::MttyMdev>().virtio().state;
    samples::MttyVirtioPort &port = s.port[in.ConsumeIntegralInRange<unsigned>(0, samples::MTTY_MAX_PORTS_PER_DEVICE - 1)];
    switch (in.ConsumeIntegralInRange<unsigned>(0, 7)) {
    case 0: s.status = in.ConsumeIntegral<std::uint8_t>(); break;
    case 1: s.features = in.ConsumeIntegral<std::uint64_t>(); break;
    case 2: s.device_ready = in.ConsumeBool(); break;
    case 3: port.tx_offset = in.ConsumeIntegral<std::uint32_t>(); break;
    case 4: port.pending = in.ConsumeIntegral<std::uint8_t>(); break;
    case 5: port.ready = in.ConsumeBool(); break;
    case 6: port.guest_open = in.ConsumeBool(); break;
    default:
        fuzz::load_vring_field(
            s.vq[in.ConsumeIntegralInRange<unsigned>(0, samples::MTTY_VIRTIO_MAX_QUEUES - 1)], in);
        break;
    }
}

bool mtty_post_load(Device &dev)
{
    auto &m = dev.vendor_state<samples::MttyMdev>();
    return samples::mtty_virtio_state_is_valid(m.virtio().state, m.ports()) && m.resync();
}

// struct virtio_console_control: id, event (DEVICE_READY .. PORT_NAME), value.
std::vector<std::uint8_t> control_message(FuzzedDataProvider &in)
{
    const std::uint32_t id = in.ConsumeIntegralInRange<std::uint32_t>(0, 2);
    const std::uint16_t event = in.ConsumeIntegralInRange<std::uint16_t>(0, 8);
    const std::uint16_t value = in.ConsumeIntegralInRange<std::uint16_t>(0, 1);
    return {std::uint8_t(id), 0, 0, 0, std::uint8_t(event), 0, std::uint8_t(value), 0};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static const fuzz::VirtioSample sample{"mtty", mtty_virtio_load, mtty_post_load,
                                           {.hot_payload = control_message}};
    return fuzz::run_virtio_input<samples::MttyParent>(data, size, sample);
}
