// SPDX-License-Identifier: GPL-2.0-or-later
// Re-entrant callbacks through the C interface QEMU's glue uses (mdev.h,
// virtio-pci.h, vfio-pci.h): up to two mdevs (mtty and mvnet, virtio or
// vfio) whose host callbacks call back into them, as the machine can:
//  - bus-master DMA is routed like QEMU's address space: guest RAM, each
//    device's own virtio structure BAR (a DMA write there is a register
//    write: device_status 0 resets the device, a doorbell kicks a queue),
//    and a slot-control byte per device whose bit 0 powers the slot off,
//    which unplugs the device at once (mdev_destroy);
//  - every callback (DMA, MSI, INTx) may, as the input says, reset the
//    device, reset or unplug itself or the other device, kick a queue, or
//    switch MSI-X, nested up to three deep.
// What must hold whatever happens (issue 8):
//  - no sanitizer report: no C++ state is freed under a call into it;
//  - no callback of any kind for a device after its mdev_destroy returned;
//  - no DMA write by a walk that was running when its device was reset:
//    after a reset, guest memory is written only by a new walk (a nested
//    call made after the reset);
//  - a removal gives the budget back at once, even while the QOM device
//    still holds the mdev (mdev_hold, released later, as instance_finalize
//    does): when everything is removed, the budgets are whole.
#include "hw/mdev/capi/mdev-fault.h"
#include "hw/mdev/capi/mdev.h"
#include "hw/mdev/capi/vfio-pci.h"
#include "hw/mdev/capi/virtio-pci.h"
#include "virtio/transport.hpp"
#include "virtio_driver.hpp"

#include <array>
#include <memory>
#include <vector>

namespace {

using namespace mdev;
using fuzz::violation;

// Where bus-master DMA goes besides RAM: device i's structure BAR (BAR4)
// and its slot-control byte.
constexpr std::uint64_t kBarWindow = 0xfe000000;
constexpr std::uint64_t kBarWindowStride = 0x10000;
constexpr std::uint64_t kSlotControl = 0xfd000000;
constexpr std::uint8_t kSlotPowerOff = 0x01;
constexpr unsigned kSlots = 2;
constexpr unsigned kMaxDepth = 3;

enum class Kind : unsigned { mtty1_virtio, mtty2_virtio, mvnet_virtio, mtty2_vfio, count };

struct Slot;

// One C entry point on the stack, for one device; stale once that device
// was reset under it.
struct Frame {
    Slot *slot;
    bool stale;
};

class CPort;

struct Slot {
    unsigned index = 0;
    Kind kind = Kind::mtty2_vfio;
    MdevHandle *h = nullptr;
    bool alive = false;
    unsigned errors = 0;
    // Replaced only at top level, never while one of its calls runs.
    std::unique_ptr<CPort> port;
    std::unique_ptr<fuzz::VirtioDriver> driver;
    bool virtio() const { return kind != Kind::mtty2_vfio; }
    std::uint64_t bar_window() const { return kBarWindow + kBarWindowStride * index; }
};

struct World {
    FuzzedDataProvider *in = nullptr;
    samples::test::FakeGuest ram{fuzz::kRamSize};
    std::array<Slot, kSlots> slots;
    std::vector<Frame> stack;
    std::vector<std::uint64_t> hot_addresses[kSlots];
    // What QEMU's devices hold from realize to instance_finalize, which
    // comes after the unplug; released at a later step.
    std::vector<MdevHold *> holds;
    fuzz::DriverHints hints[kSlots];
};

World *world;

// Runs one call into `s` (a C entry point) with a frame on the stack.
template <typename Call>
void enter(Slot &s, Call call)
{
    if (!s.alive) {
        return;
    }
    world->stack.push_back({&s, false});
    call();
    world->stack.pop_back();
}

// `s` was reset: every walk of it still on the stack is stale.
void mark_stale(Slot &s)
{
    for (Frame &f : world->stack) {
        if (f.slot == &s) {
            f.stale = true;
        }
    }
}

void destroy(Slot &s)
{
    if (!s.alive) {
        return;
    }
    MdevHandle *h = s.h;
    s.h = nullptr;
    mdev_destroy(h);
    // From here on, any callback for this device is a use of a host that
    // may be gone (in QEMU: a device being finalised).
    s.alive = false;
}

void reset_by_status(Slot &s)
{
    if (s.virtio()) {
        enter(s, [&] { mdev_virtio_bar_write(s.h, VIRTIO_PCI_COMMON_STATUS, 0, 1); });
    } else {
        enter(s, [&] { mdev_vfio_reset(s.h); });
    }
    mark_stale(s);
}

void system_reset(Slot &s)
{
    enter(s, [&] { s.virtio() ? mdev_virtio_reset(s.h) : mdev_vfio_reset(s.h); });
    mark_stale(s);
}

// What a callback does next, as the input says: mostly nothing.
void maybe_reenter(Slot &s)
{
    if (world->stack.size() >= kMaxDepth) {
        return;
    }
    FuzzedDataProvider &in = *world->in;
    Slot &other = world->slots[(s.index + 1) % kSlots];
    switch (in.ConsumeIntegralInRange<unsigned>(0, 15)) {
    case 9:
        reset_by_status(s);
        break;
    case 10:
        system_reset(s);
        break;
    case 11:
        destroy(s);
        break;
    case 12:
        destroy(other);
        break;
    case 13:
        if (s.virtio()) {
            const std::uint64_t q = in.ConsumeIntegralInRange<unsigned>(0, 5);
            enter(s, [&] {
                mdev_virtio_bar_write(s.h, MDEV_VIRTIO_NOTIFY_OFFSET + 4 * q, q, 2);
            });
        } else {
            const std::uint8_t value = in.ConsumeIntegral<std::uint8_t>();
            enter(s, [&] { mdev_vfio_bar_write(s.h, 0, 0, value, 1); });
        }
        break;
    case 14: {
        const bool on = in.ConsumeBool();
        enter(s, [&] {
            s.virtio() ? mdev_virtio_set_msix_enabled(s.h, on) : mdev_vfio_set_msi_enabled(s.h, on);
        });
        break;
    }
    case 15:
        reset_by_status(other);
        break;
    default:
        break;
    }
}

Slot &slot_of(void *opaque)
{
    return *static_cast<Slot *>(opaque);
}

void check_attached(Slot &s, const char *what)
{
    if (!s.alive) {
        violation("%s callback for device %u after its mdev_destroy returned", what, s.index);
    }
}

// A DMA write by a walk that was running when its device was reset is the
// bug of issue 8's case 2. Reads are let through: the walker's peek() checks
// for a reset only on entry, so one that happens inside its own read of the
// avail index still lets it read the reset ring's entry and descriptors
// (never write; see docs/fuzzing.md, findings).
void check_not_stale(Slot &s, bool write, std::uint64_t addr, std::size_t len)
{
    if (!write) {
        return;
    }
    for (auto f = world->stack.rbegin(); f != world->stack.rend(); ++f) {
        if (f->slot == &s) {
            FUZZ_CHECK(!f->stale,
                       "DMA %s of %zu bytes at 0x%llx by device %u from a walk that was running "
                       "when the device was reset",
                       write ? "write" : "read", len, (unsigned long long)addr, s.index);
            return;
        }
    }
    violation("DMA by device %u with none of its calls on the stack", s.index);
}

// The MMIO side of a DMA into device t's structure BAR: naturally aligned
// accesses of up to 4 bytes, as QEMU's memory core splits them.
bool bar_window_access(Slot &t, std::uint64_t offset, std::uint8_t *buf, std::size_t len,
                       bool write)
{
    if (!t.alive || offset >= MDEV_VIRTIO_STRUCT_BAR_SIZE ||
        len > MDEV_VIRTIO_STRUCT_BAR_SIZE - offset) {
        return false;
    }
    for (std::size_t p = 0; p < len;) {
        const std::uint64_t at = offset + p;
        unsigned w = 4;
        while (at % w != 0 || p + w > len) {
            w /= 2;
        }
        std::uint64_t v = 0;
        if (write) {
            for (unsigned i = 0; i < w; i++) {
                v |= std::uint64_t(buf[p + i]) << (8 * i);
            }
            if (t.virtio()) {
                enter(t, [&] { mdev_virtio_bar_write(t.h, at, v, w); });
                if (at == VIRTIO_PCI_COMMON_STATUS && w == 1 && v == 0) {
                    mark_stale(t);
                }
            } else {
                enter(t, [&] { mdev_vfio_bar_write(t.h, 0, at % 8, v & 0xff, 1); });
            }
        } else {
            if (t.virtio()) {
                enter(t, [&] { v = mdev_virtio_bar_read(t.h, at, w); });
            }
            for (unsigned i = 0; i < w; i++) {
                buf[p + i] = std::uint8_t(v >> (8 * i));
            }
        }
        p += w;
    }
    return true;
}

// Bus-master DMA as the machine routes it.
bool route(std::uint64_t addr, std::uint8_t *buf, std::size_t len, bool write)
{
    if (world->ram.in_ram(addr, len)) {
        return write ? world->ram.dma_write(addr, std::span<const std::uint8_t>(buf, len))
                     : world->ram.dma_read(addr, std::span(buf, len));
    }
    for (Slot &t : world->slots) {
        if (addr >= t.bar_window() && addr - t.bar_window() < kBarWindowStride) {
            return bar_window_access(t, addr - t.bar_window(), buf, len, write);
        }
    }
    if (addr >= kSlotControl && addr - kSlotControl < kSlots && len <= kSlots - (addr - kSlotControl)) {
        for (std::size_t i = 0; i < len; i++) {
            if (!write) {
                buf[i] = 0;
            } else if (buf[i] & kSlotPowerOff) {
                destroy(world->slots[addr - kSlotControl + i]);
            }
        }
        return true;
    }
    return false;
}

void cb_guest_error(void *opaque, const char *)
{
    Slot &s = slot_of(opaque);
    check_attached(s, "guest_error");
    s.errors++;
}

void cb_set_intx(void *opaque, bool)
{
    Slot &s = slot_of(opaque);
    check_attached(s, "set_intx");
    maybe_reenter(s);
}

void cb_notify_msi(void *opaque, std::uint32_t)
{
    Slot &s = slot_of(opaque);
    check_attached(s, "notify_msi");
    maybe_reenter(s);
}

bool cb_dma_read(void *opaque, std::uint64_t addr, void *buf, std::size_t len)
{
    Slot &s = slot_of(opaque);
    check_attached(s, "dma_read");
    check_not_stale(s, false, addr, len);
    const bool ok = route(addr, static_cast<std::uint8_t *>(buf), len, false);
    maybe_reenter(s);
    return ok;
}

bool cb_dma_write(void *opaque, std::uint64_t addr, const void *buf, std::size_t len)
{
    Slot &s = slot_of(opaque);
    check_attached(s, "dma_write");
    check_not_stale(s, true, addr, len);
    std::vector<std::uint8_t> copy(static_cast<const std::uint8_t *>(buf),
                                   static_cast<const std::uint8_t *>(buf) + len);
    const bool ok = route(addr, copy.data(), len, true);
    maybe_reenter(s);
    return ok;
}

constexpr MdevHostOps kHostOps = {cb_guest_error, cb_set_intx, cb_notify_msi, cb_dma_read,
                                  cb_dma_write, nullptr, nullptr, nullptr, nullptr, nullptr};

// The virtio driver of virtio_driver.hpp, through the C interface.
class CPort final : public fuzz::VirtioPort {
public:
    explicit CPort(Slot &s) : s_(s) {}
    std::uint64_t bar_read(std::uint64_t offset, unsigned width) override
    {
        std::uint64_t v = 0;
        enter(s_, [&] { v = mdev_virtio_bar_read(s_.h, offset, width); });
        return v;
    }
    void bar_write(std::uint64_t offset, std::uint64_t value, unsigned width) override
    {
        enter(s_, [&] { mdev_virtio_bar_write(s_.h, offset, value, width); });
    }
    MdevVirtioTransportState &state() override
    {
        if (!s_.alive) {
            dead_ = MdevVirtioTransportState{};
            return dead_;
        }
        return *mdev_virtio_state(s_.h);
    }
    std::uint16_t num_queues() override { return num_queues_; }
    void set_msix_enabled(bool on) override
    {
        enter(s_, [&] { mdev_virtio_set_msix_enabled(s_.h, on); });
    }
    void reset() override { system_reset(s_); }
    unsigned guest_errors() override { return s_.errors; }
    bool load(FuzzedDataProvider &) override
    {
        // Two calls: the first one's callbacks may already unplug the device.
        bool transport_ok = true, vendor_ok = true;
        enter(s_, [&] { transport_ok = mdev_virtio_post_load(s_.h); });
        enter(s_, [&] {
            vendor_ok = mdev_post_load(s_.h);
        });
        return transport_ok && vendor_ok;
    }
    // The monitor's path (mdev-fault.h, what QMP calls): one of the
    // device's faults armed with arguments made from its parameters' names
    // and types (the C interface shows no ranges or choices, so some are
    // refused: only safety is checked), or every fault cleared. What a
    // fault does at once (an interrupt) or on arming and clearing (link-down's
    // config interrupt) may re-enter and reset or unplug the device.
    void fault(FuzzedDataProvider &in) override
    {
        enter(s_, [&] {
            const std::size_t n = mdev_fault_count(s_.h);
            const std::size_t pick = in.ConsumeIntegralInRange<std::size_t>(0, n);
            MdevFaultDesc d{};
            MdevError err{};
            if (pick == n || !mdev_fault_info(s_.h, pick, &d)) {
                (void)mdev_fault_clear(s_.h, nullptr, &err);
                return;
            }
            const std::string name = d.name; // the strings live in the device
            if (in.ConsumeIntegralInRange<unsigned>(0, 3) == 0) {
                (void)mdev_fault_clear(s_.h, name.c_str(), &err);
                return;
            }
            std::vector<std::string> names, values;
            for (std::size_t p = 0; p < d.nparams; p++) {
                MdevFaultParamDesc pd{};
                if (!mdev_fault_param(s_.h, pick, p, &pd) || !in.ConsumeBool()) {
                    continue;
                }
                names.push_back(pd.name);
                const std::string type = pd.type;
                if (type == "int") {
                    values.push_back(std::to_string(in.ConsumeIntegralInRange<int>(0, 70)));
                } else if (type == "bool") {
                    values.push_back(in.ConsumeBool() ? "true" : "false");
                } else {
                    static const char *const kWords[] = {"tx", "rx", "any", "read", "write"};
                    values.push_back(kWords[in.ConsumeIntegralInRange<unsigned>(0, 4)]);
                }
            }
            std::vector<MdevFaultArg> args;
            for (std::size_t i = 0; i < names.size(); i++) {
                args.push_back({names[i].c_str(), values[i].c_str()});
            }
            (void)mdev_fault_inject(s_.h, name.c_str(), in.ConsumeIntegralInRange<unsigned>(0, 2),
                                    in.ConsumeIntegralInRange<unsigned>(0, 1), args.data(),
                                    args.size(), &err);
        });
    }
    void set_num_queues(std::uint16_t n) { num_queues_ = n; }

private:
    Slot &s_;
    std::uint16_t num_queues_ = 0;
    MdevVirtioTransportState dead_{};
};

void create(Slot &s, Kind kind)
{
    static const char *const kParent[] = {"mtty", "mtty", "mvnet", "mtty"};
    static const char *const kType[] = {"mtty-1", "mtty-2", "mvnet-virtio", "mtty-2"};
    static const char *const kClass[] = {"virtio", "virtio", "virtio", "vfio"};
    const unsigned k = static_cast<unsigned>(kind);
    char uuid[40];
    std::snprintf(uuid, sizeof(uuid), "7e3a0000-0000-4000-8000-00000000000%u", s.index);
    MdevError err{};
    s.kind = kind;
    s.errors = 0;
    s.h = mdev_create(kParent[k], kType[k], uuid, kClass[k], nullptr, 0, &kHostOps, &s, &err);
    FUZZ_CHECK(s.h, "mdev_create %s: %s", kType[k], err.message);
    s.alive = true;
    if (world->in->ConsumeBool()) {
        world->holds.push_back(mdev_hold(s.h));
    }
    s.port = std::make_unique<CPort>(s);
    if (s.virtio()) {
        MdevVirtioIdentity id{};
        mdev_virtio_identity(s.h, &id);
        s.port->set_num_queues(id.num_queues);
        s.driver = std::make_unique<fuzz::VirtioDriver>(*world->in, *s.port, world->ram,
                                                        world->hints[s.index]);
    } else {
        s.driver.reset();
        enter(s, [&] { mdev_vfio_connect_irqs(s.h); });
    }
}

// mtty's vfio face: a UART register of either port, any value.
void vfio_step(Slot &s, FuzzedDataProvider &in)
{
    const unsigned bar = in.ConsumeIntegralInRange<unsigned>(0, 1);
    const std::uint64_t reg = in.ConsumeIntegralInRange<unsigned>(0, 7);
    switch (in.ConsumeIntegralInRange<unsigned>(0, 2)) {
    case 0: {
        const std::uint8_t value = in.ConsumeIntegral<std::uint8_t>();
        enter(s, [&] { mdev_vfio_bar_write(s.h, bar, reg, value, 1); });
        break;
    }
    case 1:
        enter(s, [&] { (void)mdev_vfio_bar_read(s.h, bar, reg, 1); });
        break;
    default:
        system_reset(s);
        break;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    // The global core has every declared parent from its first use.
    static const unsigned full_mtty = mdev_available_instances("mtty", "mtty-1");
    FuzzedDataProvider in(data, size);
    World w;
    world = &w;
    w.in = &in;
    for (unsigned i = 0; i < kSlots; i++) {
        Slot &s = w.slots[i];
        s.index = i;
        const std::uint64_t own = s.bar_window(), other = kBarWindow + kBarWindowStride * (1 - i);
        w.hot_addresses[i] = {own + VIRTIO_PCI_COMMON_STATUS,
                              own + MDEV_VIRTIO_NOTIFY_OFFSET,
                              own + MDEV_VIRTIO_NOTIFY_OFFSET + 4,
                              own + MDEV_VIRTIO_ISR_OFFSET,
                              own + VIRTIO_PCI_COMMON_STATUS - 3,
                              other + VIRTIO_PCI_COMMON_STATUS,
                              kSlotControl + i,
                              kSlotControl + (1 - i)};
        w.hints[i].ring_base = fuzz::kRamBase + 0x2000 * i;
        w.hints[i].hot_addresses = w.hot_addresses[i];
    }

    for (unsigned steps = 0; steps < 300 && in.remaining_bytes() > 0; steps++) {
        Slot &s = w.slots[in.ConsumeIntegralInRange<unsigned>(0, kSlots - 1)];
        const unsigned op = in.ConsumeIntegralInRange<unsigned>(0, 7);
        if (op == 7 && !w.holds.empty()) {
            // A finalize: the oldest hold goes (its device may be long gone).
            mdev_release(w.holds.front());
            w.holds.erase(w.holds.begin());
            continue;
        }
        if (!s.alive) {
            if (op == 0) {
                create(s, static_cast<Kind>(in.ConsumeIntegralInRange<unsigned>(
                              0, static_cast<unsigned>(Kind::count) - 1)));
            }
            continue;
        }
        if (op == 0) {
            destroy(s);
        } else if (s.virtio()) {
            s.driver->step(in.ConsumeIntegralInRange<unsigned>(0, fuzz::kNumVirtioOps - 1));
            if (!s.driver->alive()) {
                destroy(s); // a refused migration stream: QEMU drops the device
            }
        } else {
            vfio_step(s, in);
        }
        FUZZ_CHECK(w.stack.empty(), "a call frame was left on the stack");
    }

    for (Slot &s : w.slots) {
        destroy(s);
    }
    FUZZ_CHECK(mdev_available_instances("mtty", "mtty-1") == full_mtty,
               "mtty budget %u after removing everything (%zu holds left), not %u",
               mdev_available_instances("mtty", "mtty-1"), w.holds.size(), full_mtty);
    for (MdevHold *hold : w.holds) {
        mdev_release(hold);
    }
    world = nullptr;
    return 0;
}
