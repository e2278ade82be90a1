// SPDX-License-Identifier: GPL-2.0-or-later
// The mdev bus: frontends register as drivers with an id table of classes;
// each created device is bound to the first driver whose table holds its
// class (the series' mdev_driver.id_table and bus match).
#pragma once

#include "hw/mdev/class_id.hpp"
#include "hw/mdev/error.hpp"

#include <span>
#include <string_view>
#include <vector>

namespace mdev {

class Device;

class Driver {
public:
    virtual ~Driver() = default;
    virtual std::string_view name() const = 0;
    virtual std::span<const ClassId> id_table() const = 0;
    // Bind: take the device's class ops and build the frontend's view of it.
    virtual Status probe(Device &dev) = 0;
    // Unbind: drop whatever probe built.
    virtual void remove(Device &dev) = 0;
};

class Bus {
public:
    // Drivers are owned elsewhere (frontends keep theirs for the process).
    void register_driver(Driver &driver);
    void unregister_driver(Driver &driver);

    static bool match(const Driver &driver, const Device &dev);

    // Match and probe; on success the device knows its driver.
    Status bind(Device &dev);
    void unbind(Device &dev);

    std::span<Driver *const> drivers() const { return drivers_; }

private:
    std::vector<Driver *> drivers_;
};

} // namespace mdev
