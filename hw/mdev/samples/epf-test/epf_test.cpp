// SPDX-License-Identifier: GPL-2.0-or-later
// epf-test: Linux's PCI endpoint test function, seen from the host. Read it
// in order:
//   1. the function (EpfTest): BARs, commands, transfers, interrupts;
//   2. its PCI config space;
//   3. the parent: properties, budget, creating mdevs;
//   4. the vfio ops adapter (EpfTestVfioOps), the one place that knows the
//      ops API;
//   5. the declaration: -device mdev-epf-test and what migrates.
//
// What Linux 6.1 does with it (the model follows pci-epf-test.c, the
// endpoint side, and pci_endpoint_test.c, the host driver that binds it):
//   - BAR0 starts with struct pci_epf_test_reg (magic, command, status,
//     src/dst address, size, checksum, irq type and number, flags) in
//     memory the host reads and writes freely; the function polls COMMAND,
//     clears it and STATUS, runs the command and reports in STATUS;
//   - the host's BAR test writes 0xA0A0A0A0 to every dword of BAR1..BAR5
//     (and to MAGIC only, in the register BAR) and reads it back;
//   - RAISE_*_IRQ raise the interrupt named by the command (IRQ_NUMBER for
//     MSI/MSI-X, 1-based, within the vectors enabled), setting IRQ_RAISED;
//     READ/WRITE/COPY raise IRQ_TYPE/IRQ_NUMBER when done; the host's
//     handler clears IRQ_RAISED by writing STATUS back;
//   - READ fetches SIZE bytes at SRC_ADDR and succeeds if their
//     crc32_le(~0, ...) equals CHECKSUM; WRITE stores SIZE random bytes at
//     DST_ADDR and puts their checksum in CHECKSUM; COPY copies SIZE bytes
//     from SRC_ADDR to DST_ADDR. FLAGS bit 0 asks for the DMA engine.
//
// Where the model departs from the real function:
//   - Commands run when COMMAND is written (the real one polls every 1 ms),
//     so the interrupt and the status are there when the write returns.
//   - INTx is a level, asserted by a legacy raise until STATUS_IRQ_RAISED
//     is cleared (real endpoint controllers pulse it or leave it to the
//     controller driver).
//   - Both transfer paths are the frontend's checked bus-master DMA: with
//     FLAG_USE_DMA one transfer of the whole buffer, without it accesses of
//     kPioChunk bytes (the CPU's memcpy_fromio/memcpy_toio through the
//     outbound window). A transfer that reaches outside guest RAM, or is
//     larger than kMaxTransfer, fails with STATUS_*_ADDR_INVALID, as a
//     mapping refused by the endpoint controller does.
//   - A raise the function cannot deliver (a vector number out of range,
//     an unknown irq type) is a guest error; a raise of a kind the host has
//     not enabled (MSI while MSI-X is on) is logged and dropped, as the
//     endpoint controller's raise fails. Neither stops the function.
//   - The power-on MAGIC is 0 (pci-epf-test's register memory is zeroed);
//     the host driver only checks that it can write and read it back.
#include "samples/epf-test/epf_test.hpp"

#include "hw/mdev/declaration.hpp"
#include "hw/mdev/device.hpp"
#include "hw/mdev/le_bytes.hpp"

#include <linux/pci_regs.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace mdev::samples {

using namespace epf;

// ---- 1. The function ---------------------------------------------------------

namespace epf {

Bar0Layout bar0_layout(std::uint32_t msix_vectors)
{
    Bar0Layout l{kRegSize, kRegSize, 0};
    std::uint32_t end = kRegSize;
    if (msix_vectors) {
        l.pba_offset = l.table_offset + msix_vectors * PCI_MSIX_ENTRY_SIZE;
        // pci-epf-test: ALIGN(DIV_ROUND_UP(vectors, 8), 8) bytes of PBA.
        end = l.pba_offset + ((msix_vectors + 63) / 64) * 8;
    }
    l.size = std::bit_ceil(std::max<std::uint32_t>(end, 128));
    return l;
}

namespace {
constexpr std::array<std::uint32_t, 256> make_crc_table()
{
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; i++) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; k++) {
            c = (c & 1) ? (c >> 1) ^ 0xedb88320u : c >> 1;
        }
        t[i] = c;
    }
    return t;
}
constexpr std::array<std::uint32_t, 256> kCrcTable = make_crc_table();
} // namespace

std::uint32_t crc32_le_seeded(std::uint32_t crc, std::span<const std::uint8_t> data)
{
    for (std::uint8_t b : data) {
        crc = kCrcTable[(crc ^ b) & 0xff] ^ (crc >> 8);
    }
    return crc;
}

} // namespace epf

// struct pci_epf_test_reg, as the host driver names its fields. Nothing is
// read-only or reserved: the endpoint's register BAR is memory the host
// writes freely, and the function reads it when it polls.
const regs::Register EpfTest::kRegs[] = {
    {.name = "MAGIC", .offset = PCI_ENDPOINT_TEST_MAGIC, .width = 4,
     .storage = offsetof(EpfTestRegs, magic)},
    {.name = "COMMAND", .offset = PCI_ENDPOINT_TEST_COMMAND, .width = 4,
     .storage = offsetof(EpfTestRegs, command),
     .on_write = regs::write_hook<&EpfTest::write_command>},
    {.name = "STATUS", .offset = PCI_ENDPOINT_TEST_STATUS, .width = 4,
     .storage = offsetof(EpfTestRegs, status),
     .on_write = regs::write_hook<&EpfTest::write_status>},
    {.name = "LOWER_SRC_ADDR", .offset = PCI_ENDPOINT_TEST_LOWER_SRC_ADDR, .width = 4,
     .storage = offsetof(EpfTestRegs, lower_src_addr)},
    {.name = "UPPER_SRC_ADDR", .offset = PCI_ENDPOINT_TEST_UPPER_SRC_ADDR, .width = 4,
     .storage = offsetof(EpfTestRegs, upper_src_addr)},
    {.name = "LOWER_DST_ADDR", .offset = PCI_ENDPOINT_TEST_LOWER_DST_ADDR, .width = 4,
     .storage = offsetof(EpfTestRegs, lower_dst_addr)},
    {.name = "UPPER_DST_ADDR", .offset = PCI_ENDPOINT_TEST_UPPER_DST_ADDR, .width = 4,
     .storage = offsetof(EpfTestRegs, upper_dst_addr)},
    {.name = "SIZE", .offset = PCI_ENDPOINT_TEST_SIZE, .width = 4,
     .storage = offsetof(EpfTestRegs, size)},
    {.name = "CHECKSUM", .offset = PCI_ENDPOINT_TEST_CHECKSUM, .width = 4,
     .storage = offsetof(EpfTestRegs, checksum)},
    {.name = "IRQ_TYPE", .offset = PCI_ENDPOINT_TEST_IRQ_TYPE, .width = 4,
     .storage = offsetof(EpfTestRegs, irq_type)},
    {.name = "IRQ_NUMBER", .offset = PCI_ENDPOINT_TEST_IRQ_NUMBER, .width = 4,
     .storage = offsetof(EpfTestRegs, irq_number)},
    {.name = "FLAGS", .offset = PCI_ENDPOINT_TEST_FLAGS, .width = 4,
     .storage = offsetof(EpfTestRegs, flags)},
};
// Reads of the unused register memory past FLAGS return 0 silently, as
// the endpoint's zeroed memory does.
const regs::RegisterTable EpfTest::kBar0{"epf-test: BAR0", kRegs, false};

EpfTest::EpfTest(EpfTestHost &host, std::uint32_t msi_vectors, std::uint32_t msix_vectors)
    : host_(host), msi_vectors_(msi_vectors), msix_vectors_(msix_vectors),
      rf_(kBar0, regs::storage_of(regs_), this, &log_, ""),
      bars_(std::make_unique<EpfTestBars>())
{
    reset();
}

const char *EpfTest::write_command(const regs::Register &, std::uint64_t value)
{
    regs_.command = static_cast<std::uint32_t>(value);
    run_commands();
    return nullptr;
}

const char *EpfTest::write_status(const regs::Register &, std::uint64_t value)
{
    regs_.status = static_cast<std::uint32_t>(value);
    update_intx(); // the host's handler clears STATUS_IRQ_RAISED
    return nullptr;
}

std::uint64_t EpfTest::bar_size(unsigned bar) const
{
    if (bar == 0) {
        return bar0_layout(msix_vectors_).size;
    }
    return bar < kBarSize.size() ? kBarSize[bar] : 0;
}

std::span<std::uint8_t> EpfTest::bar_memory(unsigned bar) const
{
    switch (bar) {
    case 1:
        return bars_->bar1;
    case 2:
        return bars_->bar2;
    case 3:
        return bars_->bar3;
    case 4:
        return bars_->bar4;
    case 5:
        return bars_->bar5;
    }
    return {};
}

void EpfTest::log(const char *fmt, ...) const
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    host_.guest_error(std::string("epf-test: ") + buf);
}

std::uint32_t EpfTest::reg32(std::uint32_t offset) const
{
    const regs::Register *r = rf_.find(offset, 4, regs::kRead);
    return r ? static_cast<std::uint32_t>(rf_.peek(*r)) : 0;
}

std::uint64_t EpfTest::read(unsigned bar, std::uint64_t offset, unsigned size)
{
    if (bar == 0) {
        if (size == 8 && offset % 8 == 0) {
            const std::uint64_t lo = rf_.read(offset, 4);
            return lo | (rf_.read(offset + 4, 4) << 32);
        }
        return rf_.read(offset, size);
    }
    std::span<const std::uint8_t> mem = bar_memory(bar);
    if (size == 0 || size > 8 || offset > mem.size() || size > mem.size() - offset) {
        log("BAR%u: %u-byte read at 0x%" PRIx64 " outside the function's memory", bar, size,
            offset);
        return ~std::uint64_t(0) >> (64 - 8 * std::min(size, 8u));
    }
    return load_le(mem.subspan(offset, size));
}

void EpfTest::write(unsigned bar, std::uint64_t offset, std::uint64_t value, unsigned size)
{
    if (bar == 0) {
        if (size == 8 && offset % 8 == 0) {
            rf_.write(offset, value & 0xffffffffu, 4);
            rf_.write(offset + 4, value >> 32, 4);
        } else {
            rf_.write(offset, value, size);
        }
        return;
    }
    std::span<std::uint8_t> mem = bar_memory(bar);
    if (size == 0 || size > 8 || offset > mem.size() || size > mem.size() - offset) {
        log("BAR%u: %u-byte write at 0x%" PRIx64 " outside the function's memory", bar, size,
            offset);
        return;
    }
    store_le(mem.subspan(offset, size), value);
}

// A command is run once; one written while another runs (the function's
// own MSI aimed at its registers) waits until that one is done, as the real
// function only sees it at its next poll. At most a few rounds: a command
// that keeps re-arming itself through its own interrupt is dropped after
// that, so a hostile guest cannot keep QEMU in this loop.
void EpfTest::run_commands()
{
    if (running_) {
        return;
    }
    running_ = true;
    const unsigned gen = generation_;
    for (int round = 0; round < 4; round++) {
        const std::uint32_t command = regs_.command;
        if (command == 0) {
            break;
        }
        if (round == 3) {
            log("COMMAND 0x%x re-armed by the function's own interrupts: dropped", command);
            regs_.command = 0;
            break;
        }
        run(command);
        if (gen != generation_) {
            break; // reset by its own traffic: what was asked is void
        }
    }
    running_ = false;
}

void EpfTest::run(std::uint32_t command)
{
    regs_.command = 0;
    regs_.status = 0;
    update_intx();
    const std::uint32_t type = regs_.irq_type;
    const std::uint32_t number = regs_.irq_number;
    const bool dma = regs_.flags & FLAG_USE_DMA;
    if (type > IRQ_TYPE_MSIX) {
        log("IRQ_TYPE %u is none of legacy (0), MSI (1), MSI-X (2): command 0x%x ignored", type,
            command);
        return;
    }
    std::uint32_t status = 0;
    const unsigned gen = generation_;
    if (command & COMMAND_RAISE_LEGACY_IRQ) {
        raise(IRQ_TYPE_LEGACY, 0);
        return;
    }
    if (command & COMMAND_WRITE) {
        status = do_write(dma) ? STATUS_WRITE_SUCCESS : STATUS_WRITE_FAIL;
    } else if (command & COMMAND_READ) {
        status = do_read(dma) ? STATUS_READ_SUCCESS : STATUS_READ_FAIL;
    } else if (command & COMMAND_COPY) {
        status = do_copy(dma) ? STATUS_COPY_SUCCESS : STATUS_COPY_FAIL;
    } else if (command & COMMAND_RAISE_MSI_IRQ) {
        raise(IRQ_TYPE_MSI, number);
        return;
    } else if (command & COMMAND_RAISE_MSIX_IRQ) {
        raise(IRQ_TYPE_MSIX, number);
        return;
    } else {
        log("COMMAND 0x%x has no command bit the function knows", command);
        return;
    }
    if (gen != generation_) {
        return; // reset by what its DMA reached: report nothing
    }
    regs_.status |= status;
    raise(type, number);
}

bool EpfTest::transfer_in(std::uint64_t addr, std::span<std::uint8_t> buf, bool dma)
{
    if (buf.empty()) {
        return true; // SIZE 0: nothing to move, wherever the address points
    }
    if (dma) {
        return host_.dma_read(addr, buf);
    }
    for (std::size_t done = 0; done < buf.size(); done += kPioChunk) {
        const std::size_t n = std::min<std::size_t>(kPioChunk, buf.size() - done);
        if (!host_.dma_read(addr + done, buf.subspan(done, n))) {
            return false;
        }
    }
    return true;
}

bool EpfTest::transfer_out(std::uint64_t addr, std::span<const std::uint8_t> buf, bool dma)
{
    if (buf.empty()) {
        return true;
    }
    if (dma) {
        return host_.dma_write(addr, buf);
    }
    for (std::size_t done = 0; done < buf.size(); done += kPioChunk) {
        const std::size_t n = std::min<std::size_t>(kPioChunk, buf.size() - done);
        if (!host_.dma_write(addr + done, buf.subspan(done, n))) {
            return false;
        }
    }
    return true;
}

namespace {
std::uint64_t addr64(std::uint32_t lo, std::uint32_t hi)
{
    return (std::uint64_t(hi) << 32) | lo;
}
} // namespace

// SIZE, refused past what the function maps (STATUS gets `invalid`).
bool EpfTest::size_ok(const char *cmd, std::uint32_t invalid)
{
    if (regs_.size > kMaxTransfer) {
        log("%s of %u bytes: the function maps at most %u", cmd, regs_.size, kMaxTransfer);
        regs_.status = invalid;
        return false;
    }
    return true;
}

// A transfer in or out; a failure marks the address invalid in STATUS,
// unless the function was reset meanwhile (its DMA re-entered it).
bool EpfTest::fetch(std::uint64_t src, std::span<std::uint8_t> buf, bool dma)
{
    const unsigned gen = generation_;
    if (transfer_in(src, buf, dma)) {
        return true;
    }
    if (gen == generation_) {
        regs_.status = STATUS_SRC_ADDR_INVALID;
    }
    return false;
}

bool EpfTest::store(std::uint64_t dst, std::span<const std::uint8_t> buf, bool dma)
{
    const unsigned gen = generation_;
    if (transfer_out(dst, buf, dma)) {
        return true;
    }
    if (gen == generation_) {
        regs_.status = STATUS_DST_ADDR_INVALID;
    }
    return false;
}

// SIZE bytes at SRC_ADDR, checked against CHECKSUM.
bool EpfTest::do_read(bool dma)
{
    if (!size_ok("READ", STATUS_SRC_ADDR_INVALID)) {
        return false;
    }
    std::vector<std::uint8_t> buf(regs_.size);
    if (!fetch(addr64(regs_.lower_src_addr, regs_.upper_src_addr), buf, dma)) {
        return false;
    }
    return crc32_le_seeded(~0u, buf) == regs_.checksum;
}

// SIZE bytes of random data to DST_ADDR; their checksum to CHECKSUM.
bool EpfTest::do_write(bool dma)
{
    if (!size_ok("WRITE", STATUS_DST_ADDR_INVALID)) {
        return false;
    }
    std::vector<std::uint8_t> buf(regs_.size);
    for (std::uint8_t &b : buf) {
        // xorshift64*: the data only has to differ from run to run of a
        // test, not be unpredictable.
        std::uint64_t &x = regs_.random;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        b = static_cast<std::uint8_t>((x * 0x2545f4914f6cdd1dull) >> 56);
    }
    regs_.checksum = crc32_le_seeded(~0u, buf);
    return store(addr64(regs_.lower_dst_addr, regs_.upper_dst_addr), buf, dma);
}

// SIZE bytes from SRC_ADDR to DST_ADDR.
bool EpfTest::do_copy(bool dma)
{
    if (!size_ok("COPY", STATUS_SRC_ADDR_INVALID)) {
        return false;
    }
    std::vector<std::uint8_t> buf(regs_.size);
    const std::uint64_t dst = addr64(regs_.lower_dst_addr, regs_.upper_dst_addr);
    const unsigned gen = generation_;
    // A function reset while it read (its DMA re-entered it) writes nothing.
    return fetch(addr64(regs_.lower_src_addr, regs_.upper_src_addr), buf, dma) &&
           gen == generation_ && store(dst, buf, dma);
}

// pci_epf_test_raise_irq() and the RAISE_*_IRQ commands: the interrupt is
// the last thing a command does, since a message may come back to the
// function (its own registers) or reset it.
void EpfTest::raise(std::uint32_t type, std::uint32_t number)
{
    std::uint32_t index = VFIO_PCI_INTX_IRQ_INDEX;
    const char *kind = "INTx";
    if (type == IRQ_TYPE_MSI || type == IRQ_TYPE_MSIX) {
        const bool msix = type == IRQ_TYPE_MSIX;
        const std::uint32_t count = msix ? msix_vectors_ : msi_vectors_;
        kind = msix ? "MSI-X" : "MSI";
        index = msix ? VFIO_PCI_MSIX_IRQ_INDEX : VFIO_PCI_MSI_IRQ_INDEX;
        if (number == 0 || number > count) {
            log("%s interrupt number %u: the function has %s 1..%u", kind, number, kind, count);
            return;
        }
    }
    regs_.status |= STATUS_IRQ_RAISED;
    if (index != index_ || !sink_) {
        log("%s interrupt asked for while the host has %s enabled: not raised", kind,
            index_ == VFIO_PCI_INTX_IRQ_INDEX  ? "INTx"
            : index_ == VFIO_PCI_MSI_IRQ_INDEX ? "MSI"
            : index_ == VFIO_PCI_MSIX_IRQ_INDEX ? "MSI-X"
                                                : "no interrupt");
        return;
    }
    if (index == VFIO_PCI_INTX_IRQ_INDEX) {
        regs_.intx_asserted = 1;
        sink_->set_level(true);
        return;
    }
    sink_->notify(number - 1);
}

// INTx stays asserted until the host clears STATUS_IRQ_RAISED.
void EpfTest::update_intx()
{
    if (!regs_.intx_asserted || (regs_.status & STATUS_IRQ_RAISED)) {
        return;
    }
    regs_.intx_asserted = 0;
    if (index_ == VFIO_PCI_INTX_IRQ_INDEX && sink_) {
        sink_->set_level(false);
    }
}

void EpfTest::set_sink(std::uint32_t index, vfio::IrqSink *sink)
{
    if (!sink) {
        if (index == index_) {
            sink_ = nullptr;
            index_ = ~std::uint32_t(0);
        }
        return;
    }
    index_ = index;
    sink_ = sink;
    if (index == VFIO_PCI_INTX_IRQ_INDEX) {
        sink_->set_level(regs_.intx_asserted); // a new sink learns the level
    }
}

void EpfTest::reset()
{
    generation_++;
    const bool was_asserted = regs_.intx_asserted;
    regs_ = EpfTestRegs{};
    rf_.reset(); // the declared reset values (all 0: the endpoint zeroes its BAR)
    regs_.random = 0x9e3779b97f4a7c15ull;
    std::memset(bars_.get(), 0, sizeof(EpfTestBars));
    if (was_asserted && index_ == VFIO_PCI_INTX_IRQ_INDEX && sink_) {
        sink_->set_level(false);
    }
}

void EpfTest::loaded()
{
    regs_.intx_asserted = regs_.intx_asserted ? 1 : 0;
    if (regs_.random == 0) {
        regs_.random = 0x9e3779b97f4a7c15ull; // xorshift never leaves 0
    }
    if (index_ == VFIO_PCI_INTX_IRQ_INDEX && sink_) {
        sink_->set_level(regs_.intx_asserted);
    }
}

// ---- 2. PCI config space -------------------------------------------------------

namespace {

constexpr std::uint16_t kClassOthers = 0xff00; // PCI_CLASS_OTHERS << 8, as pci-epf-test's header
constexpr std::uint8_t kPinIntA = 1;

vfio::RegionInfo bar_region(std::uint64_t size)
{
    return {VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE, size};
}

Result<vfio::PciConfig> build_config(std::uint32_t msi_vectors, std::uint32_t msix_vectors)
{
    const Bar0Layout l = bar0_layout(msix_vectors);
    vfio::PciConfigBuilder b;
    b.ids(kVendorTi, kDeviceDra74x).class_code(kClassOthers).interrupt_pin(kPinIntA);
    b.bar(0, bar_region(l.size));
    for (unsigned bar = 1; bar < kBarSize.size(); bar++) {
        b.bar(bar, bar_region(kBarSize[bar]));
    }
    if (msi_vectors) {
        b.msi(msi_vectors, true, true);
    }
    if (msix_vectors) {
        b.msix(msix_vectors, 0, l.table_offset, 0, l.pba_offset);
    }
    return b.build();
}

Result<std::uint32_t> vector_property(const CreateArgs &args, const char *name,
                                      std::uint32_t fallback, std::uint32_t max,
                                      bool power_of_two)
{
    std::optional<std::string_view> text = args.properties.get(name);
    std::uint32_t v = fallback;
    if (text) {
        auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
        if (ec != std::errc{} || end != text->data() + text->size()) {
            return Error{Errc::invalid_property,
                         std::string("property '") + name + "': not a number"};
        }
    }
    if (v > max || (power_of_two && v != 0 && !std::has_single_bit(v))) {
        return Error{Errc::invalid_property,
                     std::string("property '") + name + "': " + std::to_string(v) +
                         " vectors; accepted: 0 (none)" +
                         (power_of_two ? ", 1, 2, 4, 8, 16 or 32" : " to " + std::to_string(max))};
    }
    return v;
}

} // namespace

// ---- 3. The parent ----------------------------------------------------------------

EpfTestMdev::EpfTestMdev(std::uint32_t msi_vectors, std::uint32_t msix_vectors,
                         vfio::PciConfig config)
    : fn_(host_, msi_vectors, msix_vectors), config_(config)
{
}

bool EpfTestMdev::DeviceHost::dma_read(std::uint64_t addr, std::span<std::uint8_t> out)
{
    return dev && vfio::dma_read(*dev, addr, out);
}

bool EpfTestMdev::DeviceHost::dma_write(std::uint64_t addr, std::span<const std::uint8_t> in)
{
    return dev && vfio::dma_write(*dev, addr, in);
}

void EpfTestMdev::DeviceHost::guest_error(const std::string &message)
{
    if (dev) {
        dev->guest_error("%s", message.c_str());
    }
}

std::optional<std::string> EpfTestMdev::property(std::string_view name) const
{
    if (name == "msi-vectors") {
        return std::to_string(fn_.msi_vectors());
    }
    if (name == "msix-vectors") {
        return std::to_string(fn_.msix_vectors());
    }
    return std::nullopt;
}

EpfTestParent::EpfTestParent()
{
    types_.push_back({"epf-test", "PCI endpoint test function",
                      "Linux's pci-epf-test: BAR tests, INTx/MSI/MSI-X, read/write/copy with "
                      "CRC-32",
                      "vfio-pci"});
}

unsigned EpfTestParent::available_instances(const MdevType &) const
{
    return kEpfTestCount - created_;
}

Result<std::unique_ptr<VendorState>> EpfTestParent::create(const CreateArgs &args)
{
    if (args.type.id != types_[0].id) {
        return Error{Errc::unknown_type, "parent 'epf-test' has no type '" + args.type.id + "'"};
    }
    if (created_ >= kEpfTestCount) {
        return Error{Errc::budget_exhausted, "parent 'epf-test' has room for " +
                                                 std::to_string(kEpfTestCount) +
                                                 " functions, all in use"};
    }
    Result<std::uint32_t> msi = vector_property(args, "msi-vectors", kMaxMsi, kMaxMsi, true);
    if (!msi) {
        return msi.error();
    }
    Result<std::uint32_t> msix =
        vector_property(args, "msix-vectors", kMaxMsix, kMaxMsix, false);
    if (!msix) {
        return msix.error();
    }
    Result<vfio::PciConfig> config = build_config(*msi, *msix);
    if (!config) {
        return config.error();
    }
    created_++;
    return std::unique_ptr<VendorState>(std::make_unique<EpfTestMdev>(*msi, *msix, *config));
}

void EpfTestParent::remove(VendorState &)
{
    created_--;
}

// ---- 4. The vfio ops adapter ------------------------------------------------------
// Everything the vfio ops API asks, answered from EpfTest; nothing else in
// this file knows that API's shape.

namespace {

EpfTestMdev &mdev_of(Device &dev)
{
    EpfTestMdev &m = dev.vendor_state<EpfTestMdev>();
    m.attach(dev);
    return m;
}

// BarAccessor handlers of BAR `Bar`; opaque is the EpfTest.
template <unsigned Bar>
std::uint64_t bar_read(void *opaque, std::uint64_t offset, unsigned size)
{
    return static_cast<EpfTest *>(opaque)->read(Bar, offset, size);
}

template <unsigned Bar>
void bar_write(void *opaque, std::uint64_t offset, std::uint64_t value, unsigned size)
{
    static_cast<EpfTest *>(opaque)->write(Bar, offset, value, size);
}

constexpr vfio::BarAccessor::ReadFn kBarRead[] = {bar_read<0>, bar_read<1>, bar_read<2>,
                                                  bar_read<3>, bar_read<4>, bar_read<5>};
constexpr vfio::BarAccessor::WriteFn kBarWrite[] = {bar_write<0>, bar_write<1>, bar_write<2>,
                                                    bar_write<3>, bar_write<4>, bar_write<5>};

// Every BAR traps. BAR1..5 are plain memory that could be RAM-backed
// (PciBar::ram and mmap()), and the host's BAR test would run faster, but
// trapped they stay the function's own state: they migrate with
// EpfTestBars and nowhere else, reset clears them, and the function's
// transfers (vfio::dma_read/dma_write reach guest RAM only) refuse them
// as the endpoint's outbound window cannot reach its own BARs. pcitest.sh
// touches them with 32-bit accesses only: 2 x 300 K of them for its six
// BAR tests, well inside the case's time (docs/samples.md).
class EpfTestVfioOps final : public vfio::VfioOps {
public:
    vfio::PciConfig pci_config(const Device &dev) const override
    {
        return dev.vendor_state<EpfTestMdev>().config();
    }

    vfio::BarAccessor bar_accessor(Device &dev, unsigned bar) const override
    {
        if (bar >= std::size(kBarRead)) {
            return {};
        }
        // Aligned accesses of 1 to 8 bytes: the register file refuses
        // misaligned ones and those wider than a register itself (with a
        // line naming it), and EpfTest splits an aligned 8-byte one.
        return vfio::BarAccessor{.read = kBarRead[bar],
                                 .write = kBarWrite[bar],
                                 .opaque = &mdev_of(dev).function(),
                                 .min_size = 1,
                                 .max_size = 8,
                                 .unaligned = false};
    }

    bool set_irqs(Device &dev, std::uint32_t index, vfio::IrqSink *sink) const override
    {
        if (index > VFIO_PCI_MSIX_IRQ_INDEX) {
            return false;
        }
        mdev_of(dev).function().set_sink(index, sink);
        return true;
    }

    void reset(Device &dev) const override { mdev_of(dev).function().reset(); }
};

const EpfTestVfioOps kVfioOps;

} // namespace

Status EpfTestParent::register_ops(Core &core) const
{
    return core.register_ops(id(), kVfioOps);
}

// ---- 5. The declaration -------------------------------------------------------------

namespace {

constexpr migration::Field kRegsFields[] = {
    MDEV_MIGRATE(EpfTestRegs, magic),
    MDEV_MIGRATE(EpfTestRegs, command),
    MDEV_MIGRATE(EpfTestRegs, status),
    MDEV_MIGRATE(EpfTestRegs, lower_src_addr),
    MDEV_MIGRATE(EpfTestRegs, upper_src_addr),
    MDEV_MIGRATE(EpfTestRegs, lower_dst_addr),
    MDEV_MIGRATE(EpfTestRegs, upper_dst_addr),
    MDEV_MIGRATE(EpfTestRegs, size),
    MDEV_MIGRATE(EpfTestRegs, checksum),
    MDEV_MIGRATE(EpfTestRegs, irq_type),
    MDEV_MIGRATE(EpfTestRegs, irq_number),
    MDEV_MIGRATE(EpfTestRegs, flags),
    MDEV_MIGRATE(EpfTestRegs, intx_asserted),
    MDEV_MIGRATE(EpfTestRegs, random),
};
constexpr migration::Struct kRegs =
    migration::describe<EpfTestRegs>("epf-test/regs", 1, kRegsFields);
constexpr migration::Field kBarsFields[] = {
    MDEV_MIGRATE(EpfTestBars, bar1), MDEV_MIGRATE(EpfTestBars, bar2),
    MDEV_MIGRATE(EpfTestBars, bar3), MDEV_MIGRATE(EpfTestBars, bar4),
    MDEV_MIGRATE(EpfTestBars, bar5),
};
constexpr migration::Struct kBars =
    migration::describe<EpfTestBars>("epf-test/bars", 1, kBarsFields);
constexpr const migration::Struct *kState[] = {&kRegs, &kBars};

constexpr PropertyDecl kProperties[] = {
    {"msi-vectors", MDEV_PROP_UINT32,
     "MSI vectors in the MSI capability (0: no MSI; 1, 2, 4, .. 32)", "32"},
    {"msix-vectors", MDEV_PROP_UINT32,
     "MSI-X table entries (0: no MSI-X; 1..2048; table at BAR0+0x80, PBA after it)", "2048"},
};

constexpr ParentDeclaration kEpfTest = {
    .name = "epf-test",
    .description = "mdev sample: Linux's PCI endpoint test function (pci-epf-test), "
                   "for pci_endpoint_test and pcitest",
    .category = MDEV_CATEGORY_MISC,
    .make = make_parent<EpfTestParent>,
    .budget_help = "The parent has room for 8 functions",
    .properties = kProperties,
    .state = kState,
};
const Registration kRegisterEpfTest(kEpfTest);

} // namespace

std::vector<migration::Data> EpfTestMdev::migrated(const Device &)
{
    return {{kRegs, fn_.regs()}, {kBars, fn_.bars()}};
}

bool EpfTestMdev::post_load(Device &dev)
{
    attach(dev);
    fn_.loaded();
    return true;
}

} // namespace mdev::samples
