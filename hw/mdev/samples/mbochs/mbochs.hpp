// SPDX-License-Identifier: GPL-2.0-or-later
// mbochs: the kernel's sample "bochs-like" display, as an mdev parent. The
// parent has 256 MB of video memory to share out; types mbochs-small,
// -medium and -large take 4, 16 and 64 MiB. Each mdev is a bochs display
// (QEMU stdvga ids 1234:1111): video memory in BAR0, EDID + DISPI
// registers in BAR2 (mbochs_vfio.cpp), and a primary plane derived from
// the DISPI mode (mbochs_dispi.hpp).
#pragma once

#include "hw/mdev/core.hpp"
#include "hw/mdev/vfio_ops.hpp"
#include "samples/mbochs/mbochs_dispi.hpp"
#include "samples/mbochs/mbochs_edid.hpp"
#include "samples/mbochs/mbochs_modes.hpp"
#include "samples/mbochs/mbochs_state.hpp"
#include "samples/mbochs/mbochs_vfio.hpp"
#include "samples/common/lazy_memory.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mdev::samples {

// The parent's budget (the kernel's module parameter "count", in MB).
inline constexpr unsigned kMbochsTotalMegabytes = 256; // the default parent's
inline constexpr unsigned kMbochsMaxMegabytes = 4096;   // of any one parent

// What a type gives each of its mdevs.
struct MbochsTypeSpec {
    unsigned megabytes;
    // The EDID's preferred mode when the user sets no xres/yres: one that
    // bochs-drm keeps for this memory (mbochs_modes.hpp).
    EdidMode default_preferred;
};

// One mbochs mdev: register state, video memory, EDID.
class MbochsMdev final : public VendorState {
public:
    // Check ok() after construction: the video memory may not be mappable.
    // memory_fd: the video memory's file from the machine
    // (Host::memory_fd), or -1 for memory of its own.
    MbochsMdev(const MbochsTypeSpec &spec, MbochsDisplay display, int memory_fd = -1);

    bool ok() const { return vram_.ok(); }
    const MbochsTypeSpec &spec() const { return spec_; }
    MbochsDeviceState &state() { return state_; }
    Dispi dispi() { return Dispi(state_, vram_.size()); }
    std::span<std::uint8_t> vram() { return vram_.bytes(); }
    const Edid &edid() const { return edid_; }
    const MbochsDisplay &display() const { return display_; }

    // DISPI registers back to power-on; the video memory keeps its
    // contents, as on QEMU's stdvga and bochs-display.
    void reset();
    // After a migration load: false if the state is not one the model can
    // work on.
    bool post_load();
    bool post_load(Device &) override { return post_load(); }
    std::vector<migration::Data> migrated(const Device &) override;
    // xres/yres in effect (the type's default when the user set none).
    std::optional<std::string> property(std::string_view name) const override;

    // What BAR2's direct handlers (mbochs_vfio.cpp) get as their opaque:
    // the device, for its guest-error log, and this mdev. Set when the
    // frontend asks for the handlers; the device owns this mdev, so it
    // outlives it.
    struct MmioHandle {
        Device *dev = nullptr;
        MbochsMdev *mdev = nullptr;
    };
    MmioHandle &mmio_handle() { return mmio_handle_; }

private:
    MbochsTypeSpec spec_;
    MmioHandle mmio_handle_;
    MbochsDeviceState state_{};
    LazyMemory vram_;
    MbochsDisplay display_;
    Edid edid_;
};

class MbochsParent final : public Parent {
public:
    explicit MbochsParent(unsigned total_megabytes = kMbochsTotalMegabytes);
    // The parent with the budget of -object mdev-parent-mbochs (memory=MB).
    static Result<std::unique_ptr<Parent>> make(const PropertyValues &budget);

    std::string_view name() const override { return "mbochs"; }
    std::span<const MdevType> types() const override { return types_; }
    unsigned available_instances(const MdevType &type) const override;
    Result<std::unique_ptr<VendorState>> create(const CreateArgs &args) override;
    void remove(VendorState &state) override;

    Status register_ops(Core &core) const override;

    unsigned megabytes_in_use() const { return mb_used_; }
    unsigned total_megabytes() const { return total_mb_; }
    const MbochsTypeSpec &spec_of(const MdevType &type) const;

private:
    std::vector<MdevType> types_;
    std::vector<MbochsTypeSpec> specs_; // parallel to types_
    unsigned total_mb_;
    unsigned mb_used_ = 0;
    MbochsVfioOps vfio_ops_;
};

} // namespace mdev::samples
