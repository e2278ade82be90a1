// SPDX-License-Identifier: GPL-2.0-or-later
// The vfio frontend against a hostile parent: a device whose description
// (BARs of any kind and size, config bytes with capability chains, MSI and
// MSI-X, write masks: PciConfig::from_bytes), registers (access sizes of
// the input's choosing, well formed or not), mmap-able memory (possibly
// shorter than its BAR), display planes and interrupts all come from the
// input, so the frontend's own checks are what stands between a buggy
// parent and QEMU. The samples are well-behaved; the next parent may not be.
// Checked, besides the common vfio sequence's invariants:
//  - the frontend keeps the accessor contract: every access it passes to a
//    BAR's registers is inside the BAR, of a size the registers take
//    (min..max), aligned unless they take misaligned ones;
//  - the host sees INTx only if the function has INTx and MSI is off, and
//    MSI only while it is on, for a vector the function has; MSI-X
//    messages only from a function with MSI-X; the device's sink is on at
//    most one index at a time;
//  - by the time the device's state is destroyed the frontend has released
//    it as often as it opened it and routed no interrupt to it any more.
#include "vfio_sequence.hpp"

#include <array>
#include <vector>

namespace {

using namespace mdev;

FuzzedDataProvider *input; // the current input, for the device's answers

// What the device says and holds, drawn from the input at creation.
class HostileDevice final : public VendorState {
public:
    explicit HostileDevice(FuzzedDataProvider &in)
    {
        for (std::uint32_t i = 0; i < regions.size(); i++) {
            auto &r = regions[i];
            if (in.ConsumeIntegralInRange<unsigned>(0, 15) == 0) {
                continue; // nullopt: an index the device does not know
            }
            static constexpr std::uint32_t kFlagChoices[] = {
                VFIO_REGION_INFO_FLAG_READ, VFIO_REGION_INFO_FLAG_WRITE, VFIO_REGION_INFO_FLAG_MMAP,
                vfio::kRegionBarIo,
                vfio::kRegionBarMem64, vfio::kRegionBarPrefetch};
            std::uint32_t flags = 0;
            for (std::uint32_t f : kFlagChoices) {
                flags |= in.ConsumeBool() ? f : 0;
            }
            std::uint64_t size = in.ConsumeBool() ? 0 : std::uint64_t(1) << in.ConsumeIntegralInRange<unsigned>(0, 20);
            if (in.ConsumeIntegralInRange<unsigned>(0, 15) == 0) {
                size = in.ConsumeIntegral<std::uint64_t>();
            }
            if (i == VFIO_PCI_CONFIG_REGION_INDEX && in.ConsumeIntegralInRange<unsigned>(0, 7)) {
                flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
                size = in.ConsumeBool() ? 256 : in.ConsumeIntegralInRange<std::uint64_t>(1, 512);
            }
            r = vfio::RegionInfo{flags, size};
        }
        for (unsigned bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
            Registers &r = registers[bar];
            r.device = this;
            r.bar = bar;
            r.accessor = vfio::BarAccessor::of(r, 1u << in.ConsumeIntegralInRange<unsigned>(0, 3),
                                               1u << in.ConsumeIntegralInRange<unsigned>(0, 3),
                                               in.ConsumeBool());
            if (in.ConsumeIntegralInRange<unsigned>(0, 15) == 0) {
                r.accessor.min_size = in.ConsumeIntegralInRange<unsigned>(0, 16); // malformed
            }
        }
        std::vector<std::uint8_t> bytes = in.ConsumeBytes<std::uint8_t>(config.size());
        std::copy(bytes.begin(), bytes.end(), config.begin());
        bytes = in.ConsumeBytes<std::uint8_t>(wmask.size());
        std::copy(bytes.begin(), bytes.end(), wmask.begin());
        if (in.ConsumeBool()) {
            // A capability list, perhaps with MSI, perhaps looping.
            config[0x06] |= 0x10;
            // Often at 0x40, where the sequence's favourite config offsets
            // (kOffsets) reach its control registers.
            config[0x34] = in.ConsumeBool() ? 0x40 : in.ConsumeIntegralInRange<std::uint8_t>(0x40, 0xfc);
            const std::uint8_t cap = config[0x34];
            switch (in.ConsumeIntegralInRange<unsigned>(0, 2)) {
            case 0:
                config[cap] = PCI_CAP_ID_MSI;
                break;
            case 1:
                // MSI-X, with table and PBA in BARs and at offsets of the
                // input's choosing (often wrong: probe must refuse those).
                config[cap] = PCI_CAP_ID_MSIX;
                if (cap + PCI_CAP_MSIX_SIZEOF <= config.size()) {
                    const std::uint32_t n = in.ConsumeBool()
                                                ? in.ConsumeIntegralInRange<std::uint32_t>(1, 8)
                                                : in.ConsumeIntegralInRange<std::uint32_t>(1, 2048);
                    config[cap + 2] = std::uint8_t(n - 1);
                    config[cap + 3] = std::uint8_t((n - 1) >> 8);
                    for (unsigned at : {PCI_MSIX_TABLE, PCI_MSIX_PBA}) {
                        const std::uint32_t v =
                            (in.ConsumeBool() ? (at == PCI_MSIX_PBA ? 0x800 : 0)
                                              : in.ConsumeIntegralInRange<std::uint32_t>(0, 0x1000) * 8) |
                            in.ConsumeIntegralInRange<std::uint32_t>(0, 7);
                        for (unsigned i = 0; i < 4; i++) {
                            config[cap + at + i] = std::uint8_t(v >> (8 * i));
                        }
                    }
                }
                break;
            default:
                break;
            }
        }
        display = in.ConsumeBool();
        short_mmap = in.ConsumeIntegralInRange<unsigned>(0, 7) == 0;
    }

    ~HostileDevice() override
    {
        FUZZ_CHECK(opens == releases, "destroyed after %u opens and %u releases", opens, releases);
        FUZZ_CHECK(!intx_sink && !msi_sink && !msix_sink,
                   "destroyed with an interrupt still routed to it");
    }

    std::optional<vfio::RegionInfo> region(std::uint32_t index) const
    {
        return index < regions.size() ? regions[index] : std::nullopt;
    }

    // One BAR's registers: check what the frontend passes on, then read or
    // write the device's register bytes.
    struct Registers {
        HostileDevice *device = nullptr;
        unsigned bar = 0;
        vfio::BarAccessor accessor;
        void check(std::uint64_t offset, unsigned size) const;
        std::uint64_t read(std::uint64_t offset, unsigned size);
        void write(std::uint64_t offset, std::uint64_t value, unsigned size);
    };

    std::array<std::optional<vfio::RegionInfo>, VFIO_PCI_NUM_REGIONS> regions{};
    std::array<std::uint8_t, 256> config{};
    std::array<std::uint8_t, 256> wmask{};
    std::array<Registers, PCI_STD_NUM_BARS> registers{};
    std::array<std::uint8_t, 4096> bytes{};
    std::array<std::vector<std::uint8_t>, PCI_STD_NUM_BARS> memory; // mmap-able BARs
    bool display = false;
    bool short_mmap = false;
    unsigned opens = 0, releases = 0;
    vfio::IrqSink *intx_sink = nullptr, *msi_sink = nullptr, *msix_sink = nullptr;
    // Part of the state a refused access must not change.
    struct Counters {
        std::uint64_t writes = 0;
        std::uint8_t config[256];
    } seen{};
};

HostileDevice &dev_of(const Device &dev)
{
    return dev.vendor_state<HostileDevice>();
}

void HostileDevice::Registers::check(std::uint64_t offset, unsigned size) const
{
    std::optional<vfio::RegionInfo> r = device->region(bar);
    // Starting inside the BAR; one widened to min_size may reach past its
    // end, as QEMU's memory core widens it.
    FUZZ_CHECK(r && offset < r->size && size <= r->size &&
                   (size == accessor.min_size || size <= r->size - offset),
               "%u-byte access at 0x%llx past BAR%u", size, (unsigned long long)offset, bar);
    FUZZ_CHECK(size >= accessor.min_size && size <= accessor.max_size,
               "%u-byte access to BAR%u, whose registers take %u..%u", size, bar,
               accessor.min_size, accessor.max_size);
    // Aligned unless the registers take misaligned accesses, or this one was
    // widened to min_size from a narrower one at the same offset.
    FUZZ_CHECK(accessor.unaligned || offset % size == 0 || size == accessor.min_size,
               "misaligned %u-byte access at 0x%llx of BAR%u", size, (unsigned long long)offset,
               bar);
}

std::uint64_t HostileDevice::Registers::read(std::uint64_t offset, unsigned size)
{
    check(offset, size);
    std::uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= std::uint64_t(device->bytes[(offset + i) % device->bytes.size()]) << (8 * i);
    }
    return input->ConsumeIntegralInRange<unsigned>(0, 7) ? v : ~std::uint64_t(0);
}

void HostileDevice::Registers::write(std::uint64_t offset, std::uint64_t value, unsigned size)
{
    check(offset, size);
    HostileDevice &d = *device;
    d.seen.writes++;
    for (unsigned i = 0; i < size; i++) {
        d.bytes[(offset + i) % d.bytes.size()] = static_cast<std::uint8_t>(value >> (8 * i));
    }
    // A device may raise or drop its interrupts on any register write.
    if (d.intx_sink && input->ConsumeBool()) {
        d.intx_sink->set_level(input->ConsumeBool());
    }
    if (d.msi_sink && input->ConsumeBool()) {
        d.msi_sink->notify(input->ConsumeIntegralInRange<std::uint32_t>(0, 40));
    }
    if (d.msix_sink && input->ConsumeBool()) {
        d.msix_sink->notify(input->ConsumeIntegralInRange<std::uint32_t>(0, 2100));
    }
}

class HostileOps final : public vfio::VfioOps {
public:
    void open(Device &dev) const override { dev_of(dev).opens++; }
    void release(Device &dev) const override { dev_of(dev).releases++; }
    vfio::PciConfig pci_config(const Device &dev) const override
    {
        const HostileDevice &d = dev_of(dev);
        std::array<vfio::PciBar, PCI_STD_NUM_BARS> bars{};
        for (unsigned i = 0; i < PCI_STD_NUM_BARS; i++) {
            if (d.regions[i] && d.regions[i]->size != 0) {
                bars[i] = vfio::PciBar::of(*d.regions[i]);
            }
        }
        return vfio::PciConfig::from_bytes(d.config, d.wmask, bars);
    }
    std::optional<vfio::PciConfig::Bytes> config_state(Device &dev) const override
    {
        return vfio::PciConfig::Bytes(dev_of(dev).config);
    }
    vfio::BarAccessor bar_accessor(Device &dev, unsigned bar) const override
    {
        return dev_of(dev).registers[bar].accessor;
    }
    bool set_irqs(Device &dev, std::uint32_t index, vfio::IrqSink *sink) const override
    {
        HostileDevice &d = dev_of(dev);
        if (index == VFIO_PCI_INTX_IRQ_INDEX) {
            d.intx_sink = sink;
        } else if (index == VFIO_PCI_MSI_IRQ_INDEX) {
            d.msi_sink = sink;
        } else if (index == VFIO_PCI_MSIX_IRQ_INDEX) {
            d.msix_sink = sink;
        } else {
            return false;
        }
        return true;
    }
    void reset(Device &) const override {}
    std::span<std::uint8_t> mmap(Device &dev, std::uint32_t region) const override
    {
        HostileDevice &d = dev_of(dev);
        std::optional<vfio::RegionInfo> r = d.region(region);
        if (region >= PCI_STD_NUM_BARS || !r || !(r->flags & VFIO_REGION_INFO_FLAG_MMAP) ||
            r->size > (1u << 20)) {
            return {};
        }
        std::vector<std::uint8_t> &m = d.memory[region];
        if (m.empty()) {
            m.resize(d.short_mmap ? r->size / 2 : r->size);
        }
        return m;
    }
    bool has_display(const Device &dev) const override { return dev_of(dev).display; }
    std::optional<vfio::GfxPlane> query_gfx_plane(Device &) const override
    {
        FuzzedDataProvider &in = *input;
        if (in.ConsumeIntegralInRange<unsigned>(0, 3) == 0) {
            return std::nullopt;
        }
        static constexpr std::uint32_t kFormats[] = {
            vfio::drm_format::kXrgb8888, vfio::drm_format::kArgb8888, vfio::drm_format::kXbgr8888,
            vfio::drm_format::kAbgr8888, vfio::drm_format::kRgb888, 0x20203852};
        static constexpr std::uint32_t kSizes[] = {0, 1, 3, 4, 16, 64, 100, 1024, 16384, 16385,
                                                   0x40000000, 0xffffffff};
        vfio::GfxPlane p{};
        p.drm_format = in.PickValueInArray(kFormats);
        p.width = in.ConsumeBool() ? in.PickValueInArray(kSizes) : in.ConsumeIntegral<std::uint32_t>();
        p.height = in.ConsumeBool() ? in.PickValueInArray(kSizes) : in.ConsumeIntegral<std::uint32_t>();
        p.stride = in.ConsumeBool() ? p.width * 4 : in.ConsumeIntegral<std::uint32_t>();
        p.region = in.ConsumeIntegralInRange<std::uint32_t>(0, 9);
        p.offset = in.ConsumeBool() ? in.ConsumeIntegralInRange<std::uint64_t>(0, 4096)
                                    : in.ConsumeIntegral<std::uint64_t>();
        return p;
    }
};

class HostileParent final : public Parent {
public:
    std::string_view name() const override { return "hostile"; }
    std::span<const MdevType> types() const override { return types_; }
    unsigned available_instances(const MdevType &) const override { return 1 - created_; }
    Result<std::unique_ptr<VendorState>> create(const CreateArgs &) override
    {
        created_++;
        return std::unique_ptr<VendorState>(std::make_unique<HostileDevice>(*input));
    }
    void remove(VendorState &) override { created_--; }
    Status register_ops(Core &core) const override { return core.register_ops(id(), ops_); }

private:
    std::vector<MdevType> types_{{"hostile-1", "Hostile", "", "vfio-pci"}};
    unsigned created_ = 0;
    HostileOps ops_;
};

std::span<const std::uint8_t> hostile_state(Device &dev)
{
    HostileDevice &d = dev_of(dev);
    std::copy(d.config.begin(), d.config.end(), d.seen.config);
    return {reinterpret_cast<const std::uint8_t *>(&d.seen), sizeof(d.seen)};
}

// The host's view of the interrupts, against the function's.
void check_interrupts(unsigned, Device &dev, vfio::PciFunction &fn, fuzz::FuzzGuest &host)
{
    FUZZ_CHECK(!host.intx || fn.has_intx(), "INTx asserted on a function without INTx");
    FUZZ_CHECK(host.msis == 0 || host.last_msi < fn.msi().vectors,
               "MSI vector %u of a function with %u", host.last_msi, fn.msi().vectors);
    FUZZ_CHECK(host.msix_messages == 0 || fn.msix(), "an MSI-X message from a function "
                                                     "without MSI-X");
    // At most one index has the device's sink.
    const HostileDevice &d = dev_of(dev);
    FUZZ_CHECK(int(d.intx_sink != nullptr) + int(d.msi_sink != nullptr) +
                       int(d.msix_sink != nullptr) <= 1,
               "interrupts routed on more than one index");
}

constexpr std::uint64_t kOffsets[] = {0x0, 0x4, 0x6, 0x34, 0x3c, 0x3d, 0x40, 0x42, 0x43, 0x44};
constexpr std::uint64_t kValues[] = {0, 1, 0xffffffff, 0x10, 0x81, 0x05, 0x8000, 0xc000, 0x80};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static fuzz::VfioTarget<HostileParent> target;
    fuzz::VfioSample sample{hostile_state, kOffsets, kValues, check_interrupts};
    sample.may_refuse = true;
    FuzzedDataProvider in(data, size);
    input = &in;
    fuzz::run_vfio_sequence(in, target, sample);
    input = nullptr;
    return 0;
}
