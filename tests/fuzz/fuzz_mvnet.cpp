// SPDX-License-Identifier: GPL-2.0-or-later
// mvnet (virtio-net looping frames back) through the virtio-pci Transport
// over fake guest RAM: frames from TX into RX buffers, hostile rings,
// resets and migration loads.
#include "samples/mvnet/mvnet.hpp"
#include "virtio_sequence.hpp"

namespace {

using namespace mdev;

void mvnet_load(Device &dev, FuzzedDataProvider &in)
{
    samples::MvnetState &s = dev.vendor_state<samples::MvnetMdev>().state();
    switch (in.ConsumeIntegralInRange<unsigned>(0, 3)) {
    case 0: s.status = in.ConsumeIntegral<std::uint8_t>(); break;
    case 1: s.features = in.ConsumeIntegral<std::uint64_t>(); break;
    case 2: s.mac[in.ConsumeIntegralInRange<unsigned>(0, samples::MVNET_MAC_LEN - 1)] =
                in.ConsumeIntegral<std::uint8_t>(); break;
    default:
        fuzz::load_vring_field(s.vq[in.ConsumeIntegralInRange<unsigned>(0, samples::MVNET_NUM_QUEUES - 1)],
                               in);
        break;
    }
}

bool mvnet_post_load(Device &dev)
{
    return dev.vendor_state<samples::MvnetMdev>().state_is_valid();
}

// A frame: the 12-byte virtio-net header, then up to 64 bytes.
std::vector<std::uint8_t> frame(FuzzedDataProvider &in)
{
    std::vector<std::uint8_t> f(samples::vnet::kHdrLen, 0);
    std::vector<std::uint8_t> body =
        in.ConsumeBytes<std::uint8_t>(in.ConsumeIntegralInRange<std::size_t>(0, 64));
    f.insert(f.end(), body.begin(), body.end());
    return f;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static const fuzz::VirtioSample sample{"mvnet", mvnet_load, mvnet_post_load,
                                           {.hot_payload = frame}};
    return fuzz::run_virtio_input<samples::MvnetParent>(data, size, sample);
}
