// SPDX-License-Identifier: GPL-2.0-or-later
#include "hw/mdev/bus.hpp"

#include "hw/mdev/device.hpp"

#include <algorithm>
#include <string>

namespace mdev {

void Bus::register_driver(Driver &driver)
{
    if (std::find(drivers_.begin(), drivers_.end(), &driver) == drivers_.end()) {
        drivers_.push_back(&driver);
    }
}

void Bus::unregister_driver(Driver &driver)
{
    drivers_.erase(std::remove(drivers_.begin(), drivers_.end(), &driver), drivers_.end());
}

bool Bus::match(const Driver &driver, const Device &dev)
{
    auto table = driver.id_table();
    return std::find(table.begin(), table.end(), dev.class_id()) != table.end();
}

Status Bus::bind(Device &dev)
{
    for (Driver *driver : drivers_) {
        if (!match(*driver, dev)) {
            continue;
        }
        Status probed = driver->probe(dev);
        if (!probed) {
            return Error{Errc::probe_failed,
                         std::string(driver->name()) + " frontend refused mdev " +
                             dev.uuid().to_string() + ": " + probed.error().message};
        }
        dev.set_driver(driver);
        return Ok{};
    }
    return Error{Errc::no_driver, "no frontend driver handles class '" +
                                      std::string(class_name(dev.class_id())) + "'"};
}

void Bus::unbind(Device &dev)
{
    if (Driver *driver = dev.driver()) {
        driver->remove(dev);
        dev.set_driver(nullptr);
    }
}

} // namespace mdev
