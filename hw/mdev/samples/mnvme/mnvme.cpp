// SPDX-License-Identifier: GPL-2.0-or-later
#include "samples/mnvme/mnvme.hpp"

#include "hw/mdev/declaration.hpp"
#include "hw/mdev/device.hpp"
#include "hw/mdev/host.hpp"

#include <charconv>
#include <cstdarg>
#include <cstdio>

namespace mdev::samples {

// ---- Ports -----------------------------------------------------------------

// The vfio class's bus-master DMA: RAM only, refused while Bus Master
// Enable is off or once the device is removed.
bool MnvmePorts::read(std::uint64_t addr, std::span<std::uint8_t> out)
{
    return dev && vfio::dma_read(*dev, addr, out);
}

bool MnvmePorts::write(std::uint64_t addr, std::span<const std::uint8_t> in)
{
    return dev && vfio::dma_write(*dev, addr, in);
}

void MnvmePorts::set_intx(bool asserted)
{
    if (intx) {
        intx->set_level(asserted);
    }
}

void MnvmePorts::notify(std::uint16_t vector)
{
    if (msix) {
        msix->notify(vector); // masked: pending in the PBA until unmasked
    }
}

void MnvmePorts::guest_error(const char *fmt, ...)
{
    if (!dev) {
        return;
    }
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    dev->guest_error("%s", buf);
}

// ---- One mdev ----------------------------------------------------------------

MnvmeMdev::MnvmeMdev(nvme::Identity identity,
                     std::array<nvme::Namespace, nvme::kMaxNamespaces> ns, unsigned ram_mib,
                     std::string file)
    : ctrl_(state_, ports_, ports_, ports_, std::move(identity), std::move(ns)),
      ram_mib_(ram_mib), file_(std::move(file))
{
    // The namespaces' storage lives in the controller, as long as this.
    for (std::uint32_t nsid = 1; nsid <= nvme::kMaxNamespaces; nsid++) {
        const nvme::Namespace &n = ctrl_.ns(nsid);
        if (n.storage && !n.storage->persistent()) {
            n.storage->on_first_write([this] { ram_written(); });
        }
    }
    ctrl_.power_on_reset();
}

void MnvmeMdev::ram_written()
{
    // Writes come from the guest's commands, so the device is bound.
    if (ports_.dev) {
        ports_.dev->block_migration(kRamWrittenReason);
    }
}

bool MnvmeMdev::post_load(Device &dev)
{
    // The second defence: a source that could not hold the blocker.
    if (state_.volatile_ns_written) {
        dev.guest_error("mnvme: the source's RAM namespace was written, and RAM namespace "
                        "contents do not migrate (use file=): refused");
        return false;
    }
    return ctrl_.post_load();
}

// The guest of the stream knew the source's serial and UUIDs: Identify
// goes on reporting them.
void MnvmeMdev::uuid_changed(Device &dev)
{
    ctrl_.set_identity(mnvme_identity(dev.uuid(), dev.type()));
}

std::optional<std::string> MnvmeMdev::property(std::string_view name) const
{
    if (name == "shadow-doorbells") {
        return std::string(ctrl_.offers_shadow_doorbells() ? "on" : "off");
    }
    if (name == "mdts") {
        return std::to_string(ctrl_.mdts());
    }
    return std::nullopt;
}

// ---- The parent ----------------------------------------------------------------

Result<std::unique_ptr<Parent>> MnvmeParent::make(const PropertyValues &budget)
{
    Result<std::uint32_t> mib = budget_value(budget, "MiB", 64, kMnvmeMaxBudgetMiB);
    if (!mib) {
        return mib.error();
    }
    return std::unique_ptr<Parent>(std::make_unique<MnvmeParent>(*mib));
}

MnvmeParent::MnvmeParent(unsigned budget_mib)
    : types_{
          {"mnvme-64m", "NVMe 64M", "NVMe 1.4 controller, one 64 MiB RAM namespace", "vfio-pci"},
          {"mnvme-256m", "NVMe 256M", "NVMe 1.4 controller, one 256 MiB RAM namespace",
           "vfio-pci"},
          {"mnvme-1g", "NVMe 1G", "NVMe 1.4 controller, one 1 GiB RAM namespace", "vfio-pci"},
      },
      mib_{64, 256, 1024}, budget_mib_(budget_mib)
{
}

unsigned MnvmeParent::mib_of(const MdevType &type) const
{
    for (std::size_t i = 0; i < types_.size(); i++) {
        if (types_[i].id == type.id) {
            return mib_[i];
        }
    }
    return mib_.front(); // the core only passes types this parent listed
}

unsigned MnvmeParent::available_instances(const MdevType &type) const
{
    return (budget_mib_ - used_mib_) / mib_of(type);
}

namespace {

std::array<std::uint8_t, 16> uuid_bytes(const Uuid &uuid)
{
    std::array<std::uint8_t, 16> out{};
    const std::string text = uuid.to_string();
    unsigned n = 0;
    for (std::size_t i = 0; i + 1 < text.size() && n < 16; i++) {
        if (text[i] == '-') {
            continue;
        }
        auto hex = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
        out[n++] = static_cast<std::uint8_t>(hex(text[i]) << 4 | hex(text[i + 1]));
        i++;
    }
    return out;
}

} // namespace

// What Identify reports: derived from the mdev's UUID and type.
nvme::Identity mnvme_identity(const Uuid &uuid, const MdevType &type)
{
    nvme::Identity identity;
    identity.vid = 0x1af4;   // see mnvme_vfio.cpp for the ids
    identity.ssvid = 0x1af4;
    identity.uuid = uuid_bytes(uuid);
    // Unique per mdev, so that Linux never takes two for one subsystem.
    char serial[21];
    std::snprintf(serial, sizeof(serial), "MNVME%02X%02X%02X%02X%02X%02X", identity.uuid[10],
                  identity.uuid[11], identity.uuid[12], identity.uuid[13], identity.uuid[14],
                  identity.uuid[15]);
    identity.serial = serial;
    identity.model = "QEMU mdev-mnvme " + type.id.substr(6);
    identity.firmware = "1.0";
    return identity;
}

Result<std::unique_ptr<VendorState>> MnvmeParent::create(const CreateArgs &args)
{
    const unsigned mib = mib_of(args.type);
    if (used_mib_ + mib > budget_mib_) {
        return Error{Errc::budget_exhausted,
                     "parent '" + std::string(id()) + "' has " + std::to_string(budget_mib_) +
                         " MiB for namespaces in all and " + std::to_string(used_mib_) +
                         " MiB in use; '" + args.type.id + "' needs " + std::to_string(mib) +
                         " MiB"};
    }
    std::array<nvme::Namespace, nvme::kMaxNamespaces> ns;
    auto ram = std::make_unique<nvme::RamStorage>(std::uint64_t(mib) << 20);
    if (!ram->ok()) {
        return Error{Errc::budget_exhausted,
                     "mnvme: cannot map " + std::to_string(mib) + " MiB for the namespace"};
    }
    ns[0].storage = std::move(ram);
    std::string file;
    if (std::optional<std::string_view> path = args.properties.get("file");
        path && !path->empty()) {
        file = std::string(*path);
        Result<std::unique_ptr<nvme::FileStorage>> f = nvme::FileStorage::open(file);
        if (!f) {
            return f.error();
        }
        ns[1].storage = std::move(*f);
    }
    nvme::Identity identity = mnvme_identity(args.uuid, args.type);
    if (std::optional<std::string_view> v = args.properties.get("shadow-doorbells")) {
        if (*v == "on" || *v == "true" || *v == "yes" || *v == "1") {
            identity.shadow_doorbells = true;
        } else if (*v == "off" || *v == "false" || *v == "no" || *v == "0") {
            identity.shadow_doorbells = false;
        } else {
            return Error{Errc::invalid_property,
                         "property 'shadow-doorbells': '" + std::string(*v) +
                             "' is not on or off"};
        }
    }
    if (std::optional<std::string_view> v = args.properties.get("mdts")) {
        unsigned mdts = 0;
        const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), mdts);
        if (ec != std::errc{} || end != v->data() + v->size() || mdts < 1 ||
            mdts > nvme::kMdtsMax) {
            return Error{Errc::invalid_property, "property 'mdts': '" + std::string(*v) +
                                                     "' is not 1 to " +
                                                     std::to_string(nvme::kMdtsMax)};
        }
        identity.mdts = static_cast<std::uint8_t>(mdts);
    }
    used_mib_ += mib;
    return std::unique_ptr<VendorState>(
        std::make_unique<MnvmeMdev>(std::move(identity), std::move(ns), mib, std::move(file)));
}

void MnvmeParent::remove(VendorState &state)
{
    used_mib_ -= dynamic_cast<MnvmeMdev &>(state).ram_mib();
}

Status MnvmeParent::register_ops(Core &core) const
{
    return core.register_ops(id(), mnvme_vfio_ops());
}

// ---- Declaration and migration ----------------------------------------------

namespace {

using nvme::NvmeControllerState;
using nvme::NvmeCq;
using nvme::NvmeFeatures;
using nvme::NvmeSq;

constexpr migration::Field kSqFields[] = {
    MDEV_MIGRATE(NvmeSq, base), MDEV_MIGRATE(NvmeSq, size), MDEV_MIGRATE(NvmeSq, head),
    MDEV_MIGRATE(NvmeSq, tail), MDEV_MIGRATE(NvmeSq, cqid), MDEV_MIGRATE(NvmeSq, valid),
};
constexpr migration::Struct kSq = migration::describe<NvmeSq>("mnvme/sq", 1, kSqFields);

constexpr migration::Field kCqFields[] = {
    MDEV_MIGRATE(NvmeCq, base),  MDEV_MIGRATE(NvmeCq, size),
    MDEV_MIGRATE(NvmeCq, head),  MDEV_MIGRATE(NvmeCq, tail),
    MDEV_MIGRATE(NvmeCq, vector), MDEV_MIGRATE(NvmeCq, valid),
    MDEV_MIGRATE(NvmeCq, irq_enabled), MDEV_MIGRATE(NvmeCq, phase),
    MDEV_MIGRATE(NvmeCq, msi_pending),
};
constexpr migration::Struct kCq = migration::describe<NvmeCq>("mnvme/cq", 1, kCqFields);

constexpr migration::Field kFeatFields[] = {
    MDEV_MIGRATE(NvmeFeatures, arbitration),   MDEV_MIGRATE(NvmeFeatures, power_mgmt),
    MDEV_MIGRATE(NvmeFeatures, temp_thresh),   MDEV_MIGRATE(NvmeFeatures, err_recovery),
    MDEV_MIGRATE(NvmeFeatures, irq_coalesce),  MDEV_MIGRATE(NvmeFeatures, irq_config_cd),
    MDEV_MIGRATE(NvmeFeatures, write_atomic),  MDEV_MIGRATE(NvmeFeatures, async_event_cfg),
    MDEV_MIGRATE(NvmeFeatures, volatile_wc),   MDEV_MIGRATE(NvmeFeatures, nsqa),
    MDEV_MIGRATE(NvmeFeatures, ncqa),
};
constexpr migration::Struct kFeat =
    migration::describe<NvmeFeatures>("mnvme/features", 1, kFeatFields);

constexpr migration::Field kCtrlFields[] = {
    MDEV_MIGRATE(NvmeControllerState, cc),
    MDEV_MIGRATE(NvmeControllerState, csts),
    MDEV_MIGRATE(NvmeControllerState, aqa),
    MDEV_MIGRATE(NvmeControllerState, intms),
    MDEV_MIGRATE(NvmeControllerState, asq),
    MDEV_MIGRATE(NvmeControllerState, acq),
    MDEV_MIGRATE_STRUCT(NvmeControllerState, sq, kSq),
    MDEV_MIGRATE_STRUCT(NvmeControllerState, cq, kCq),
    MDEV_MIGRATE_STRUCT(NvmeControllerState, feat, kFeat),
    MDEV_MIGRATE(NvmeControllerState, aer_cid),
    MDEV_MIGRATE(NvmeControllerState, aer_count),
    MDEV_MIGRATE(NvmeControllerState, events),
    MDEV_MIGRATE(NvmeControllerState, event_count),
    MDEV_MIGRATE(NvmeControllerState, masked_event_types),
    MDEV_MIGRATE(NvmeControllerState, error_count),
    MDEV_MIGRATE(NvmeControllerState, error_sqid),
    MDEV_MIGRATE(NvmeControllerState, error_cid),
    MDEV_MIGRATE(NvmeControllerState, error_status),
    MDEV_MIGRATE(NvmeControllerState, intx_level),
    MDEV_MIGRATE(NvmeControllerState, volatile_ns_written),
    // Version 2: Doorbell Buffer Config (a version 1 stream has it off).
    MDEV_MIGRATE_SINCE(NvmeControllerState, dbbuf_dbs, 2),
    MDEV_MIGRATE_SINCE(NvmeControllerState, dbbuf_eis, 2),
    MDEV_MIGRATE_SINCE(NvmeControllerState, dbbuf_on, 2),
};
constexpr migration::Struct kCtrl =
    migration::describe<NvmeControllerState>("mnvme/controller", 2, kCtrlFields);
constexpr const migration::Struct *kState[] = {&kCtrl};

constexpr PropertyDecl kProperties[] = {
    {"file", MDEV_PROP_STRING,
     "Backing file (or block device) for namespace 2, opened read-write; its size is rounded "
     "down to 512-byte blocks. Without it, only the RAM namespace 1 exists",
     nullptr},
    {"shadow-doorbells", MDEV_PROP_BOOL,
     "Offer Doorbell Buffer Config (OACS bit 8): the host writes SQ tails and CQ heads to "
     "memory and rings the MMIO doorbells only when the controller asks (on by default)",
     "on"},
    {"mdts", MDEV_PROP_UINT32,
     "Maximum Data Transfer Size in 4 KiB pages as a power of two, 1..10 (8 KiB to 4 MiB per "
     "command; QEMU's nvme and this default: 7, 512 KiB)",
     "7"},
};

constexpr PropertyDecl kMnvmeBudget = {
    "MiB", MDEV_PROP_UINT32,
    "RAM in MiB the parent shares out among its namespaces (mnvme-64m 64, -256m 256, -1g "
    "1024): 64 to 65536",
    "2048"};

constexpr ParentDeclaration kMnvme = {
    .name = "mnvme",
    .description = "mdev sample: NVMe 1.4 controller (RAM namespace, optional file namespace)",
    .category = MDEV_CATEGORY_STORAGE,
    .make = make_parent<MnvmeParent>,
    .default_type = "mnvme-64m",
    .budget_help = "The default parent has 2048 MiB for namespaces in all; -object "
                   "mdev-parent,id=ID,kind=mnvme,budget=MiB makes another (parent=ID)",
    .budget = &kMnvmeBudget,
    .properties = kProperties,
    .state = kState,
};
const Registration kRegisterMnvme(kMnvme);

} // namespace

std::vector<migration::Data> MnvmeMdev::migrated(const Device &)
{
    return {{kCtrl, state_}};
}

} // namespace mdev::samples
