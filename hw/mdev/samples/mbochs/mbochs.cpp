// SPDX-License-Identifier: GPL-2.0-or-later
#include "samples/mbochs/mbochs.hpp"

#include "hw/mdev/declaration.hpp"
#include "hw/mdev/host.hpp"

#include <charconv>

namespace mdev::samples {

MbochsMdev::MbochsMdev(const MbochsTypeSpec &spec, MbochsDisplay display, int memory_fd)
    : spec_(spec), vram_(std::size_t(spec.megabytes) << 20, memory_fd), display_(std::move(display)),
      edid_(edid_generate(display_.preferred, display_.modes))
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

Result<std::unique_ptr<Parent>> MbochsParent::make(const PropertyValues &budget)
{
    Result<std::uint32_t> mb = budget_value(budget, "MB", 4, kMbochsMaxMegabytes);
    if (!mb) {
        return mb.error();
    }
    return std::unique_ptr<Parent>(std::make_unique<MbochsParent>(*mb));
}

MbochsParent::MbochsParent(unsigned total_megabytes)
    : types_{
          {"mbochs-small", "Small", "virtual display, 4 MB video memory", "vfio-pci"},
          {"mbochs-medium", "Medium", "virtual display, 16 MB video memory", "vfio-pci"},
          {"mbochs-large", "Large", "virtual display, 64 MB video memory", "vfio-pci"},
      },
      // The kernel sample's EDID limits were 800x600, 1920x1440 and none;
      // its 1920x1440 does not fit what bochs-drm takes from 16 MiB, so the
      // preferred modes are those below and the list follows the memory.
      specs_{{4, {800, 600}}, {16, {1920, 1080}}, {64, {1920, 1080}}},
      total_mb_(total_megabytes)
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
    return (total_mb_ - mb_used_) / spec_of(type).megabytes;
}

Result<std::unique_ptr<VendorState>> MbochsParent::create(const CreateArgs &args)
{
    const MbochsTypeSpec &spec = spec_of(args.type);
    if (mb_used_ + spec.megabytes > total_mb_) {
        return Error{Errc::budget_exhausted,
                     "parent '" + std::string(id()) + "' has " + std::to_string(total_mb_) +
                         " MB of video memory in all and " + std::to_string(mb_used_) +
                         " MB in use; '" + args.type.id + "' needs " +
                         std::to_string(spec.megabytes) + " MB"};
    }
    MbochsDisplayRequest request;
    const char *names[] = {"xres", "yres", "xmax", "ymax"};
    std::uint32_t *fields[] = {&request.xres, &request.yres, &request.xmax, &request.ymax};
    for (unsigned i = 0; i < 4; i++) {
        // uint32 properties always arrive, in decimal (the glue's doing).
        if (std::optional<std::string_view> text = args.properties.get(names[i])) {
            const char *end = text->data() + text->size();
            if (std::from_chars(text->data(), end, *fields[i]).ptr != end) {
                return Error{Errc::invalid_property, std::string("property '") + names[i] +
                                                         "': '" + std::string(*text) +
                                                         "' is not a number"};
            }
        }
    }
    Result<MbochsDisplay> display = mbochs_display_for(
        args.type.id, std::size_t(spec.megabytes) << 20, spec.default_preferred, request);
    if (!display) {
        return display.error();
    }
    // Video memory (BAR0) in the machine's memory when it offers some.
    const std::size_t vram = std::size_t(spec.megabytes) << 20;
    const int fd = args.host ? args.host->memory_fd("mbochs video memory", vram) : -1;
    auto dev = std::make_unique<MbochsMdev>(spec, std::move(*display), fd);
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
    return core.register_ops(id(), vfio_ops_);
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

// As QEMU's bochs-display names them (DEFINE_EDID_PROPERTIES). Not
// migrated, like any device property: both sides start with the same.
constexpr PropertyDecl kProperties[] = {
    {"xres", MDEV_PROP_UINT32,
     "EDID preferred width (64..4095); 0: the type's default (mbochs-small 800x600, "
     "-medium and -large 1920x1080). Must fit half the type's video memory at 32 bpp, "
     "as bochs-drm requires",
     nullptr},
    {"yres", MDEV_PROP_UINT32, "EDID preferred height (64..4095), set with xres", nullptr},
    {"xmax", MDEV_PROP_UINT32,
     "Widest mode the EDID offers (64..8192); 0: no bound but the video memory", nullptr},
    {"ymax", MDEV_PROP_UINT32,
     "Tallest mode the EDID offers (64..8192); 0: no bound but the video memory", nullptr},
};

constexpr PropertyDecl kMbochsBudget = {
    "MB", MDEV_PROP_UINT32,
    "Video memory in MB the parent shares out (small 4, medium 16, large 64): 4 to 4096",
    "256"};

constexpr ParentDeclaration kMbochs = {
    .name = "mbochs",
    .description = "mdev sample: bochs display (DISPI registers, EDID, video memory)",
    .category = MDEV_CATEGORY_DISPLAY,
    .make = make_parent<MbochsParent>,
    .default_type = "mbochs-medium",
    .budget_help = "The default parent has 256 MB of video memory in all; -object "
                   "mdev-parent,id=ID,kind=mbochs,budget=MB makes another (parent=ID)",
    .budget = &kMbochsBudget,
    .properties = kProperties,
    .state = kState,
};
const Registration kRegisterMbochs(kMbochs);

} // namespace

std::vector<migration::Data> MbochsMdev::migrated(const Device &)
{
    return {{kDevice, state_}};
}

std::optional<std::string> MbochsMdev::property(std::string_view name) const
{
    if (name == "xres") {
        return std::to_string(display_.preferred.width);
    }
    if (name == "yres") {
        return std::to_string(display_.preferred.height);
    }
    return std::nullopt;
}

} // namespace mdev::samples
