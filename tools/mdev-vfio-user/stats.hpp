// SPDX-License-Identifier: GPL-2.0-or-later
// Per-device counters of the served function's traffic, a debug option
// (MDEV_VFIO_USER_STATS=1 in the server's environment; docs/vfio-user.md,
// "Counters"): messages by kind (config space, BAR reads and writes, the
// writes by BAR offset), DMA calls, bytes and time, interrupts triggered,
// and the device thread's CPU time. Printed to stderr when a client
// disconnects or the server stops. Off, each hook is one branch.
//
// Only the device's own thread touches its counters (every message, DMA and
// trigger of a device runs on it), so they are plain integers.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <time.h>

namespace mdev::vfio_user {

class Stats {
public:
    Stats();
    bool on() const { return on_; }

    static std::uint64_t now_ns()
    {
        timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return std::uint64_t(t.tv_sec) * 1000000000u + std::uint64_t(t.tv_nsec);
    }

    void config(bool write) { (write ? config_writes_ : config_reads_)++; }
    void bar(unsigned bar, std::uint64_t offset, bool write, std::uint64_t ns);
    void dma(bool write, std::uint64_t bytes, std::uint64_t ns);
    void irq() { irqs_++; }

    // One report (then zero): `why` says when (disconnect, stop).
    void report(std::FILE *out, const std::string &uuid, const char *why);

private:
    bool on_ = false;
    std::uint64_t config_reads_ = 0, config_writes_ = 0;
    std::uint64_t bar_reads_ = 0, bar_writes_ = 0, bar_ns_ = 0;
    std::map<std::uint64_t, std::uint64_t> writes_at_; // (bar << 48 | offset) -> count
    std::uint64_t dma_reads_ = 0, dma_writes_ = 0, dma_read_bytes_ = 0, dma_write_bytes_ = 0;
    std::uint64_t dma_read_ns_ = 0, dma_write_ns_ = 0;
    // DMA calls by length: 4 bytes or less, 16, 64, one 4 KiB page, other.
    std::uint64_t dma_by_len_[5] = {};
    std::uint64_t irqs_ = 0;
    std::uint64_t cpu_at_start_ = 0, wall_at_start_ = 0;
};

} // namespace mdev::vfio_user
