// SPDX-License-Identifier: GPL-2.0-or-later
// A server thread that never takes SIGTERM or SIGINT.
#pragma once

#include <pthread.h>
#include <signal.h>

namespace mdev::vfio_user {

// pthread_create with SIGTERM and SIGINT blocked in the new thread (it
// inherits the mask), so that they reach the main thread, which stops the
// server: a device or monitor thread interrupted by them could drop its
// client in the middle of a message. pthread_create rather than
// std::thread: its failure is a return value (an errno), not an exception
// (the project builds without them).
inline int start_quiet_thread(pthread_t *thread, void *(*main)(void *), void *arg)
{
    sigset_t block, saved;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, &saved);
    const int err = pthread_create(thread, nullptr, main, arg);
    pthread_sigmask(SIG_SETMASK, &saved, nullptr);
    return err;
}

} // namespace mdev::vfio_user
