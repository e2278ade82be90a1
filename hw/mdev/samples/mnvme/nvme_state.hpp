// SPDX-License-Identifier: GPL-2.0-or-later
// The whole guest-visible state of one NVMe controller, as plain data (for
// migration, see mnvme.cpp): registers, queues, features, outstanding
// Asynchronous Event Requests. Everything else the controller holds is
// derived from it or fixed when the mdev is created (namespaces, identity).
// An all-zero state is the power-on state but for the phase tags, which
// the controller sets when it creates a queue.
#pragma once

#include <cstdint>

namespace mdev::samples::nvme {

// I/O submission and completion queues each (queue ids 1..kMaxIoQueues);
// with the admin queue, also the MSI-X vector count (one per CQ).
inline constexpr unsigned kMaxIoQueues = 16;
inline constexpr unsigned kQueueIds = kMaxIoQueues + 1;
inline constexpr unsigned kMaxQueueEntries = 1024; // CAP.MQES + 1 (I/O queues)
inline constexpr unsigned kMaxAdminEntries = 4096; // AQA.ASQS/ACQS are 12 bits (3.1.8)
inline constexpr unsigned kAerLimit = 4;           // Identify AERL + 1
inline constexpr unsigned kEventQueue = 8;         // events waiting for an AER
inline constexpr unsigned kMaxNamespaces = 2;      // nsid 1: RAM, nsid 2: file

struct NvmeSq {
    std::uint64_t base;
    std::uint16_t size; // entries
    std::uint16_t head;
    std::uint16_t tail; // as the guest last rang it
    std::uint16_t cqid;
    bool valid;
};

struct NvmeCq {
    std::uint64_t base;
    std::uint16_t size;
    std::uint16_t head; // as the guest last rang it
    std::uint16_t tail;
    std::uint16_t vector;
    bool valid;
    bool irq_enabled;
    bool phase;       // the phase tag the next entry carries
    bool msi_pending; // a message held back by INTMS (MSI only)
};

struct NvmeFeatures {
    std::uint32_t arbitration;
    std::uint32_t power_mgmt;
    std::uint32_t temp_thresh;
    std::uint32_t err_recovery;
    std::uint32_t irq_coalesce;
    std::uint32_t irq_config_cd; // Coalescing Disable, one bit per vector
    std::uint32_t write_atomic;
    std::uint32_t async_event_cfg;
    bool volatile_wc;
    std::uint16_t nsqa; // I/O SQs granted (1's based; 0: not yet asked)
    std::uint16_t ncqa;
};

struct NvmeControllerState {
    std::uint32_t cc;
    std::uint32_t csts;
    std::uint32_t aqa;
    std::uint32_t intms;
    std::uint64_t asq;
    std::uint64_t acq;
    NvmeSq sq[kQueueIds];
    NvmeCq cq[kQueueIds];
    NvmeFeatures feat;
    std::uint16_t aer_cid[kAerLimit]; // outstanding AERs (admin queue)
    std::uint8_t aer_count;
    std::uint32_t events[kEventQueue]; // completion DW0 of events not yet reported
    std::uint8_t event_count;
    std::uint8_t masked_event_types; // bit per AEN type, until its log is read
    // Error Information log (one entry: the latest).
    std::uint64_t error_count;
    std::uint16_t error_sqid;
    std::uint16_t error_cid;
    std::uint16_t error_status;
    bool intx_level; // as last reported
    // Namespaces (bit nsid - 1) written since power-on whose contents live
    // only in this process (RAM): those do not migrate, so a stream from a
    // controller with one set is refused rather than losing the data.
    std::uint8_t volatile_ns_written;
    // Doorbell Buffer Config (nvme_dbbuf.hpp): the guest addresses of the
    // shadow doorbell and EventIdx buffers, while dbbuf_on. Cleared by a
    // controller reset.
    std::uint64_t dbbuf_dbs;
    std::uint64_t dbbuf_eis;
    bool dbbuf_on;
};

} // namespace mdev::samples::nvme
