// SPDX-License-Identifier: GPL-2.0-or-later
// An NVMe 1.4 controller (NVM command set) over plain state: its BAR0
// register file and doorbells, queue processing, completions and
// interrupts. The admin commands are in nvme_admin.cpp, the I/O commands in
// nvme_io.cpp. Commands run to completion when their submission queue's
// tail doorbell is written, so nothing but Asynchronous Event Requests is
// ever outstanding.
//
// Hostile guests: every fault in what the guest wrote (registers, queue
// entries, PRPs, doorbells) is logged through ErrorLog and answered as the
// spec says (a completion status, an asynchronous error event, or for
// queue memory that is not RAM, Controller Fatal Status); none aborts.
// Re-entry: if a DMA or interrupt of the controller's reaches its own
// registers again (an MSI aimed at a doorbell, say), the inner access only
// records its effect and the outer loop picks it up; a reset from inside
// leaves the outer loop nothing to work on.
#pragma once

#include "samples/mnvme/nvme_faults.hpp"
#include "samples/mnvme/nvme_ports.hpp"
#include "samples/mnvme/nvme_prp.hpp"
#include "samples/mnvme/nvme_spec.hpp"
#include "samples/mnvme/nvme_state.hpp"
#include "samples/mnvme/nvme_storage.hpp"

#include "hw/mdev/regfile.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mdev::samples::nvme {

inline constexpr unsigned kPageShift = 12;        // CAP.MPSMIN = MPSMAX = 0: 4 KiB
inline constexpr std::uint32_t kPageSize = 1u << kPageShift;
// MDTS, the largest transfer of one command in pages as a power of two:
// 7 (512 KiB, as QEMU's nvme) unless the mdev's `mdts` property says
// otherwise (1..10: 8 KiB to 4 MiB; Linux 6.1's nvme takes at most 4 MiB).
inline constexpr std::uint8_t kMdts = 7;
inline constexpr std::uint8_t kMdtsMax = 10;
inline constexpr std::uint32_t kMaxTransfer = kPageSize << kMdts;

// What Identify reports about the controller; fixed per mdev.
struct Identity {
    std::uint16_t vid = 0;
    std::uint16_t ssvid = 0;
    std::string serial;   // up to 20 ASCII characters
    std::string model;    // up to 40
    std::string firmware; // up to 8
    std::array<std::uint8_t, 16> uuid{}; // the mdev's; namespace UUIDs derive from it
    bool shadow_doorbells = true; // OACS bit 8: Doorbell Buffer Config (nvme_dbbuf.hpp)
    std::uint8_t mdts = kMdts;    // 1..kMdtsMax
};

struct Namespace {
    std::unique_ptr<Storage> storage; // null: inactive
    unsigned lba_shift = 9;
    std::uint64_t blocks() const { return storage ? storage->size() >> lba_shift : 0; }
};

// BAR0: registers, then one SQ tail and one CQ head doorbell per queue id
// (CAP.DSTRD = 0), rounded up to a power of two.
inline constexpr std::uint32_t kBar0Size = 0x4000;

class Controller {
public:
    Controller(NvmeControllerState &state, Dma &dma, Interrupts &irq, ErrorLog &log,
               Identity identity, std::array<Namespace, kMaxNamespaces> namespaces);

    // Dword accesses at dword-aligned offsets of BAR0 (the vfio face hands
    // QEMU 4-byte handlers; a 64-bit register is two of them, low first).
    std::uint32_t read32(std::uint32_t offset) const;
    void write32(std::uint32_t offset, std::uint32_t value);

    // Power-on (VFIO_DEVICE_RESET, system reset): every register and queue.
    void power_on_reset();
    // The function's interrupt mode or vector count changed.
    void irq_changed();
    // After a migration load: false if the state is not one this
    // controller could have reached. Re-derives the INTx level.
    bool post_load();

    std::uint64_t cap() const;
    const NvmeControllerState &state() const { return s_; }

    // BAR0's controller registers (CAP .. ACQ), declared in
    // nvme_controller.cpp, and a register file over this controller's
    // state whose guest errors go to its ErrorLog. The doorbells are not in
    // the table: write32() computes them from the offset.
    static const regs::RegisterTable &register_table() { return kRegisterTable; }
    regs::RegisterFile registers()
    {
        return regs::RegisterFile(kRegisterTable, regs::storage_of(s_), this, &reg_log_);
    }
    const Namespace &ns(std::uint32_t nsid) const { return ns_[nsid - 1]; }
    // The mdev took another UUID (its migration stream's): Identify reports
    // the serial and UUIDs derived from it from now on (what it offers,
    // shadow doorbells, stays).
    void set_identity(Identity identity)
    {
        identity.shadow_doorbells = id_.shadow_doorbells;
        identity.mdts = id_.mdts;
        id_ = std::move(identity);
    }
    bool offers_shadow_doorbells() const { return id_.shadow_doorbells; }
    std::uint8_t mdts() const { return id_.mdts; }
    std::uint32_t max_transfer() const { return kPageSize << id_.mdts; }

    // Declares mnvme's faults (nvme_faults.hpp) in the device's set; the
    // controller checks them at its hooks from then on.
    void attach_faults(FaultSet &set);

private:
    struct Command {
        std::array<std::uint8_t, NVME_SQE_SIZE> raw;
        std::uint8_t opcode() const { return raw[0]; }
        std::uint8_t flags() const { return raw[1]; }
        std::uint16_t cid() const;
        std::uint32_t nsid() const;
        std::uint64_t prp1() const;
        std::uint64_t prp2() const;
        std::uint32_t cdw(unsigned n) const; // n = 10..15
    };
    struct Outcome {
        std::uint16_t status = 0;
        std::uint32_t dw0 = 0;
        bool deferred = false; // an AER: completed later
    };

    static const regs::Register kRegisters[];
    static const regs::RegisterTable kRegisterTable;

    // The register file's lines go to the ErrorLog.
    class RegLog final : public GuestLog {
    public:
        explicit RegLog(ErrorLog &log) : log_(log) {}
        void guest_error(std::string_view message) override
        {
            log_.guest_error("%.*s", static_cast<int>(message.size()), message.data());
        }

    private:
        ErrorLog &log_;
    };

    // The table's hooks.
    const char *write_intms(const regs::Register &reg, std::uint64_t value);
    const char *write_intmc(const regs::Register &reg, std::uint64_t value);
    const char *write_cc_reg(const regs::Register &reg, std::uint64_t value);
    const char *write_nssr(const regs::Register &reg, std::uint64_t value);
    const char *write_admin_queue(const regs::Register &reg, std::uint64_t value);

    bool enabled() const;
    void write_cc(std::uint32_t value);
    void enable();
    void controller_reset();
    void fatal(const char *why);
    void doorbell(std::uint32_t offset, std::uint32_t value);

    void run();
    void drain(std::uint16_t sqid);
    bool cq_full(const NvmeCq &cq) const;
    bool post(std::uint16_t sqid, std::uint16_t cid, std::uint16_t status, std::uint32_t dw0);
    void signal(NvmeCq &cq);
    void update_intx();

    // nvme_admin.cpp
    Outcome admin(const Command &c);
    Outcome create_cq(const Command &c);
    Outcome create_sq(const Command &c);
    Outcome delete_cq(const Command &c);
    Outcome delete_sq(const Command &c);
    Outcome identify(const Command &c);
    Outcome get_features(const Command &c);
    Outcome set_features(const Command &c);
    Outcome get_log_page(const Command &c);
    Outcome async_event(const Command &c);
    Outcome doorbell_buffer_config(const Command &c);
    void identify_controller(std::span<std::uint8_t> out) const;
    void identify_namespace(std::uint32_t nsid, std::span<std::uint8_t> out) const;
    std::array<std::uint8_t, 16> namespace_uuid(std::uint32_t nsid) const;
    void default_features();
    void raise_event(std::uint8_t type, std::uint8_t info, std::uint8_t log_page);
    void deliver_events();

    // nvme_io.cpp
    Outcome io(const Command &c);
    Outcome read_write(const Command &c, Namespace &ns, bool write);
    Outcome write_zeroes(const Command &c, Namespace &ns);
    Outcome flush(const Command &c);

    // Data transfer between guest memory (the command's PRPs) and `data`.
    std::uint16_t to_guest(const Command &c, std::span<const std::uint8_t> data);
    std::uint16_t from_guest(const Command &c, std::span<std::uint8_t> data);
    std::uint16_t map(const Command &c, std::uint64_t length);

    void log_error(std::uint16_t sqid, const Command &c, std::uint16_t status);

    // Shadow doorbells (nvme_dbbuf.hpp). Each returns false once a DMA
    // error has turned them off.
    bool shadow_read(std::uint64_t slot, std::uint16_t *value);
    bool shadow_write(std::uint64_t base, std::uint64_t slot, std::uint16_t value);
    void shadow_off(const char *what, std::uint64_t addr);
    void shadow_forget(); // the EventIdx values last written: unknown
    bool shadow_sq_more(std::uint16_t sqid);
    bool shadow_cq_head(std::uint16_t cqid);
    bool shadow_cq_room(std::uint16_t cqid);
    void shadow_cq_ask_head(std::uint16_t cqid);
    void shadow_queue_created(bool sq, std::uint16_t qid);

    NvmeControllerState &s_;
    Dma &dma_;
    Interrupts &irq_;
    ErrorLog &log_;
    RegLog reg_log_{log_};
    Identity id_;
    std::array<Namespace, kMaxNamespaces> ns_;
    PrpWalker prp_;
    std::vector<Segment> segs_;        // the current command's, reused
    std::vector<std::uint8_t> bounce_; // for storage not in memory
    std::uint16_t current_sqid_ = 0;
    bool running_ = false; // run() is on the stack
    bool rerun_ = false;   // a doorbell rang while it was
    std::uint64_t resets_ = 0; // controller resets so far (re-entry check)
    bool shadow_more_ = false; // a drain() stopped with shadow entries left
    // The EventIdx last written per SQ and CQ (-1: unknown), so that an
    // idle queue costs one shadow read per doorbell, not a write too.
    std::array<std::int32_t, kQueueIds> sq_event_{};
    std::array<std::int32_t, kQueueIds> cq_event_{};
    NvmeFaults faults_; // last: its action calls this controller
};

} // namespace mdev::samples::nvme
