// SPDX-License-Identifier: GPL-2.0-or-later
#include "client_memory.hpp"

#include <csetjmp>
#include <csignal>
#include <cstring>
#include <mutex>
#include <pthread.h>

namespace mdev::vfio_user {

namespace {

// Per thread: whether it is inside a guarded copy, and where to go back to.
thread_local volatile sig_atomic_t t_guarded = 0;
thread_local sigjmp_buf t_back;

struct sigaction g_old_bus;

void on_fault(int sig, siginfo_t *info, void *uc)
{
    if (t_guarded) {
        t_guarded = 0;
        siglongjmp(t_back, 1);
    }
    // Not a copy of ours: whatever was there before us (the default action
    // or a sanitizer's report) handles it.
    const struct sigaction &old = g_old_bus;
    if (old.sa_flags & SA_SIGINFO) {
        old.sa_sigaction(sig, info, uc);
        return;
    }
    if (old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN) {
        old.sa_handler(sig);
        return;
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

void install_once()
{
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction sa {};
        sa.sa_sigaction = on_fault;
        // SA_NODEFER: the jump leaves the handler without sigreturn, so the
        // signal must not stay blocked in the thread afterwards.
        sa.sa_flags = SA_SIGINFO | SA_NODEFER;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGBUS, &sa, &g_old_bus);
    });
}

bool guarded_copy(void *to, const void *from, std::size_t len)
{
    install_once();
    if (sigsetjmp(t_back, 0) != 0) {
        // Came back from on_fault: make sure the signal is deliverable again.
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGBUS);
        pthread_sigmask(SIG_UNBLOCK, &s, nullptr);
        return false;
    }
    t_guarded = 1;
    std::memcpy(to, from, len);
    t_guarded = 0;
    return true;
}

} // namespace

bool read_client_memory(void *to, const void *client, std::size_t len)
{
    return guarded_copy(to, client, len);
}

bool write_client_memory(void *client, const void *from, std::size_t len)
{
    return guarded_copy(client, from, len);
}

} // namespace mdev::vfio_user
