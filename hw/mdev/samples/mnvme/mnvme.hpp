// SPDX-License-Identifier: GPL-2.0-or-later
// mnvme: an NVMe 1.4 controller as an mdev parent (class vfio). The
// controller itself is nvme_controller.hpp, plain C++; this file gives it
// a home: the parent's types and budget (MiB of RAM for namespaces), the
// per-mdev state, and the ports through which the controller reaches the
// machine (DMA, INTx, the guest-error log). The PCI face is mnvme_vfio.cpp.
//
// Each mdev has namespace 1 in RAM, its size chosen by the type
// (mnvme-64m, -256m, -1g), allocated lazily, and, with file=PATH, a
// namespace 2 backed by that file.
#pragma once

#include "hw/mdev/core.hpp"
#include "hw/mdev/vfio_ops.hpp"
#include "samples/mnvme/nvme_controller.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mdev::samples {

inline constexpr unsigned kMnvmeDefaultBudgetMiB = 2048;
inline constexpr unsigned kMnvmeMaxBudgetMiB = 65536;

// Where the controller's DMA, interrupts and guest errors go: the mdev's
// Device (set when the frontend binds it) and the IrqSink of the interrupt
// index the guest enabled (the frontend enables one at a time: MSI-X if the
// guest turned it on, else INTx).
class MnvmePorts final : public nvme::Dma, public nvme::Interrupts, public nvme::ErrorLog {
public:
    Device *dev = nullptr;
    vfio::IrqSink *intx = nullptr;
    vfio::IrqSink *msix = nullptr;

    bool read(std::uint64_t addr, std::span<std::uint8_t> out) override;
    bool write(std::uint64_t addr, std::span<const std::uint8_t> in) override;
    nvme::IrqMode mode() const override
    {
        return msix ? nvme::IrqMode::msix : intx ? nvme::IrqMode::intx : nvme::IrqMode::none;
    }
    // MSI-X: one vector per queue id (the table has kQueueIds entries).
    unsigned vectors() const override { return msix ? nvme::kQueueIds : intx ? 1 : 0; }
    void set_intx(bool asserted) override;
    void notify(std::uint16_t vector) override;
    void guest_error(const char *fmt, ...) override __attribute__((format(printf, 2, 3)));
};

class MnvmeMdev final : public VendorState {
public:
    MnvmeMdev(nvme::Identity identity, std::array<nvme::Namespace, nvme::kMaxNamespaces> ns,
              unsigned ram_mib, std::string file);

    nvme::Controller &controller() { return ctrl_; }
    MnvmePorts &ports() { return ports_; }
    unsigned ram_mib() const { return ram_mib_; }

    std::vector<migration::Data> migrated(const Device &) override;
    bool post_load(Device &) override;
    void uuid_changed(Device &) override;
    std::optional<std::string> property(std::string_view name) const override;

    // Why a written RAM namespace keeps the VM from migrating (and, as the
    // source's, why a destination refuses the stream).
    static constexpr const char *kRamWrittenReason =
        "mnvme: the RAM namespace was written, and RAM namespace contents do not "
        "migrate (use file=)";

private:
    // The first write to a RAM namespace: from then on the mdev's state
    // cannot migrate. Neither a reset nor a controller reset unblocks (the
    // data is still there); no command discards a namespace, so only
    // removing the device does.
    void ram_written();

    nvme::NvmeControllerState state_{};
    MnvmePorts ports_;
    nvme::Controller ctrl_;
    unsigned ram_mib_;
    std::string file_;
};

class MnvmeParent final : public Parent {
public:
    explicit MnvmeParent(unsigned budget_mib = kMnvmeDefaultBudgetMiB);
    static Result<std::unique_ptr<Parent>> make(const PropertyValues &budget);

    std::string_view name() const override { return "mnvme"; }
    std::span<const MdevType> types() const override { return types_; }
    unsigned available_instances(const MdevType &type) const override;
    Result<std::unique_ptr<VendorState>> create(const CreateArgs &args) override;
    void remove(VendorState &state) override;
    Status register_ops(Core &core) const override;

    unsigned mib_in_use() const { return used_mib_; }
    unsigned mib_of(const MdevType &type) const;

private:
    std::vector<MdevType> types_;
    std::vector<unsigned> mib_; // parallel to types_
    unsigned budget_mib_;
    unsigned used_mib_ = 0;
};

// What Identify reports of an mdev with `uuid` of `type` (serial, UUIDs).
nvme::Identity mnvme_identity(const Uuid &uuid, const MdevType &type);

// The vfio face (mnvme_vfio.cpp).
const vfio::VfioOps &mnvme_vfio_ops();

} // namespace mdev::samples
