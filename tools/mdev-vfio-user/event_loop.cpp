// SPDX-License-Identifier: GPL-2.0-or-later
#include "event_loop.hpp"

#include "quiet_thread.hpp"

#include "server.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace mdev::vfio_user {

namespace {

// The signal stop() sends a device's thread to interrupt a blocking read
// inside libvfio-user (a client's VERSION, or the rest of a message): its
// handler does nothing, and without SA_RESTART the read fails with EINTR.
constexpr int kWakeSignal = SIGUSR1;

void on_wake_signal(int) {}

} // namespace

bool EventLoop::start(const std::vector<std::unique_ptr<ServedDevice>> &devices,
                      std::string *error)
{
    struct sigaction sa {};
    sa.sa_handler = on_wake_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; // no SA_RESTART: a blocked read returns EINTR
    if (sigaction(kWakeSignal, &sa, nullptr) < 0) {
        *error = std::string("sigaction: ") + std::strerror(errno);
        return false;
    }
    wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) {
        *error = std::string("eventfd: ") + std::strerror(errno);
        return false;
    }
    for (const auto &d : devices) {
        auto w = std::make_unique<Worker>();
        w->loop = this;
        w->device = d.get();
        const int err = start_quiet_thread(&w->thread, &EventLoop::thread_main, w.get());
        if (err != 0) {
            stop();
            *error = std::string("cannot start a thread: ") + std::strerror(err);
            return false;
        }
        workers_.push_back(std::move(w));
    }
    return true;
}

void *EventLoop::thread_main(void *worker)
{
    auto &w = *static_cast<Worker *>(worker);
    w.loop->serve(w);
    return nullptr;
}

void EventLoop::serve(Worker &w)
{
    using Clock = IntxLine::Clock;
    ServedDevice &dev = *w.device;
    while (!stopping_.load()) {
        pollfd fds[3] = {{wake_fd_, POLLIN, 0}, {dev.poll_fd(), POLLIN, 0},
                         {w.tasks.fd(), POLLIN, 0}};
        // A deferred INTx (intx.hpp) bounds the wait.
        timespec timeout{};
        const std::optional<Clock::time_point> due = dev.intx().deadline();
        if (due) {
            const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::max(*due - Clock::now(), Clock::duration::zero()));
            timeout.tv_sec = static_cast<time_t>(left.count() / 1000000000);
            timeout.tv_nsec = static_cast<long>(left.count() % 1000000000);
        }
        const int n = ppoll(fds, 3, due ? &timeout : nullptr, nullptr);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            std::fprintf(stderr, "mdev-vfio-user: %s: poll: %s\n", dev.spec().uuid.c_str(),
                         std::strerror(errno));
            break;
        }
        if (fds[0].revents) {
            break;
        }
        if (fds[1].revents) {
            // Accepts a client (and reads its VERSION), or serves every
            // message waiting; the device's code inside takes
            // devices_lock() itself.
            dev.on_ready();
            dev.intx().activity(Clock::now());
        }
        if (fds[2].revents) {
            // The monitor's commands (device_tasks.hpp); each takes
            // devices_lock() itself.
            w.tasks.run_pending();
        }
        // Only this thread touches the device's INTx line, and no device
        // code runs in it: no lock.
        dev.intx().due(Clock::now());
    }
    w.tasks.close();
    w.done.store(true);
}

DeviceTasks *EventLoop::tasks(const ServedDevice &device)
{
    for (auto &w : workers_) {
        if (w->device == &device) {
            return &w->tasks;
        }
    }
    return nullptr;
}

void EventLoop::stop()
{
    if (wake_fd_ < 0) {
        return;
    }
    stopping_.store(true);
    const std::uint64_t one = 1;
    ssize_t n = write(wake_fd_, &one, sizeof(one));
    (void)n;
    for (auto &w : workers_) {
        // A thread blocked in a read inside libvfio-user does not see the
        // eventfd: interrupt it until it has left (a signal that lands
        // just before the read begins is lost, hence the repetition).
        while (!w->done.load()) {
            pthread_kill(w->thread, kWakeSignal);
            usleep(20 * 1000);
        }
        pthread_join(w->thread, nullptr);
    }
    workers_.clear();
    close(wake_fd_);
    wake_fd_ = -1;
}

} // namespace mdev::vfio_user
