// SPDX-License-Identifier: GPL-2.0-or-later
// What the libFuzzer harnesses share: turning the fuzzer's bytes into values
// (clang's FuzzedDataProvider), an invariant check that ends the run the
// way a sanitizer does (so libFuzzer keeps the input as a crash), and a Host
// whose guest RAM is a byte array (the unit tests' FakeGuest) with every DMA
// shown to the harness.
#pragma once

#include "../unit/fake_guest.hpp"
#include "hw/mdev/host.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <span>
#include <string_view>

namespace mdev::fuzz {

// An invariant the harness checks was broken: print why and abort, which
// libFuzzer reports as a crash ("deadly signal") with the input saved.
[[noreturn]] inline void violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
[[noreturn]] inline void violation(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    std::fputs("FUZZ INVARIANT VIOLATED: ", stderr);
    std::vfprintf(stderr, fmt, ap);
    std::fputc('\n', stderr);
    va_end(ap);
    std::abort();
}

#define FUZZ_CHECK(cond, ...)                                                                  \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            ::mdev::fuzz::violation(__VA_ARGS__);                                              \
        }                                                                                      \
    } while (0)

// An access width: mostly the valid ones, sometimes one a guest should not
// be able to produce (0, 3, 16) to hit the frontends' checks.
inline unsigned pick_width(FuzzedDataProvider &in)
{
    static constexpr unsigned kWidths[] = {1, 2, 4, 8, 1, 2, 4, 0, 3, 16};
    return in.PickValueInArray(kWidths);
}

// An offset: mostly small (inside a register file), sometimes anything.
inline std::uint64_t pick_offset(FuzzedDataProvider &in, std::uint64_t usual_span)
{
    if (in.ConsumeIntegralInRange<unsigned>(0, 7) == 0) {
        return in.ConsumeIntegral<std::uint64_t>();
    }
    return in.ConsumeIntegralInRange<std::uint64_t>(0, usual_span);
}

// All ones in `width` bytes: what a refused read returns.
inline std::uint64_t all_ones(unsigned width)
{
    return width >= 8 ? ~std::uint64_t(0) : (std::uint64_t(1) << (8 * width)) - 1;
}

// Guest RAM as in the unit tests, plus an observer of every DMA the device
// does (to check where it wrote) and counters of what it reported.
class FuzzGuest final : public Host {
public:
    explicit FuzzGuest(std::size_t ram_size) : ram(ram_size) {}

    void guest_error(std::string_view) override { errors++; }
    void set_intx(bool asserted) override { intx = asserted; }
    void notify_msi(std::uint32_t vector) override { last_msi = vector; msis++; }
    void send_msi(std::uint64_t, std::uint32_t) override { msix_messages++; }
    bool dma_read(std::uint64_t addr, std::span<std::uint8_t> out) override
    {
        if (on_dma) {
            on_dma(false, addr, out.size());
        }
        return ram.dma_read(addr, out);
    }
    bool dma_write(std::uint64_t addr, std::span<const std::uint8_t> in) override
    {
        if (on_dma) {
            on_dma(true, addr, in.size());
        }
        return ram.dma_write(addr, in);
    }

    samples::test::FakeGuest ram;
    std::function<void(bool write, std::uint64_t addr, std::size_t len)> on_dma;
    unsigned errors = 0;
    unsigned msis = 0;
    unsigned msix_messages = 0;
    std::uint32_t last_msi = 0;
    bool intx = false;
};

} // namespace mdev::fuzz
