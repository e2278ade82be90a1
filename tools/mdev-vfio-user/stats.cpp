// SPDX-License-Identifier: GPL-2.0-or-later
#include "stats.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdlib>
#include <utility>
#include <vector>

namespace mdev::vfio_user {

namespace {

std::uint64_t thread_cpu_ns()
{
    timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return std::uint64_t(t.tv_sec) * 1000000000u + std::uint64_t(t.tv_nsec);
}

} // namespace

Stats::Stats()
{
    const char *v = std::getenv("MDEV_VFIO_USER_STATS");
    on_ = v && *v && *v != '0';
}

void Stats::bar(unsigned bar, std::uint64_t offset, bool write, std::uint64_t ns)
{
    if (cpu_at_start_ == 0) {
        cpu_at_start_ = thread_cpu_ns();
        wall_at_start_ = now_ns();
    }
    bar_ns_ += ns;
    if (write) {
        bar_writes_++;
        writes_at_[std::uint64_t(bar) << 48 | offset]++;
    } else {
        bar_reads_++;
    }
}

void Stats::dma(bool write, std::uint64_t bytes, std::uint64_t ns)
{
    (write ? dma_writes_ : dma_reads_)++;
    (write ? dma_write_bytes_ : dma_read_bytes_) += bytes;
    (write ? dma_write_ns_ : dma_read_ns_) += ns;
    dma_by_len_[bytes <= 4 ? 0 : bytes == 16 ? 1 : bytes == 64 ? 2 : bytes == 4096 ? 3 : 4]++;
}

void Stats::report(std::FILE *out, const std::string &uuid, const char *why)
{
    if (!on_) {
        return;
    }
    const std::uint64_t cpu = cpu_at_start_ ? thread_cpu_ns() - cpu_at_start_ : 0;
    const std::uint64_t wall = cpu_at_start_ ? now_ns() - wall_at_start_ : 0;
    std::fprintf(out,
                 "mdev-vfio-user: %s: stats (%s): config %" PRIu64 " reads %" PRIu64
                 " writes; BAR %" PRIu64 " reads %" PRIu64 " writes, %.3f ms in their "
                 "handlers; DMA %" PRIu64 " reads (%" PRIu64 " bytes) %" PRIu64
                 " writes (%" PRIu64 " bytes), %.3f ms reading and %.3f ms writing; %" PRIu64
                 " interrupts; thread CPU %.3f ms over %.3f ms since the first BAR access\n",
                 uuid.c_str(), why, config_reads_, config_writes_, bar_reads_, bar_writes_,
                 bar_ns_ / 1e6, dma_reads_, dma_read_bytes_, dma_writes_, dma_write_bytes_,
                 dma_read_ns_ / 1e6, dma_write_ns_ / 1e6, irqs_, cpu / 1e6, wall / 1e6);
    std::fprintf(out,
                 "mdev-vfio-user: %s: stats: DMA calls by length: <=4 bytes %" PRIu64
                 ", 16 bytes %" PRIu64 ", 64 bytes %" PRIu64 ", 4096 bytes %" PRIu64
                 ", other %" PRIu64 "\n",
                 uuid.c_str(), dma_by_len_[0], dma_by_len_[1], dma_by_len_[2], dma_by_len_[3],
                 dma_by_len_[4]);
    std::vector<std::pair<std::uint64_t, std::uint64_t>> top(writes_at_.begin(),
                                                             writes_at_.end());
    std::sort(top.begin(), top.end(),
              [](const auto &a, const auto &b) { return a.second > b.second; });
    for (std::size_t i = 0; i < top.size() && i < 8; i++) {
        std::fprintf(out, "mdev-vfio-user: %s: stats: BAR%u + 0x%" PRIx64 ": %" PRIu64
                     " writes\n",
                     uuid.c_str(), unsigned(top[i].first >> 48),
                     top[i].first & ((std::uint64_t(1) << 48) - 1), top[i].second);
    }
    *this = Stats();
}

} // namespace mdev::vfio_user
