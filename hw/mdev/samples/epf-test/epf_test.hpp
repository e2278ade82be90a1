// SPDX-License-Identifier: GPL-2.0-or-later
// epf-test: Linux's PCI endpoint test function (drivers/pci/endpoint/
// functions/pci-epf-test.c) as the PCI function the host side sees, so
// that Linux's own host driver (drivers/misc/pci_endpoint_test.c) and tool
// (tools/pci/pcitest) drive it: a register file in BAR0 that asks the
// function to raise INTx, MSI or MSI-X and to read, write or copy host
// memory with a CRC-32 check, and five more BARs of plain memory.
//
// The logic is the register-level class EpfTest (BAR reads and writes,
// reset, the interrupt sink, bus-master DMA through EpfTestHost); the vfio
// ops that show it as an mdev are a thin adapter at the end of
// epf_test.cpp.
#pragma once

#include "hw/mdev/core.hpp"
#include "hw/mdev/guest_log.hpp"
#include "hw/mdev/pci_config.hpp"
#include "hw/mdev/regfile.hpp"
#include "hw/mdev/vfio_ops.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mdev::samples {

// The register file of pci-epf-test (struct pci_epf_test_reg) at the start
// of BAR0, named as the host driver names it, and its bits.
namespace epf {
inline constexpr std::uint32_t PCI_ENDPOINT_TEST_MAGIC = 0x00;
inline constexpr std::uint32_t PCI_ENDPOINT_TEST_COMMAND = 0x04;
inline constexpr std::uint32_t PCI_ENDPOINT_TEST_STATUS = 0x08;
inline constexpr std::uint32_t PCI_ENDPOINT_TEST_LOWER_SRC_ADDR = 0x0c;
inline constexpr std::uint32_t PCI_ENDPOINT_TEST_UPPER_SRC_ADDR = 0x10;
inline constexpr std::uint32_t PCI_ENDPOINT_TEST_LOWER_DST_ADDR = 0x14;
inline constexpr std::uint32_t PCI_ENDPOINT_TEST_UPPER_DST_ADDR = 0x18;
inline constexpr std::uint32_t PCI_ENDPOINT_TEST_SIZE = 0x1c;
inline constexpr std::uint32_t PCI_ENDPOINT_TEST_CHECKSUM = 0x20;
inline constexpr std::uint32_t PCI_ENDPOINT_TEST_IRQ_TYPE = 0x24;
inline constexpr std::uint32_t PCI_ENDPOINT_TEST_IRQ_NUMBER = 0x28;
inline constexpr std::uint32_t PCI_ENDPOINT_TEST_FLAGS = 0x2c;
// sizeof(struct pci_epf_test_reg) rounded up to 128, as pci-epf-test
// allocates it: the MSI-X table follows at this offset of BAR0.
inline constexpr std::uint32_t kRegSize = 0x80;

inline constexpr std::uint32_t COMMAND_RAISE_LEGACY_IRQ = 1u << 0;
inline constexpr std::uint32_t COMMAND_RAISE_MSI_IRQ = 1u << 1;
inline constexpr std::uint32_t COMMAND_RAISE_MSIX_IRQ = 1u << 2;
inline constexpr std::uint32_t COMMAND_READ = 1u << 3;  // host memory -> function
inline constexpr std::uint32_t COMMAND_WRITE = 1u << 4; // function -> host memory
inline constexpr std::uint32_t COMMAND_COPY = 1u << 5;  // host memory -> host memory

inline constexpr std::uint32_t STATUS_READ_SUCCESS = 1u << 0;
inline constexpr std::uint32_t STATUS_READ_FAIL = 1u << 1;
inline constexpr std::uint32_t STATUS_WRITE_SUCCESS = 1u << 2;
inline constexpr std::uint32_t STATUS_WRITE_FAIL = 1u << 3;
inline constexpr std::uint32_t STATUS_COPY_SUCCESS = 1u << 4;
inline constexpr std::uint32_t STATUS_COPY_FAIL = 1u << 5;
inline constexpr std::uint32_t STATUS_IRQ_RAISED = 1u << 6;
inline constexpr std::uint32_t STATUS_SRC_ADDR_INVALID = 1u << 7;
inline constexpr std::uint32_t STATUS_DST_ADDR_INVALID = 1u << 8;

inline constexpr std::uint32_t IRQ_TYPE_LEGACY = 0;
inline constexpr std::uint32_t IRQ_TYPE_MSI = 1;
inline constexpr std::uint32_t IRQ_TYPE_MSIX = 2;

inline constexpr std::uint32_t FLAG_USE_DMA = 1u << 0;

// PCI ids: TI DRA74x (PCI_VENDOR_ID_TI, PCI_DEVICE_ID_TI_DRA74x), the
// endpoint Linux's test how-to configures; pci_endpoint_test binds it with
// its default data: registers in BAR0, buffers aligned to 4 KiB, MSI.
inline constexpr std::uint16_t kVendorTi = 0x104c;
inline constexpr std::uint16_t kDeviceDra74x = 0xb500;

// pci-epf-test's bar_size[]: BAR1..BAR5 are memory of these sizes, which
// the host driver fills with a pattern and reads back. BAR0 holds the
// registers, then the MSI-X table and PBA (its size follows from them).
inline constexpr std::array<std::uint32_t, 6> kBarSize = {512, 512, 1024, 16384, 131072, 1048576};

// Vector limits (the host driver asks for up to 32 MSI and 2048 MSI-X).
inline constexpr std::uint32_t kMaxMsi = 32;
inline constexpr std::uint32_t kMaxMsix = 2048;
// The largest READ/WRITE/COPY the function takes: bigger sizes fail with
// STATUS_SRC_ADDR_INVALID / STATUS_DST_ADDR_INVALID, as a real endpoint
// does when its outbound window cannot map them (pcitest.sh's largest
// transfer is 1024001 bytes).
inline constexpr std::uint32_t kMaxTransfer = 4u << 20;
// Without FLAG_USE_DMA the function copies through its outbound window
// with the CPU (memcpy_fromio/memcpy_toio): modelled as bus-master accesses
// of this many bytes each, so a copy that hits a hole has moved the chunks
// before it. With the flag, one transfer of the whole buffer (a DMA
// engine's descriptor), which moves nothing if any byte is out of reach.
inline constexpr std::uint32_t kPioChunk = 8;

// BAR0's layout for `msix_vectors` entries (0: no MSI-X): the MSI-X table
// where pci-epf-test puts it, right after the registers (BAR0 + kRegSize),
// for every vector count, and the PBA right after the table. (QEMU once
// aborted on a table at 0x80 with 1023 or 2048 vectors under TCG; the
// vfio frontend's windows fixed that, and the guest case msix-epf-layout
// and the qtests /mdev-epf-test/msix/* keep it covered.)
struct Bar0Layout {
    std::uint32_t table_offset; // kRegSize
    std::uint32_t pba_offset;   // right after the table
    std::uint32_t size;         // a power of two, at least 128
};
Bar0Layout bar0_layout(std::uint32_t msix_vectors);

// crc32_le(~0, data, len) of <linux/crc32.h>: what the host driver and
// pci-epf-test compute (reflected CRC-32, poly 0xedb88320, no final xor).
std::uint32_t crc32_le_seeded(std::uint32_t crc, std::span<const std::uint8_t> data);
} // namespace epf

// What the function reaches outside itself: host memory (bus-master DMA,
// refused outside guest RAM) and the log of guest mistakes.
class EpfTestHost {
public:
    virtual ~EpfTestHost() = default;
    [[nodiscard]] virtual bool dma_read(std::uint64_t addr, std::span<std::uint8_t> out) = 0;
    [[nodiscard]] virtual bool dma_write(std::uint64_t addr, std::span<const std::uint8_t> in) = 0;
    virtual void guest_error(const std::string &message) = 0;
};

// What migrates, as plain fields: the registers of struct
// pci_epf_test_reg (the storage of the declared register table), the INTx
// line, the state of the generator of WRITE's data, and BAR1..BAR5's
// memory.
struct EpfTestRegs {
    std::uint32_t magic;
    std::uint32_t command;
    std::uint32_t status;
    std::uint32_t lower_src_addr;
    std::uint32_t upper_src_addr;
    std::uint32_t lower_dst_addr;
    std::uint32_t upper_dst_addr;
    std::uint32_t size;
    std::uint32_t checksum;
    std::uint32_t irq_type;
    std::uint32_t irq_number;
    std::uint32_t flags;
    std::uint8_t intx_asserted;
    std::uint64_t random;
};
struct EpfTestBars {
    std::uint8_t bar1[epf::kBarSize[1]];
    std::uint8_t bar2[epf::kBarSize[2]];
    std::uint8_t bar3[epf::kBarSize[3]];
    std::uint8_t bar4[epf::kBarSize[4]];
    std::uint8_t bar5[epf::kBarSize[5]];
};

// The function: BAR accesses in, DMA and interrupts out.
class EpfTest {
public:
    EpfTest(EpfTestHost &host, std::uint32_t msi_vectors, std::uint32_t msix_vectors);
    EpfTest(const EpfTest &) = delete; // the register file points at it
    EpfTest &operator=(const EpfTest &) = delete;

    // BAR0's registers, declared (regfile.hpp): MAGIC and the transfer
    // registers are plain 32-bit memory; COMMAND's write runs the command,
    // STATUS's write may drop INTx. [0x30, kRegSize) is the endpoint's
    // unused register memory: reads 0, writes are refused and logged.
    static const regs::RegisterTable kBar0;
    regs::RegisterFile &registers() { return rf_; }

    std::uint32_t msi_vectors() const { return msi_vectors_; }
    std::uint32_t msix_vectors() const { return msix_vectors_; }
    std::uint64_t bar_size(unsigned bar) const;

    // An access of 1, 2, 4 or 8 bytes inside BAR `bar` (0..5), little
    // endian. In BAR0 only [0, kRegSize) is the function's: the MSI-X table
    // and PBA beyond are the frontend's; an access there goes through the
    // register table (an aligned 8-byte one as two dwords, low first, as a
    // 64-bit TLP to the endpoint's 32-bit register memory). A write that
    // leaves COMMAND non-zero runs the command before it returns.
    std::uint64_t read(unsigned bar, std::uint64_t offset, unsigned size);
    void write(unsigned bar, std::uint64_t offset, std::uint64_t value, unsigned size);

    // Where interrupts go: the sink of the index the frontend enabled
    // (VFIO_PCI_*_IRQ_INDEX), or nullptr when it disabled it.
    void set_sink(std::uint32_t index, vfio::IrqSink *sink);
    // Power-on state: registers and BARs zero, INTx low.
    void reset();

    std::uint32_t reg32(std::uint32_t offset) const;
    const EpfTestRegs &regs() const { return regs_; }
    EpfTestRegs &regs() { return regs_; }
    EpfTestBars &bars() { return *bars_; }
    // After a migration load: the INTx line as the loaded state says.
    void loaded();

private:
    static const regs::Register kRegs[]; // a member, so that its hooks may be private
    struct Log final : GuestLog {
        EpfTestHost &host;
        explicit Log(EpfTestHost &h) : host(h) {}
        void guest_error(std::string_view message) override { host.guest_error(std::string(message)); }
    };
    const char *write_command(const regs::Register &reg, std::uint64_t value);
    const char *write_status(const regs::Register &reg, std::uint64_t value);
    void run_commands();
    void run(std::uint32_t command);
    bool transfer_in(std::uint64_t addr, std::span<std::uint8_t> buf, bool dma);
    bool transfer_out(std::uint64_t addr, std::span<const std::uint8_t> buf, bool dma);
    bool size_ok(const char *cmd, std::uint32_t invalid);
    bool fetch(std::uint64_t src, std::span<std::uint8_t> buf, bool dma);
    bool store(std::uint64_t dst, std::span<const std::uint8_t> buf, bool dma);
    bool do_read(bool dma);
    bool do_write(bool dma);
    bool do_copy(bool dma);
    void raise(std::uint32_t type, std::uint32_t number);
    void update_intx();
    std::span<std::uint8_t> bar_memory(unsigned bar) const;
    void log(const char *fmt, ...) const __attribute__((format(printf, 2, 3)));

    EpfTestHost &host_;
    std::uint32_t msi_vectors_;
    std::uint32_t msix_vectors_;
    EpfTestRegs regs_{};
    Log log_{host_};
    regs::RegisterFile rf_;
    std::unique_ptr<EpfTestBars> bars_;
    std::uint32_t index_ = ~std::uint32_t(0); // the index whose sink we hold
    vfio::IrqSink *sink_ = nullptr;
    bool running_ = false; // a command is in progress (re-entry guard)
    unsigned generation_ = 0; // bumped by reset(): a command in flight stops
};

// How many functions the parent has room for, all together.
inline constexpr unsigned kEpfTestCount = 8;

class EpfTestParent final : public Parent {
public:
    EpfTestParent();

    std::string_view name() const override { return "epf-test"; }
    std::span<const MdevType> types() const override { return types_; }
    unsigned available_instances(const MdevType &type) const override;
    Result<std::unique_ptr<VendorState>> create(const CreateArgs &args) override;
    void remove(VendorState &state) override;
    Status register_ops(Core &core) const override;

private:
    std::vector<MdevType> types_;
    unsigned created_ = 0;
};

// The per-mdev state: the function, and the host it reaches through the
// mdev (set by the ops adapter on each entry).
class EpfTestMdev final : public VendorState {
public:
    EpfTestMdev(std::uint32_t msi_vectors, std::uint32_t msix_vectors, vfio::PciConfig config);

    EpfTest &function() { return fn_; }
    const EpfTest &function() const { return fn_; }
    const vfio::PciConfig &config() const { return config_; }
    // The mdev the function serves (each entry from the ops adapter); its
    // UUID names the function in the register traces (mdev_reg_read/write).
    void attach(Device &dev)
    {
        host_.dev = &dev;
        fn_.registers().set_who(dev.uuid_text());
    }

    std::vector<migration::Data> migrated(const Device &) override;
    bool post_load(Device &) override;
    std::optional<std::string> property(std::string_view name) const override;

private:
    struct DeviceHost final : EpfTestHost {
        Device *dev = nullptr;
        bool dma_read(std::uint64_t addr, std::span<std::uint8_t> out) override;
        bool dma_write(std::uint64_t addr, std::span<const std::uint8_t> in) override;
        void guest_error(const std::string &message) override;
    };
    DeviceHost host_;
    EpfTest fn_;
    vfio::PciConfig config_;
};

} // namespace mdev::samples
