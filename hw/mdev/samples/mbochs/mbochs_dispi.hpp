// SPDX-License-Identifier: GPL-2.0-or-later
// The bochs DISPI ("VBE") register file as mbochs shows it at 0x500 of its
// MMIO BAR, and the primary plane it describes. Works on the plain-data
// MbochsDeviceState by reference, so migration sees every bit of it.
#pragma once

#include "hw/mdev/regfile.hpp"
#include "hw/mdev/vfio_ops.hpp"
#include "samples/mbochs/mbochs_state.hpp"

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>

namespace mdev::samples {

// Register indexes (VBE_DISPI_INDEX_* in QEMU's and Linux's bochs headers).
enum class DispiReg : std::uint8_t {
    id = 0x0,
    xres = 0x1,
    yres = 0x2,
    bpp = 0x3,
    enable = 0x4,
    bank = 0x5,
    virt_width = 0x6,
    virt_height = 0x7,
    x_offset = 0x8,
    y_offset = 0x9,
    video_memory_64k = 0xa,
};

inline constexpr std::uint16_t kDispiId5 = 0xb0c5;   // what a fresh device reports
inline constexpr std::uint16_t kDispiId0 = 0xb0c0;   // oldest interface version
inline constexpr std::uint16_t kDispiEnabled = 0x01; // ENABLE bit 0
// The smallest mode mbochs shows, as the kernel sample.
inline constexpr std::uint32_t kMinPlaneDimension = 64;

// DISPI register `r` as a register file entry: at byte offset 2 * index
// from 0x500, 16 bits wide, kept in MbochsDeviceState::dispi[index].
constexpr regs::Register dispi_register(const char *name, DispiReg r)
{
    const auto index = static_cast<std::uint32_t>(r);
    return {.name = name, .offset = 2 * index, .width = 2,
            .storage = static_cast<std::int32_t>(offsetof(MbochsDeviceState, dispi) +
                                                 index * sizeof(std::uint16_t))};
}

// The registers are declared in a table (kRegisters, below): a register
// file whose offsets are byte offsets from 0x500 (index * 2), 16 bits wide,
// kept in MbochsDeviceState::dispi[index].
class Dispi {
public:
    Dispi(MbochsDeviceState &state, std::uint64_t vram_size) : s_(state), vram_size_(vram_size) {}

    // Power-on values: all zero but ID and VIDEO_MEMORY_64K.
    void reset();

    std::uint16_t read(std::uint8_t index) const;
    // False if the register is read-only or does not exist (a guest error
    // for the caller to report); the value is then dropped.
    bool write(std::uint8_t index, std::uint16_t value);

    // The declared registers (named as Bochs's VBE_DISPI_INDEX_* spell
    // them), and a register file over this device's state; guest errors go
    // to `log` if there is one, traces name the device by `who` (its UUID).
    // The vfio face accesses the registers through it.
    static constexpr const regs::RegisterTable &register_table() { return kRegisterTable; }
    regs::RegisterFile registers(GuestLog *log = nullptr, const char *who = "")
    {
        return regs::RegisterFile(kRegisterTable, regs::storage_of(s_), this, log, who);
    }

    // The frame the registers describe now, in BAR0 (region 0), or nothing:
    // display disabled, not 32 bpp, smaller than 64x64, or not inside the
    // video memory. Computed afresh each time, so a mode change shows at the
    // first query after it.
    std::optional<vfio::GfxPlane> primary_plane() const;

    // Whether a loaded state is one the device could have reached.
    bool state_is_valid() const;

    // A guest's 16-bit access at byte offset `offset` from 0x500 (index *
    // 2), decoded at compile time from the table (the vfio face's BAR
    // handlers, into which they are always inlined). Guest errors go to
    // `log`, traces name the device by `who`.
    [[gnu::always_inline]] std::uint16_t guest_read(std::uint64_t offset, GuestLog *log,
                                                    const char *who)
    {
        return static_cast<std::uint16_t>(registers(log, who).read<kRegisterTable, 2>(offset));
    }
    [[gnu::always_inline]] void guest_write(std::uint64_t offset, std::uint16_t value,
                                            GuestLog *log, const char *who)
    {
        registers(log, who).write<kRegisterTable, 2>(offset, value);
    }

private:
    // The table's hooks.
    const char *write_id(const regs::Register &reg, std::uint64_t value);
    std::uint64_t video_memory_64k() const;

    std::uint16_t reg(DispiReg r) const { return s_.dispi[static_cast<unsigned>(r)]; }

    MbochsDeviceState &s_;
    std::uint64_t vram_size_;

    // Power-on values are 0 but ID (the newest interface version) and the
    // video memory size, which is the only read-only register. A constant
    // in the header, so that guest_read()/guest_write() decode it at
    // compile time.
    static constexpr regs::Register kRegisters[] = {
        {.name = "ID", .offset = 0, .width = 2, .reset = kDispiId5,
         .storage = dispi_register("ID", DispiReg::id).storage,
         .on_write = regs::write_hook<&Dispi::write_id>},
        dispi_register("XRES", DispiReg::xres),
        dispi_register("YRES", DispiReg::yres),
        dispi_register("BPP", DispiReg::bpp),
        dispi_register("ENABLE", DispiReg::enable),
        dispi_register("BANK", DispiReg::bank),
        dispi_register("VIRT_WIDTH", DispiReg::virt_width),
        dispi_register("VIRT_HEIGHT", DispiReg::virt_height),
        dispi_register("X_OFFSET", DispiReg::x_offset),
        dispi_register("Y_OFFSET", DispiReg::y_offset),
        {.name = "VIDEO_MEMORY_64K",
         .offset = dispi_register("", DispiReg::video_memory_64k).offset, .width = 2,
         .ro = regs::kAllBits, .storage = dispi_register("", DispiReg::video_memory_64k).storage,
         .reset_hook = regs::reset_hook<&Dispi::video_memory_64k>},
    };
    static constexpr regs::RegisterTable kRegisterTable{"mbochs: DISPI", kRegisters};
};

} // namespace mdev::samples
