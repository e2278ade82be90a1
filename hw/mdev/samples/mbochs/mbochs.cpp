// SPDX-License-Identifier: GPL-2.0-or-later
#include "samples/mbochs/mbochs.hpp"

#include "hw/mdev/declaration.hpp"

namespace mdev::samples {

namespace {

EdidBlock edid_for(const MbochsTypeSpec &spec)
{
    if (spec.max_xres == 0 || spec.max_yres == 0) {
        return edid_generate(kMbochsDefaultXres, kMbochsDefaultYres);
    }
    return edid_generate(spec.max_xres, spec.max_yres);
}

} // namespace

MbochsMdev::MbochsMdev(const MbochsTypeSpec &spec)
    : spec_(spec), vram_(std::size_t(spec.megabytes) << 20), edid_(edid_for(spec))
{
    mbochs_config_init(state_, vram_.size());
    reset();
}

void MbochsMdev::reset()
{
    dispi().reset();
}

bool MbochsMdev::post_load()
{
    return dispi().state_is_valid() && mbochs_config_is_valid(state_, vram_.size());
}

MbochsParent::MbochsParent()
    : types_{
          {"mbochs-small", "Small", "virtual display, 4 MB video memory", "vfio-pci"},
          {"mbochs-medium", "Medium", "virtual display, 16 MB video memory", "vfio-pci"},
          {"mbochs-large", "Large", "virtual display, 64 MB video memory", "vfio-pci"},
      },
      specs_{{4, 800, 600}, {16, 1920, 1440}, {64, 0, 0}}
{
}

const MbochsTypeSpec &MbochsParent::spec_of(const MdevType &type) const
{
    for (std::size_t i = 0; i < types_.size(); i++) {
        if (types_[i].id == type.id) {
            return specs_[i];
        }
    }
    return specs_.front(); // the core only passes types this parent listed
}

unsigned MbochsParent::available_instances(const MdevType &type) const
{
    return (kMbochsTotalMegabytes - mb_used_) / spec_of(type).megabytes;
}

Result<std::unique_ptr<VendorState>> MbochsParent::create(const CreateArgs &args)
{
    const MbochsTypeSpec &spec = spec_of(args.type);
    if (mb_used_ + spec.megabytes > kMbochsTotalMegabytes) {
        return Error{Errc::budget_exhausted,
                     "parent 'mbochs' has " + std::to_string(kMbochsTotalMegabytes) +
                         " MB of video memory in all and " + std::to_string(mb_used_) +
                         " MB in use; '" + args.type.id + "' needs " +
                         std::to_string(spec.megabytes) + " MB"};
    }
    auto dev = std::make_unique<MbochsMdev>(spec);
    if (!dev->ok()) {
        return Error{Errc::budget_exhausted, "mbochs: cannot map " +
                                                 std::to_string(spec.megabytes) +
                                                 " MB of video memory"};
    }
    mb_used_ += spec.megabytes;
    return std::unique_ptr<VendorState>(std::move(dev));
}

void MbochsParent::remove(VendorState &state)
{
    mb_used_ -= dynamic_cast<MbochsMdev &>(state).spec().megabytes;
}

Status MbochsParent::register_ops(Core &core) const
{
    return core.register_ops(name(), vfio_ops_);
}

namespace {

// What of an mbochs mdev migrates besides its video memory (RAM).
constexpr migration::Field kDeviceFields[] = {
    MDEV_MIGRATE(MbochsDeviceState, dispi),
    MDEV_MIGRATE(MbochsDeviceState, config),
};
constexpr migration::Struct kDevice =
    migration::describe<MbochsDeviceState>("mbochs/device", 1, kDeviceFields);
constexpr const migration::Struct *kState[] = {&kDevice};

constexpr ParentDeclaration kMbochs = {
    .name = "mbochs",
    .description = "mdev sample: bochs display (DISPI registers, EDID, video memory)",
    .category = MDEV_CATEGORY_DISPLAY,
    .make = make_parent<MbochsParent>,
    .default_type = "mbochs-medium",
    .budget_help = "The parent has 256 MB of video memory in all",
    .state = kState,
};
const Registration kRegisterMbochs(kMbochs);

} // namespace

std::vector<migration::Data> MbochsMdev::migrated(const Device &)
{
    return {{kDevice, state_}};
}

} // namespace mdev::samples
