// SPDX-License-Identifier: GPL-2.0-or-later
// The server's devices as the monitor's commands see them
// (monitor_commands.hpp): the mdevs of its -device options, and each
// device's own thread for the commands that run device code
// (device_tasks.hpp).
#pragma once

#include "monitor_commands.hpp"

#include <chrono>
#include <memory>
#include <vector>

namespace mdev::vfio_user {

class EventLoop;
class ServedDevice;

class ServerMonitorTarget final : public MonitorTarget {
public:
    // patience: how long a command waits for the device's thread to take
    // it (the thread is busy only while its client is in the middle of a
    // message).
    ServerMonitorTarget(const std::vector<std::unique_ptr<ServedDevice>> &devices, EventLoop &loop,
                        std::chrono::milliseconds patience = std::chrono::seconds(10))
        : devices_(devices), loop_(loop), patience_(patience)
    {
    }
    std::vector<ServedMdev> mdevs() const override;
    bool run_on_device(const std::string &uuid, std::function<void()> fn,
                       std::string *error) override;

private:
    const std::vector<std::unique_ptr<ServedDevice>> &devices_;
    EventLoop &loop_;
    std::chrono::milliseconds patience_;
};

} // namespace mdev::vfio_user
