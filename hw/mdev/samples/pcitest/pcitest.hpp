// SPDX-License-Identifier: GPL-2.0-or-later
// pcitest: a test parent for the vfio frontend's interrupt modes and
// bus-master DMA, in the spirit of Linux's PCI endpoint test function
// (pci-epf-test) but with a register file of its own: the guest (a qtest,
// a driver developer's experiment) asks it to raise an interrupt on the
// index in use or to DMA a buffer, and reads back what happened. It models
// no real product; MSI (0..32 vectors) and MSI-X (0..2048 vectors, table in
// BAR2, PBA in BAR0 beside the registers) are chosen per device with the
// msi-vectors / msix-vectors properties, and where the table and the PBA
// sit with msix-table-offset / msix-pba-bar / msix-pba-offset (BAR2 below
// offset 0x800 mirrors BAR0's registers, so a table at BAR2+0x80 shares its
// page with registers, as pci-epf-test's does).
#pragma once

#include "hw/mdev/core.hpp"
#include "hw/mdev/pci_config.hpp"
#include "hw/mdev/vfio_ops.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace mdev::samples {

// BAR0 (32-bit memory, 4 KiB): 32-bit registers, then a 256-byte buffer.
namespace pcitest {
inline constexpr std::uint64_t kMagic = 0x00;     // r: kMagicValue
inline constexpr std::uint64_t kRaise = 0x04;     // w: raise vector n (INTx: assert)
inline constexpr std::uint64_t kIntxClear = 0x08; // w: deassert INTx
inline constexpr std::uint64_t kIrqIndex = 0x0c;  // r: VFIO_PCI_*_IRQ_INDEX in use, ~0: none
inline constexpr std::uint64_t kDmaAddrLo = 0x10; // r/w
inline constexpr std::uint64_t kDmaAddrHi = 0x14; // r/w
inline constexpr std::uint64_t kDmaLen = 0x18;    // r/w: 0..kBufSize
inline constexpr std::uint64_t kDmaCmd = 0x1c;    // w: kDmaFromGuest / kDmaToGuest
inline constexpr std::uint64_t kDmaStatus = 0x20; // r: kDmaIdle / kDmaDone / kDmaFailed
inline constexpr std::uint64_t kRaised = 0x24;    // r: interrupts raised so far
inline constexpr std::uint64_t kBuf = 0x100;      // r/w: the DMA buffer
inline constexpr std::uint32_t kBufSize = 0x100;
inline constexpr std::uint64_t kPbaOffset = 0x800; // MSI-X PBA (up to 256 bytes)
inline constexpr std::uint64_t kBar0Size = 0x1000;
inline constexpr std::uint32_t kTableBar = 2;     // MSI-X table at offset 0
// BAR2 (32-bit memory, at least 4 KiB, as big as the table and a PBA in it
// need): below kPbaOffset the registers of BAR0 again, past it zeros;
// the table and a PBA in BAR2 lie over both.
inline constexpr std::uint64_t kMaxMsixOffset = 0x100000; // the offsets' bound

inline constexpr std::uint32_t kMagicValue = 0x7465'7374; // "test"
inline constexpr std::uint32_t kDmaFromGuest = 1;  // guest memory -> buffer
inline constexpr std::uint32_t kDmaToGuest = 2;    // buffer -> guest memory
inline constexpr std::uint32_t kDmaIdle = 0;
inline constexpr std::uint32_t kDmaDone = 1;
inline constexpr std::uint32_t kDmaFailed = 2;
} // namespace pcitest

// MSI-X as the properties chose it (vectors 0: none).
struct PcitestMsix {
    std::uint32_t vectors = 0;
    std::uint32_t table_offset = 0;                 // in BAR2 (kTableBar)
    std::uint32_t pba_bar = 0;                      // 0 or 2
    std::uint32_t pba_offset = pcitest::kPbaOffset;
};

// What migrates, as plain fields.
struct PcitestRegs {
    std::uint32_t dma_addr_lo;
    std::uint32_t dma_addr_hi;
    std::uint32_t dma_len;
    std::uint32_t dma_status;
    std::uint32_t raised;
    std::uint8_t intx_level;
    std::uint8_t buf[pcitest::kBufSize];
};

class PcitestMdev final : public VendorState {
public:
    PcitestMdev(std::uint32_t msi_vectors, const PcitestMsix &msix, vfio::PciConfig config);

    std::uint32_t msi_vectors() const { return msi_vectors_; }
    std::uint32_t msix_vectors() const { return msix_.vectors; }
    const PcitestMsix &msix() const { return msix_; }
    const vfio::PciConfig &config() const { return config_; }
    const PcitestRegs &regs() const { return regs_; }
    std::uint64_t table_bar_size() const;

    // A 4-byte access to BAR0 (or BAR2) at a 4-byte aligned offset below
    // kPbaOffset.
    std::uint32_t read(std::uint64_t offset);
    // False for a read-only register (the caller logs the guest error).
    bool write(Device &dev, std::uint64_t offset, std::uint32_t value);

    void set_sink(std::uint32_t index, vfio::IrqSink *sink);
    void reset();
    std::vector<migration::Data> migrated(const Device &) override;
    bool post_load(Device &) override;

private:
    void raise(std::uint32_t vector);
    void set_intx(bool level);
    void run_dma(Device &dev, std::uint32_t cmd);

    std::uint32_t msi_vectors_;
    PcitestMsix msix_;
    vfio::PciConfig config_;
    PcitestRegs regs_{};
    std::uint32_t index_ = ~std::uint32_t(0); // the index whose sink we hold
    vfio::IrqSink *sink_ = nullptr;
};

class PcitestParent final : public Parent {
public:
    PcitestParent();

    std::string_view name() const override { return "pcitest"; }
    std::span<const MdevType> types() const override { return types_; }
    unsigned available_instances(const MdevType &type) const override;
    Result<std::unique_ptr<VendorState>> create(const CreateArgs &args) override;
    void remove(VendorState &state) override;
    Status register_ops(Core &core) const override;

private:
    std::vector<MdevType> types_;
    unsigned created_ = 0;
};

inline constexpr unsigned kPcitestCount = 8;

} // namespace mdev::samples
