// SPDX-License-Identifier: GPL-2.0-or-later
// Work handed to a served device's own thread (event_loop.hpp) by another
// thread (the monitor's, monitor.hpp). A device's code may signal its
// client (an interrupt is an eventfd libvfio-user set up from the client's
// SET_IRQS, which that thread handles without the devices' lock) and
// touches its INTx line, which only that thread does; so a command that
// runs device code (arming surprise-removal deasserts INTx, spurious-irq
// sends an interrupt, clearing a removal resets the function) runs there,
// between two of the client's messages, under devices_lock() as a message
// would.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

namespace mdev::vfio_user {

class DeviceTasks {
public:
    enum class Outcome {
        ran,       // the task ran on the device's thread
        not_taken, // the thread did not take it in time (its client is in
                   // the middle of a message): it will not run
        stopped,   // the server is stopping: it will not run
    };

    DeviceTasks();
    ~DeviceTasks();
    DeviceTasks(const DeviceTasks &) = delete;
    DeviceTasks &operator=(const DeviceTasks &) = delete;

    // Readable while tasks wait: the device's thread polls it.
    int fd() const { return fd_; }
    // From any other thread: runs `task` on the device's thread and waits.
    // A task the thread has begun is always waited for.
    Outcome run(std::function<void()> task, std::chrono::milliseconds patience);
    // On the device's thread: runs every task waiting.
    void run_pending();
    // The device's thread is gone: waiting and later tasks get `stopped`.
    void close();

private:
    struct Task {
        std::function<void()> fn;
        enum { queued, running, done } state = queued;
    };
    int fd_ = -1; // an eventfd
    std::mutex lock_;
    std::condition_variable changed_;
    std::deque<std::shared_ptr<Task>> queue_;
    bool closed_ = false;
};

} // namespace mdev::vfio_user
