// SPDX-License-Identifier: GPL-2.0-or-later
#include "device_tasks.hpp"

#include <algorithm>
#include <cstdint>
#include <sys/eventfd.h>
#include <unistd.h>

namespace mdev::vfio_user {

DeviceTasks::DeviceTasks() : fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

DeviceTasks::~DeviceTasks()
{
    close();
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

DeviceTasks::Outcome DeviceTasks::run(std::function<void()> fn, std::chrono::milliseconds patience)
{
    auto task = std::make_shared<Task>();
    task->fn = std::move(fn);
    std::unique_lock lock(lock_);
    if (closed_ || fd_ < 0) {
        return Outcome::stopped;
    }
    queue_.push_back(task);
    const std::uint64_t one = 1;
    ssize_t n = write(fd_, &one, sizeof(one));
    (void)n;
    const auto until = std::chrono::steady_clock::now() + patience;
    while (task->state != Task::done) {
        if (task->state == Task::running) {
            changed_.wait(lock); // begun: waited for, however long
            continue;
        }
        if (closed_) {
            std::erase(queue_, task);
            return Outcome::stopped;
        }
        if (changed_.wait_until(lock, until) == std::cv_status::timeout &&
            task->state == Task::queued) {
            std::erase(queue_, task);
            return Outcome::not_taken;
        }
    }
    return Outcome::ran;
}

void DeviceTasks::run_pending()
{
    std::uint64_t count;
    ssize_t n = read(fd_, &count, sizeof(count));
    (void)n;
    std::unique_lock lock(lock_);
    while (!queue_.empty()) {
        std::shared_ptr<Task> task = queue_.front();
        queue_.pop_front();
        task->state = Task::running;
        lock.unlock();
        task->fn();
        lock.lock();
        task->state = Task::done;
        changed_.notify_all();
    }
}

void DeviceTasks::close()
{
    std::lock_guard lock(lock_);
    closed_ = true;
    changed_.notify_all();
}

} // namespace mdev::vfio_user
