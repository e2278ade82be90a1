// SPDX-License-Identifier: GPL-2.0-or-later
#include "samples/mdpy/mdpy.hpp"

#include "hw/mdev/declaration.hpp"
#include "hw/mdev/host.hpp"
#include "vfio/display_plane.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>

namespace mdev::samples {

namespace {

// The smallest framebuffer (and so BAR0) made: 64 KiB, a whole number of
// pages for every host page size QEMU runs on (LazyMemory maps it
// page-aligned).
constexpr std::size_t kFramebufferAlign = 64 * 1024;

struct MdpyTypeDef {
    const char *id;
    std::uint32_t width;
    std::uint32_t height;
};

constexpr MdpyTypeDef kTypes[] = {
    {"mdpy-vga", 640, 480},
    {"mdpy-xga", 1024, 768},
    {"mdpy-hd", 1920, 1080},
};

MdpyMode mode_of(const MdpyTypeDef &t)
{
    return MdpyMode{t.width, t.height, vfio::drm_format::kXrgb8888, 4};
}

} // namespace

std::uint64_t MdpyMode::framebuffer_size() const
{
    return std::bit_ceil(std::uint64_t(stride()) * height);
}

std::optional<MdpyMode> mdpy_mode_of(std::string_view type_id)
{
    for (const MdpyTypeDef &t : kTypes) {
        if (type_id == t.id) {
            return mode_of(t);
        }
    }
    return std::nullopt;
}

MdpyMdev::MdpyMdev(const MdpyMode &mode, int memory_fd)
    : mode_(mode),
      fb_(std::max<std::uint64_t>(mode.framebuffer_size(), kFramebufferAlign), memory_fd)
{
    if (!fb_.ok()) {
        std::abort(); // as g_malloc does: no way to go on without the device's memory
    }
    mdpy_config_init(state_, mode_); // the memory is already zero and not resident
}

void MdpyMdev::reset()
{
    mdpy_config_init(state_, mode_);
    fb_.clear();
}

bool MdpyMdev::resync()
{
    mdpy_config_resync(state_, mode_);
    return true;
}

Result<std::unique_ptr<Parent>> MdpyParent::make(const PropertyValues &budget)
{
    Result<std::uint32_t> count = budget_value(budget, "displays", 1, kMdpyMaxCount);
    if (!count) {
        return count.error();
    }
    return std::unique_ptr<Parent>(std::make_unique<MdpyParent>(*count));
}

MdpyParent::MdpyParent(unsigned count) : count_(count)
{
    for (const MdpyTypeDef &t : kTypes) {
        types_.push_back({t.id, t.id,
                          "virtual display, " + std::to_string(t.width) + "x" +
                              std::to_string(t.height) + " framebuffer",
                          "vfio-pci"});
    }
}

unsigned MdpyParent::available_instances(const MdevType &) const
{
    return count_ - created_;
}

Result<std::unique_ptr<VendorState>> MdpyParent::create(const CreateArgs &args)
{
    std::optional<MdpyMode> mode = mdpy_mode_of(args.type.id);
    if (!mode) {
        return Error{Errc::unknown_type, "parent 'mdpy' has no type '" + args.type.id + "'"};
    }
    if (created_ >= count_) {
        return Error{Errc::budget_exhausted, "parent '" + std::string(id()) + "' has room for " +
                                                 std::to_string(count_) +
                                                 " devices in all, and all are in use"};
    }
    created_++;
    // The framebuffer in the machine's memory when it offers some (a
    // vfio-user server shares it with its client): BAR0 is RAM-backed.
    const std::size_t fb = std::max<std::uint64_t>(mode->framebuffer_size(), kFramebufferAlign);
    const int fd = args.host ? args.host->memory_fd("mdpy framebuffer", fb) : -1;
    return std::unique_ptr<VendorState>(std::make_unique<MdpyMdev>(*mode, fd));
}

void MdpyParent::remove(VendorState &)
{
    created_--;
}

Status MdpyParent::register_ops(Core &core) const
{
    return core.register_ops(id(), vfio_ops_);
}

namespace {

// What of an mdpy mdev migrates besides its framebuffer (RAM).
constexpr migration::Field kDeviceFields[] = {
    MDEV_MIGRATE(MdpyDeviceState, config),
};
constexpr migration::Struct kDeviceState =
    migration::describe<MdpyDeviceState>("mdpy/device", 1, kDeviceFields);
constexpr const migration::Struct *kState[] = {&kDeviceState};

constexpr PropertyDecl kMdpyBudget = {
    "displays", MDEV_PROP_UINT32, "Displays the parent has room for, of any type: 1 to 64", "4"};

constexpr ParentDeclaration kMdpy = {
    .name = "mdpy",
    .description = "mdev sample: minimal PCI display (XRGB8888 framebuffer in BAR0)",
    .category = MDEV_CATEGORY_DISPLAY,
    .make = make_parent<MdpyParent>,
    .default_type = "mdpy-vga",
    .budget_help = "The default parent has room for 4 devices in all; -object "
                   "mdev-parent,id=ID,kind=mdpy,budget=DISPLAYS makes another (parent=ID)",
    .budget = &kMdpyBudget,
    .state = kState,
};
const Registration kRegisterMdpy(kMdpy);

} // namespace

std::vector<migration::Data> MdpyMdev::migrated(const Device &)
{
    return {{kDeviceState, state_}};
}

} // namespace mdev::samples
