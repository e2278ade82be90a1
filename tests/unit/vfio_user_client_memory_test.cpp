// SPDX-License-Identifier: GPL-2.0-or-later
// mdev-vfio-user's guarded copies of client memory (client_memory.hpp): a
// page of a mapped file that is gone (the client truncated it) fails the
// copy instead of ending the process; pages that are there copy; a SIGBUS
// outside a guarded copy still ends the process.
#include "client_memory.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstring>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

namespace {

using mdev::vfio_user::read_client_memory;
using mdev::vfio_user::write_client_memory;

constexpr std::size_t kPage = 4096;

// A shared mapping of four pages over a memfd, truncated to `keep` pages.
struct ShrunkFile {
    explicit ShrunkFile(std::size_t keep)
    {
        fd = memfd_create("client-memory-test", 0);
        EXPECT_GE(fd, 0);
        EXPECT_EQ(ftruncate(fd, 4 * kPage), 0);
        p = static_cast<std::uint8_t *>(
            mmap(nullptr, 4 * kPage, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
        EXPECT_NE(p, MAP_FAILED);
        std::memset(p, 0x5a, 4 * kPage);
        EXPECT_EQ(ftruncate(fd, keep * kPage), 0);
    }
    ~ShrunkFile()
    {
        munmap(p, 4 * kPage);
        close(fd);
    }
    int fd = -1;
    std::uint8_t *p = nullptr;
};

TEST(ClientMemory, CopiesPagesThatAreThere)
{
    ShrunkFile f(2);
    std::vector<std::uint8_t> buf(2 * kPage, 0);
    ASSERT_TRUE(read_client_memory(buf.data(), f.p, buf.size()));
    EXPECT_EQ(buf[0], 0x5a);
    EXPECT_EQ(buf[2 * kPage - 1], 0x5a);
    std::memset(buf.data(), 0xa5, buf.size());
    ASSERT_TRUE(write_client_memory(f.p + 100, buf.data(), kPage));
    EXPECT_EQ(f.p[100], 0xa5);
    EXPECT_EQ(f.p[99], 0x5a);
}

TEST(ClientMemory, TruncatedPagesFailAgainAndAgain)
{
    ShrunkFile f(1);
    std::vector<std::uint8_t> buf(2 * kPage, 0);
    // Straddling the end, then wholly past it, both ways; each time the
    // thread must be able to take the next SIGBUS (it is not left blocked).
    for (int i = 0; i < 3; i++) {
        EXPECT_FALSE(read_client_memory(buf.data(), f.p + kPage / 2, kPage));
        EXPECT_FALSE(write_client_memory(f.p + 2 * kPage, buf.data(), 16));
        EXPECT_FALSE(read_client_memory(buf.data(), f.p + 3 * kPage, kPage));
    }
    // The page still there still copies.
    EXPECT_TRUE(read_client_memory(buf.data(), f.p, kPage));
    sigset_t now;
    ASSERT_EQ(pthread_sigmask(SIG_BLOCK, nullptr, &now), 0);
    EXPECT_FALSE(sigismember(&now, SIGBUS));
}

TEST(ClientMemoryDeathTest, SigbusOutsideACopyIsNotSwallowed)
{
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(
        {
            ShrunkFile f(1);
            std::uint8_t b = 0;
            ASSERT_TRUE(read_client_memory(&b, f.p, 1)); // installs the handler
            volatile std::uint8_t *gone = f.p + 2 * kPage;
            *gone = 1;
        },
        "");
}

} // namespace
