// SPDX-License-Identifier: GPL-2.0-or-later
// How mdev-vfio-user waits for its clients: one thread per served device,
// so that a client that is slow, silent or stuck half-way through a message
// (libvfio-user reads a message's body, and the VERSION of a new client,
// blocking) holds up its own device and no other.
//
// The devices' code (the core, the parents, their shared budgets) is not
// thread-safe: it runs under one lock, devices_lock(), which a thread takes
// only while it handles a message (ServedDevice's region, reset and
// interrupt callbacks, and the re-creation after a disconnect), never while
// it waits for its client.
#pragma once

#include "device_tasks.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <pthread.h>
#include <string>
#include <vector>

namespace mdev::vfio_user {

class ServedDevice;

// The lock under which every device's code runs (devices_lock.cpp).
std::mutex &devices_lock();

class EventLoop {
public:
    EventLoop() = default;
    EventLoop(const EventLoop &) = delete;
    EventLoop &operator=(const EventLoop &) = delete;
    ~EventLoop() { stop(); }

    // Serves every device on a thread of its own (each already started:
    // listening on its socket). false: *error holds one line, and no
    // thread is left running.
    bool start(const std::vector<std::unique_ptr<ServedDevice>> &devices, std::string *error);
    // Wakes every thread, also one blocked inside libvfio-user reading
    // from its client, and joins them all. The devices stay as they are
    // (their owner stops them).
    void stop();
    // The tasks queue of `device`'s thread (device_tasks.hpp), or nullptr
    // if the loop does not serve it.
    DeviceTasks *tasks(const ServedDevice &device);

private:
    struct Worker {
        EventLoop *loop;
        ServedDevice *device;
        pthread_t thread;
        std::atomic<bool> done{false};
        DeviceTasks tasks; // work from the monitor, run between messages
    };
    static void *thread_main(void *worker);
    void serve(Worker &w);

    int wake_fd_ = -1; // an eventfd: readable once stop() begins
    std::atomic<bool> stopping_{false};
    std::vector<std::unique_ptr<Worker>> workers_;
};

} // namespace mdev::vfio_user
