// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtio/transport.hpp"
#include "hw/mdev/le_bytes.hpp"
#include "hw/mdev/uapi/virtio_ring.hpp"

#include <linux/virtio_ids.h>

#include <algorithm>
#include <bit>
#include <cinttypes>
#include <string>

namespace mdev::virtio {

namespace {

// PCI identity values no UAPI header names: the vendor id and class codes
// live in the kernel's internal <linux/pci_ids.h>, the modern device-id base
// in its virtio_pci_modern_dev.h, and 0x1100 is QEMU's subsystem id.
constexpr std::uint16_t kVirtioPciVendor = 0x1af4;
constexpr std::uint16_t kModernDeviceBase = 0x1040;
// Modern device ids run 0x1040..0x107f (virtio 1.x §4.1.2.1).
constexpr std::uint32_t kMaxDeviceId = 0x3f;
constexpr std::uint16_t kQemuSubsystemId = 0x1100;
constexpr std::uint16_t kClassNetEthernet = 0x0200;
constexpr std::uint16_t kClassCommOther = 0x0780;
constexpr std::uint16_t kClassOther = 0xff00;

constexpr std::uint64_t kAccessPlatform = std::uint64_t(1) << VIRTIO_F_ACCESS_PLATFORM;

// The width of the common-config field starting at `offset` (0: none).
// 64-bit fields are accessed as two 32-bit halves (§4.1.3.1), so each half
// is a 32-bit field here.
unsigned common_field_width(std::uint32_t offset)
{
    switch (offset) {
    case VIRTIO_PCI_COMMON_STATUS:
    case VIRTIO_PCI_COMMON_CFGGENERATION:
        return 1;
    case VIRTIO_PCI_COMMON_MSIX:
    case VIRTIO_PCI_COMMON_NUMQ:
    case VIRTIO_PCI_COMMON_Q_SELECT:
    case VIRTIO_PCI_COMMON_Q_SIZE:
    case VIRTIO_PCI_COMMON_Q_MSIX:
    case VIRTIO_PCI_COMMON_Q_ENABLE:
    case VIRTIO_PCI_COMMON_Q_NOFF:
        return 2;
    case VIRTIO_PCI_COMMON_DFSELECT:
    case VIRTIO_PCI_COMMON_DF:
    case VIRTIO_PCI_COMMON_GFSELECT:
    case VIRTIO_PCI_COMMON_GF:
    case VIRTIO_PCI_COMMON_Q_DESCLO:
    case VIRTIO_PCI_COMMON_Q_DESCHI:
    case VIRTIO_PCI_COMMON_Q_AVAILLO:
    case VIRTIO_PCI_COMMON_Q_AVAILHI:
    case VIRTIO_PCI_COMMON_Q_USEDLO:
    case VIRTIO_PCI_COMMON_Q_USEDHI:
        return 4;
    default:
        return 0;
    }
}

bool common_field_read_only(std::uint32_t offset)
{
    return offset == VIRTIO_PCI_COMMON_DF || offset == VIRTIO_PCI_COMMON_NUMQ ||
           offset == VIRTIO_PCI_COMMON_CFGGENERATION ||
           offset == VIRTIO_PCI_COMMON_Q_NOFF;
}

void set_half(std::uint64_t &field, bool high, std::uint32_t value)
{
    if (high) {
        field = (field & 0xffffffffu) | (std::uint64_t(value) << 32);
    } else {
        field = (field & ~std::uint64_t(0xffffffffu)) | value;
    }
}

std::uint32_t get_half(std::uint64_t field, bool high)
{
    return static_cast<std::uint32_t>(high ? field >> 32 : field);
}

} // namespace

Result<std::unique_ptr<Transport>> Transport::create(Device &dev)
{
    const VirtioOps *ops = dev.ops<VirtioOps>();
    if (!ops) {
        return Error{Errc::probe_failed, "the mdev is not of class virtio"};
    }
    if (!dev.host()) {
        return Error{Errc::probe_failed, "no host to show the virtio device in"};
    }
    auto t = std::make_unique<Transport>(Token{}, dev, *ops, *dev.host());
    Status found = t->discover();
    if (!found) {
        return found.error();
    }
    t->faults_ = VirtioFaults::declare(dev.faults());
    t->faults_declared_ = true;
    dev.faults().set_action(t->faults_.needs_reset, [tr = t.get()](const FaultArgs &) {
        tr->needs_reset_ = true;
        tr->config_interrupt();
    });
    dev.faults().set_action(t->faults_.config_change,
                            [tr = t.get()](const FaultArgs &) { tr->config_interrupt(); });
    ops->open(dev);
    t->opened_ = true;
    return t;
}

Transport::Transport(Token, Device &dev, const VirtioOps &ops, Host &host)
    : dev_(dev), ops_(ops), host_(host)
{
    for (std::uint16_t i = 0; i < kMaxQueues; i++) {
        queue_cb_[i].transport = this;
        queue_cb_[i].index = i;
    }
    config_cb_.transport = this;
}

Transport::~Transport()
{
    // The faults' actions call this transport (one refused by discover()
    // never declared them).
    if (faults_declared_) {
        dev_.faults().set_action(faults_.needs_reset, nullptr);
        dev_.faults().set_action(faults_.config_change, nullptr);
    }
    if (opened_) {
        ops_.release(dev_);
    }
    // The device must not call back into a transport that is gone.
    for (std::uint16_t i = 0; i < num_queues_; i++) {
        ops_.set_vq_cb(dev_, i, nullptr);
    }
    ops_.set_config_cb(dev_, nullptr);
}

Status Transport::discover()
{
    const std::uint32_t id = ops_.get_device_id(dev_);
    if (id == 0) {
        return Error{Errc::probe_failed, "the device has virtio device id 0 (no device)"};
    }
    if (id > kMaxDeviceId) {
        return Error{Errc::probe_failed, "virtio device id " + std::to_string(id) +
                                             " has no virtio-pci modern device id"};
    }
    while (num_queues_ < kMaxQueues) {
        const std::uint16_t max = ops_.get_vq_num_max(dev_, num_queues_);
        if (max == 0) {
            break;
        }
        queue_max_[num_queues_++] = max;
    }

    const std::uint32_t vendor = ops_.get_vendor_id(dev_);
    identity_.vendor_id = kVirtioPciVendor;
    identity_.device_id = std::uint16_t(kModernDeviceBase + id);
    identity_.revision = 1; // modern-only device (§4.1.2.1)
    // The subsystem vendor is the virtio vendor id where it fits in 16 bits.
    identity_.subsystem_vendor_id =
        (vendor != 0 && vendor <= 0xffff) ? std::uint16_t(vendor) : kVirtioPciVendor;
    identity_.subsystem_id = kQemuSubsystemId;
    identity_.class_code = id == VIRTIO_ID_NET       ? kClassNetEthernet
                           : id == VIRTIO_ID_CONSOLE ? kClassCommOther
                                                    : kClassOther;
    identity_.virtio_device_id = id;
    identity_.num_queues = num_queues_;
    identity_.config_size =
        std::min<std::uint32_t>(ops_.get_config_size(dev_), MDEV_VIRTIO_PAGE);

    reset_registers();
    ops_.set_config_cb(dev_, &config_cb_);
    return Ok{};
}

std::uint64_t Transport::offered_features() const
{
    return ops_.get_features(dev_) | (access_platform_ ? kAccessPlatform : 0);
}

// What the device is told the driver accepted: ACCESS_PLATFORM is the
// transport's unless the device offers it itself.
std::uint64_t Transport::device_features(std::uint64_t accepted) const
{
    return ops_.get_features(dev_) & kAccessPlatform ? accepted
                                                     : accepted & ~kAccessPlatform;
}

bool Transport::dma_translated() const
{
    return access_platform_ && (state_.driver_features & kAccessPlatform) &&
           (ops_.get_status(dev_) & VIRTIO_CONFIG_S_FEATURES_OK);
}

void Transport::reset_registers()
{
    const std::uint8_t msix_enabled = state_.msix_enabled;
    state_ = MdevVirtioTransportState{};
    state_.msix_enabled = msix_enabled; // PCI state, not the device's
    state_.msix_config = VIRTIO_MSI_NO_VECTOR;
    for (unsigned i = 0; i < kMaxQueues; i++) {
        state_.queue[i].size = queue_max_[i];
        state_.queue[i].msix_vector = VIRTIO_MSI_NO_VECTOR;
    }
}

void Transport::reset()
{
    needs_reset_ = false;
    ops_.set_status(dev_, 0);
    reset_registers();
    ops_.set_config_cb(dev_, &config_cb_);
    update_intx();
}

std::uint64_t Transport::bar_read(std::uint64_t offset, unsigned size)
{
    const std::uint64_t page = offset / MDEV_VIRTIO_PAGE;
    const std::uint64_t off = offset % MDEV_VIRTIO_PAGE;
    switch (page * MDEV_VIRTIO_PAGE) {
    case MDEV_VIRTIO_COMMON_OFFSET:
        return common_access_ok(std::uint32_t(off), size, false)
                   ? common_read(std::uint32_t(off), size)
                   : 0;
    case MDEV_VIRTIO_ISR_OFFSET:
        return isr_read(off, size);
    case MDEV_VIRTIO_DEVICE_OFFSET:
        return device_config_read(off, size);
    case MDEV_VIRTIO_NOTIFY_OFFSET:
        dev_.guest_error("virtio: read of notify structure at 0x%" PRIx64 " (write-only)", off);
        return 0;
    default:
        dev_.guest_error("virtio: read at BAR offset 0x%" PRIx64 " outside the structures",
                         offset);
        return 0;
    }
}

void Transport::bar_write(std::uint64_t offset, std::uint64_t value, unsigned size)
{
    const std::uint64_t page = offset / MDEV_VIRTIO_PAGE;
    const std::uint64_t off = offset % MDEV_VIRTIO_PAGE;
    switch (page * MDEV_VIRTIO_PAGE) {
    case MDEV_VIRTIO_COMMON_OFFSET:
        if (common_access_ok(std::uint32_t(off), size, true)) {
            common_write(std::uint32_t(off), std::uint32_t(value), size);
        }
        return;
    case MDEV_VIRTIO_ISR_OFFSET:
        dev_.guest_error("virtio: write to ISR status (read-only)");
        return;
    case MDEV_VIRTIO_DEVICE_OFFSET:
        device_config_write(off, value, size);
        return;
    case MDEV_VIRTIO_NOTIFY_OFFSET:
        notify_write(off, size);
        return;
    default:
        dev_.guest_error("virtio: write at BAR offset 0x%" PRIx64 " outside the structures",
                         offset);
        return;
    }
}

bool Transport::common_access_ok(std::uint32_t offset, unsigned size, bool write)
{
    const unsigned width = offset < MDEV_VIRTIO_COMMON_SIZE ? common_field_width(offset) : 0;
    if (width == 0) {
        dev_.guest_error("virtio: common config %s at 0x%x (size %u) is not a field",
                         write ? "write" : "read", offset, size);
        return false;
    }
    if (size != width) {
        dev_.guest_error("virtio: common config %s at 0x%x has size %u, the field has %u",
                         write ? "write" : "read", offset, size, width);
        return false;
    }
    if (write && common_field_read_only(offset)) {
        dev_.guest_error("virtio: write to read-only common config field 0x%x", offset);
        return false;
    }
    return true;
}

MdevVirtioQueueState *Transport::selected_queue()
{
    return state_.queue_select < num_queues_ ? &state_.queue[state_.queue_select] : nullptr;
}

std::uint64_t Transport::common_read(std::uint32_t offset, unsigned)
{
    MdevVirtioQueueState *q = selected_queue();
    switch (offset) {
    case VIRTIO_PCI_COMMON_DFSELECT:
        return state_.device_feature_select;
    case VIRTIO_PCI_COMMON_DF: {
        const std::uint64_t features = offered_features();
        // Only two 32-bit words of features exist; the rest read 0 (§4.1.4.3).
        return state_.device_feature_select < 2
                   ? get_half(features, state_.device_feature_select == 1)
                   : 0;
    }
    case VIRTIO_PCI_COMMON_GFSELECT:
        return state_.driver_feature_select;
    case VIRTIO_PCI_COMMON_GF:
        return state_.driver_feature_select < 2
                   ? get_half(state_.driver_features, state_.driver_feature_select == 1)
                   : 0;
    case VIRTIO_PCI_COMMON_MSIX:
        return state_.msix_config;
    case VIRTIO_PCI_COMMON_NUMQ:
        return num_queues_;
    case VIRTIO_PCI_COMMON_STATUS:
        return ops_.get_status(dev_) | (needs_reset_ ? VIRTIO_CONFIG_S_NEEDS_RESET : 0);
    case VIRTIO_PCI_COMMON_CFGGENERATION:
        return ops_.get_generation(dev_) & 0xff;
    case VIRTIO_PCI_COMMON_Q_SELECT:
        return state_.queue_select;
    case VIRTIO_PCI_COMMON_Q_SIZE:
        // A queue that does not exist reads size 0 (§4.1.4.3.2).
        return q ? q->size : 0;
    case VIRTIO_PCI_COMMON_Q_MSIX:
        return q ? q->msix_vector : VIRTIO_MSI_NO_VECTOR;
    case VIRTIO_PCI_COMMON_Q_ENABLE:
        return q ? q->enabled : 0;
    case VIRTIO_PCI_COMMON_Q_NOFF:
        return q ? state_.queue_select : 0;
    case VIRTIO_PCI_COMMON_Q_DESCLO:
    case VIRTIO_PCI_COMMON_Q_DESCHI:
        return q ? get_half(q->desc, offset == VIRTIO_PCI_COMMON_Q_DESCHI) : 0;
    case VIRTIO_PCI_COMMON_Q_AVAILLO:
    case VIRTIO_PCI_COMMON_Q_AVAILHI:
        return q ? get_half(q->driver, offset == VIRTIO_PCI_COMMON_Q_AVAILHI) : 0;
    case VIRTIO_PCI_COMMON_Q_USEDLO:
    case VIRTIO_PCI_COMMON_Q_USEDHI:
        return q ? get_half(q->device, offset == VIRTIO_PCI_COMMON_Q_USEDHI) : 0;
    }
    return 0;
}

void Transport::common_write(std::uint32_t offset, std::uint32_t value, unsigned)
{
    switch (offset) {
    case VIRTIO_PCI_COMMON_DFSELECT:
        state_.device_feature_select = value;
        return;
    case VIRTIO_PCI_COMMON_GFSELECT:
        state_.driver_feature_select = value;
        return;
    case VIRTIO_PCI_COMMON_GF:
        if (ops_.get_status(dev_) & VIRTIO_CONFIG_S_FEATURES_OK) {
            dev_.guest_error("virtio: driver_feature written after FEATURES_OK; ignored");
            return;
        }
        if (state_.driver_feature_select >= 2) {
            if (value != 0) {
                dev_.guest_error("virtio: driver_feature word %u does not exist; ignored",
                                 state_.driver_feature_select);
            }
            return;
        }
        set_half(state_.driver_features, state_.driver_feature_select == 1, value);
        return;
    case VIRTIO_PCI_COMMON_MSIX:
        // A vector the function does not have cannot be mapped: the device
        // answers NO_VECTOR (§4.1.5.1.2).
        state_.msix_config = std::uint16_t(value) < num_vectors() ? std::uint16_t(value)
                                                                  : VIRTIO_MSI_NO_VECTOR;
        return;
    case VIRTIO_PCI_COMMON_STATUS:
        write_status(std::uint8_t(value));
        return;
    case VIRTIO_PCI_COMMON_Q_SELECT:
        state_.queue_select = std::uint16_t(value);
        return;
    default:
        break;
    }

    MdevVirtioQueueState *q = selected_queue();
    if (!q) {
        dev_.guest_error("virtio: write to common config 0x%x for queue %u, which does not exist",
                         offset, state_.queue_select);
        return;
    }
    const std::uint16_t idx = state_.queue_select;
    if (offset == VIRTIO_PCI_COMMON_Q_MSIX) {
        q->msix_vector =
            std::uint16_t(value) < num_vectors() ? std::uint16_t(value) : VIRTIO_MSI_NO_VECTOR;
        return;
    }
    if (offset == VIRTIO_PCI_COMMON_Q_ENABLE) {
        if (value == 1) {
            enable_queue(idx);
        } else {
            // The driver may not write 0 to queue_enable (§4.1.4.3.2): a
            // queue is disabled only by a reset.
            dev_.guest_error("virtio: queue_enable %u written for queue %u; only 1 is allowed",
                             value, idx);
        }
        return;
    }
    if (q->enabled) {
        dev_.guest_error("virtio: common config 0x%x written for queue %u while it is enabled",
                         offset, idx);
        return;
    }
    switch (offset) {
    case VIRTIO_PCI_COMMON_Q_SIZE:
        // Split rings need a power of two no larger than the device's max.
        if (value == 0 || !std::has_single_bit(value) || value > queue_max_[idx]) {
            dev_.guest_error("virtio: queue %u size %u refused (power of two up to %u)", idx,
                             value, queue_max_[idx]);
            return;
        }
        q->size = std::uint16_t(value);
        return;
    case VIRTIO_PCI_COMMON_Q_DESCLO:
    case VIRTIO_PCI_COMMON_Q_DESCHI:
        set_half(q->desc, offset == VIRTIO_PCI_COMMON_Q_DESCHI, value);
        return;
    case VIRTIO_PCI_COMMON_Q_AVAILLO:
    case VIRTIO_PCI_COMMON_Q_AVAILHI:
        set_half(q->driver, offset == VIRTIO_PCI_COMMON_Q_AVAILHI, value);
        return;
    case VIRTIO_PCI_COMMON_Q_USEDLO:
    case VIRTIO_PCI_COMMON_Q_USEDHI:
        set_half(q->device, offset == VIRTIO_PCI_COMMON_Q_USEDHI, value);
        return;
    }
}

void Transport::write_status(std::uint8_t status)
{
    if (status == 0) {
        reset();
        return;
    }
    if (needs_reset_) {
        // An injected needs-reset stops the device as its own would: it
        // takes nothing from the driver but the reset (device_status 0),
        // so no new DRIVER_OK starts its datapath.
        return;
    }
    const std::uint8_t old = ops_.get_status(dev_);
    if ((status & VIRTIO_CONFIG_S_FEATURES_OK) && !(old & VIRTIO_CONFIG_S_FEATURES_OK)) {
        const std::uint64_t offered = offered_features();
        const std::uint64_t wanted = state_.driver_features;
        const char *why = nullptr;
        if (!(wanted & (std::uint64_t(1) << VIRTIO_F_VERSION_1))) {
            why = "VERSION_1 is not negotiated";
        } else if (wanted & ~offered) {
            why = "it accepts features the device does not offer";
        } else if (access_platform_ && !(wanted & kAccessPlatform)) {
            why = "ACCESS_PLATFORM is not negotiated (the device is behind the "
                  "platform's IOMMU: iommu_platform=on)";
        } else if (!ops_.set_features(dev_, device_features(wanted))) {
            why = "the device refused them";
        }
        if (why) {
            // FEATURES_OK then reads back clear, which tells the driver
            // (§3.1.1 step 6).
            dev_.guest_error("virtio: features 0x%" PRIx64 " not accepted: %s", wanted, why);
            status &= std::uint8_t(~VIRTIO_CONFIG_S_FEATURES_OK);
        }
    }
    ops_.set_status(dev_, status);
}

void Transport::enable_queue(std::uint16_t idx)
{
    MdevVirtioQueueState &q = state_.queue[idx];
    if (q.enabled) {
        return;
    }
    if (!(ops_.get_status(dev_) & VIRTIO_CONFIG_S_FEATURES_OK)) {
        dev_.guest_error("virtio: queue %u enabled before FEATURES_OK; ignored", idx);
        return;
    }
    if (!std::has_single_bit(q.size)) {
        dev_.guest_error("virtio: queue %u size %u is not a power of two; not enabled", idx,
                         q.size);
        return;
    }
    if (q.desc % VRING_DESC_ALIGN_SIZE || q.driver % VRING_AVAIL_ALIGN_SIZE ||
        q.device % VRING_USED_ALIGN_SIZE) {
        dev_.guest_error("virtio: queue %u areas misaligned (desc 0x%" PRIx64 " driver 0x%" PRIx64
                         " device 0x%" PRIx64 "); not enabled",
                         idx, q.desc, q.driver, q.device);
        return;
    }
    ops_.set_vq_num(dev_, idx, q.size);
    ops_.set_vq_address(dev_, idx, q.desc, q.driver, q.device);
    ops_.set_vq_cb(dev_, idx, &queue_cb_[idx]);
    ops_.set_vq_ready(dev_, idx, true);
    q.enabled = 1;
}

std::uint8_t Transport::isr_read(std::uint64_t offset, unsigned size)
{
    if (offset != 0 || size != 1) {
        dev_.guest_error("virtio: ISR read at 0x%" PRIx64 " size %u (one byte at 0)", offset,
                         size);
        return 0;
    }
    // Reading ISR acknowledges it and deasserts INTx (§4.1.4.5).
    const std::uint8_t isr = state_.isr;
    state_.isr = 0;
    update_intx();
    return isr;
}

bool Transport::device_config_access_ok(std::uint64_t offset, unsigned size, const char *what)
{
    const std::uint64_t cfg_size =
        std::min<std::uint64_t>(ops_.get_config_size(dev_), MDEV_VIRTIO_PAGE);
    if (size != 1 && size != 2 && size != 4 && size != 8) {
        dev_.guest_error("virtio: device config %s at 0x%" PRIx64 " has size %u", what, offset,
                         size);
        return false;
    }
    if (offset % size) {
        dev_.guest_error("virtio: device config %s at 0x%" PRIx64 " size %u is misaligned", what,
                         offset, size);
        return false;
    }
    if (offset + size > cfg_size) {
        dev_.guest_error("virtio: device config %s at 0x%" PRIx64 " size %u past its end (%" PRIu64
                         " bytes)",
                         what, offset, size, cfg_size);
        return false;
    }
    return true;
}

std::uint64_t Transport::device_config_read(std::uint64_t offset, unsigned size)
{
    if (!device_config_access_ok(offset, size, "read")) {
        return 0;
    }
    std::array<std::uint8_t, 8> buf{};
    std::span<std::uint8_t> bytes(buf.data(), size);
    ops_.get_config(dev_, std::uint32_t(offset), bytes);
    return load_le(bytes);
}

void Transport::device_config_write(std::uint64_t offset, std::uint64_t value, unsigned size)
{
    if (!device_config_access_ok(offset, size, "write")) {
        return;
    }
    std::array<std::uint8_t, 8> buf{};
    std::span<std::uint8_t> bytes(buf.data(), size);
    store_le(bytes, value);
    ops_.set_config(dev_, std::uint32_t(offset), bytes);
}

void Transport::notify_write(std::uint64_t offset, unsigned size)
{
    if (offset % MDEV_VIRTIO_NOTIFY_MULTIPLIER || (size != 2 && size != 4)) {
        dev_.guest_error("virtio: notify at 0x%" PRIx64 " size %u (a 16-bit write at a "
                         "queue's doorbell)",
                         offset, size);
        return;
    }
    // The doorbell's address names the queue (queue_notify_off = index).
    const std::uint64_t idx = offset / MDEV_VIRTIO_NOTIFY_MULTIPLIER;
    if (idx >= num_queues_) {
        dev_.guest_error("virtio: notify for queue %" PRIu64 ", which does not exist", idx);
        return;
    }
    if (!state_.queue[idx].enabled) {
        dev_.guest_error("virtio: notify for queue %" PRIu64 ", which is not enabled", idx);
        return;
    }
    if (needs_reset_) {
        return; // an injected needs-reset: the device moves nothing until reset
    }
    ops_.kick_vq(dev_, std::uint16_t(idx));
}

void Transport::set_msix_enabled(bool enabled)
{
    state_.msix_enabled = enabled;
    update_intx();
}

void Transport::queue_interrupt(std::uint16_t idx)
{
    if (idx >= num_queues_) {
        return;
    }
    if (state_.msix_enabled) {
        if (state_.queue[idx].msix_vector != VIRTIO_MSI_NO_VECTOR) {
            host_.notify_msi(state_.queue[idx].msix_vector);
        }
        return;
    }
    state_.isr |= kIsrQueue;
    update_intx();
}

void Transport::config_interrupt()
{
    if (state_.msix_enabled) {
        if (state_.msix_config != VIRTIO_MSI_NO_VECTOR) {
            host_.notify_msi(state_.msix_config);
        }
        return;
    }
    state_.isr |= VIRTIO_PCI_ISR_CONFIG;
    update_intx();
}

void Transport::update_intx()
{
    const bool level = !state_.msix_enabled && state_.isr != 0;
    if (level != intx_level_) {
        intx_level_ = level;
        host_.set_intx(level);
    }
}

bool Transport::post_load()
{
    auto vector_ok = [this](std::uint16_t v) {
        return v == VIRTIO_MSI_NO_VECTOR || v < num_vectors();
    };
    // Said through guest_error: the frontend shows these lines to the user
    // when the stream is refused (mdev_pci_check_loaded).
    if (state_.msix_enabled > 1 || !vector_ok(state_.msix_config) ||
        (state_.isr & ~(kIsrQueue | VIRTIO_PCI_ISR_CONFIG))) {
        dev_.guest_error("virtio: migrated transport state: MSI-X enable %u, config vector "
                         "%u of %u, ISR 0x%x: refused",
                         state_.msix_enabled, state_.msix_config, num_vectors(), state_.isr);
        return false;
    }
    if ((state_.driver_features & kAccessPlatform) && !access_platform_) {
        dev_.guest_error("virtio: migrated driver features 0x%" PRIx64 " have ACCESS_PLATFORM, "
                         "which this device does not offer (iommu_platform=off): refused",
                         state_.driver_features);
        return false;
    }
    for (unsigned i = 0; i < kMaxQueues; i++) {
        const MdevVirtioQueueState &q = state_.queue[i];
        if (i >= num_queues_) {
            if (q.size != 0 || q.enabled != 0) {
                dev_.guest_error("virtio: migrated queue %u: this device has %u queues: refused",
                                 i, num_queues_);
                return false;
            }
            continue;
        }
        // The reset value (the max) need not be a power of two; an enabled
        // ring's size must be.
        if (q.size == 0 || q.size > queue_max_[i] || q.enabled > 1 ||
            (q.enabled && !std::has_single_bit(q.size)) || !vector_ok(q.msix_vector)) {
            dev_.guest_error("virtio: migrated queue %u: size %u (max %u), enabled %u, "
                             "vector %u of %u: refused",
                             i, q.size, queue_max_[i], q.enabled, q.msix_vector, num_vectors());
            return false;
        }
    }
    // The device migrates its own queues; it needs the callbacks again.
    for (std::uint16_t i = 0; i < num_queues_; i++) {
        if (state_.queue[i].enabled) {
            ops_.set_vq_cb(dev_, i, &queue_cb_[i]);
        }
    }
    ops_.set_config_cb(dev_, &config_cb_);
    intx_level_ = !(!state_.msix_enabled && state_.isr != 0); // force a report
    update_intx();
    return true;
}

} // namespace mdev::virtio
