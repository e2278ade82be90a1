// SPDX-License-Identifier: GPL-2.0-or-later
#include "samples/common/virtio_sample.hpp"

namespace mdev::samples {

namespace {

Device &mut(const Device &dev)
{
    // The const ops only read; the view is shared with the mutating ones.
    return const_cast<Device &>(dev);
}

} // namespace

bool VirtioSampleOps::live(std::uint8_t status)
{
    return (status & VIRTIO_CONFIG_S_DRIVER_OK) && !(status & VIRTIO_CONFIG_S_NEEDS_RESET);
}

bool VirtioSampleOps::queue_exists(Device &dev, std::uint16_t idx, const char *what) const
{
    if (idx < view(dev).vqs.size()) {
        return true;
    }
    dev.guest_error("%s: no virtqueue %u", what, idx);
    return false;
}

std::uint8_t VirtioSampleOps::get_status(const Device &dev) const
{
    return view(mut(dev)).status;
}

void VirtioSampleOps::set_status(Device &dev, std::uint8_t status) const
{
    VirtioView v = view(dev);
    if (status == 0) {
        reset(dev);
        return;
    }
    const bool was_live = live(v.status);
    // NEEDS_RESET is the device's to set and only a reset clears it.
    v.status = status | (v.status & VIRTIO_CONFIG_S_NEEDS_RESET);
    if (!was_live && live(v.status)) {
        drive(dev); // work the driver queued before DRIVER_OK
    }
}

void VirtioSampleOps::set_config_cb(Device &dev, virtio::Callback *cb) const
{
    view(dev).config_cb = cb;
}

void VirtioSampleOps::set_vq_num(Device &dev, std::uint16_t idx, std::uint16_t num) const
{
    if (!queue_exists(dev, idx, "set_vq_num")) {
        return;
    }
    const std::uint16_t max = get_vq_num_max(dev, idx);
    if (!VringDevice::valid_num(num, max)) {
        dev.guest_error("virtqueue %u: size %u is not a power of two in 1..%u; kept %u", idx,
                        num, max, view(dev).vqs[idx].num);
        return;
    }
    view(dev).vqs[idx].num = num;
}

void VirtioSampleOps::set_vq_address(Device &dev, std::uint16_t idx, std::uint64_t desc_area,
                                     std::uint64_t driver_area,
                                     std::uint64_t device_area) const
{
    if (!queue_exists(dev, idx, "set_vq_address")) {
        return;
    }
    VringState &q = view(dev).vqs[idx];
    q.desc = desc_area;
    q.avail = driver_area;
    q.used = device_area;
}

void VirtioSampleOps::set_vq_ready(Device &dev, std::uint16_t idx, bool ready) const
{
    if (!queue_exists(dev, idx, "set_vq_ready")) {
        return;
    }
    view(dev).vqs[idx].ready = ready;
}

bool VirtioSampleOps::get_vq_ready(const Device &dev, std::uint16_t idx) const
{
    VirtioView v = view(mut(dev));
    return idx < v.vqs.size() && v.vqs[idx].ready;
}

void VirtioSampleOps::set_vq_cb(Device &dev, std::uint16_t idx, virtio::Callback *cb) const
{
    if (queue_exists(dev, idx, "set_vq_cb")) {
        view(dev).vq_cbs[idx] = cb;
    }
}

void VirtioSampleOps::kick_vq(Device &dev, std::uint16_t idx) const
{
    if (!queue_exists(dev, idx, "kick")) {
        return;
    }
    if (live(view(dev).status)) {
        drive(dev);
    }
}

void VirtioSampleOps::set_vq_state(Device &dev, std::uint16_t idx, std::uint16_t avail_idx) const
{
    if (!queue_exists(dev, idx, "set_vq_state")) {
        return;
    }
    // The device completes in order, so an idle ring has used == avail.
    VringState &q = view(dev).vqs[idx];
    q.last_avail_idx = avail_idx;
    q.used_idx = avail_idx;
}

std::uint16_t VirtioSampleOps::get_vq_state(const Device &dev, std::uint16_t idx) const
{
    VirtioView v = view(mut(dev));
    return idx < v.vqs.size() ? v.vqs[idx].last_avail_idx : 0;
}

VringDevice VirtioSampleOps::ring(Device &dev, std::uint16_t idx, const char *name) const
{
    VringDevice r(view(dev).vqs[idx], *dev.host(), name, dev.uuid_text());
    r.set_faults(dev.faults(), idx);
    return r;
}

void VirtioSampleOps::needs_reset(Device &dev) const
{
    VirtioView v = view(dev);
    if (v.status & VIRTIO_CONFIG_S_NEEDS_RESET) {
        return;
    }
    v.status |= VIRTIO_CONFIG_S_NEEDS_RESET;
    if (v.config_cb) {
        v.config_cb->notify();
    }
}

std::uint32_t VirtioSampleOps::resets(Device &dev) const
{
    std::uint32_t sum = 0;
    for (const VringState &q : view(dev).vqs) {
        sum += q.resets; // each only grows, so the sum moves with any
    }
    return sum;
}

void VirtioSampleOps::drive(Device &dev) const
{
    const std::uint32_t before = resets(dev);
    if (!run(dev) && resets(dev) == before) {
        needs_reset(dev);
    }
}

void VirtioSampleOps::notify_vq(Device &dev, std::uint16_t idx, VringDevice &r) const
{
    virtio::Callback *cb = view(dev).vq_cbs[idx];
    // Nothing published (drop-used took every entry of the pass): nothing
    // to interrupt for, as a device that lost its completions.
    if (r.published() == 0) {
        return;
    }
    if (r.driver_wants_interrupt() && cb) {
        cb->notify();
    }
}

void VirtioSampleOps::reset(Device &dev) const
{
    VirtioView v = view(dev);
    v.status = 0;
    v.features = 0;
    for (std::uint16_t i = 0; i < v.vqs.size(); i++) {
        VringDevice::reset(v.vqs[i], get_vq_num_max(dev, i));
    }
    reset_device(dev);
}

} // namespace mdev::samples
