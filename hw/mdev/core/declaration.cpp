// SPDX-License-Identifier: GPL-2.0-or-later
// The process's list of declared parents (declaration.hpp).
#include "hw/mdev/declaration.hpp"

#include <optional>
#include <string>

namespace mdev {

namespace {

// Filled by static Registration objects, which may run before any other
// static of this file is initialised: a function-local static is built on
// first use, whatever the order.
std::vector<const ParentDeclaration *> &registry()
{
    static std::vector<const ParentDeclaration *> list;
    return list;
}

} // namespace

Registration::Registration(const ParentDeclaration &declaration)
{
    registry().push_back(&declaration);
}

std::span<const ParentDeclaration *const> declared_parents()
{
    return registry();
}

Result<std::uint32_t> budget_value(const PropertyValues &budget, std::string_view unit,
                                   std::uint32_t min, std::uint32_t max)
{
    const std::string prop = "budget: ";
    const std::string range = "a parent has " + std::to_string(min) + " to " +
                              std::to_string(max) + " " + std::string(unit);
    std::optional<std::string_view> text = budget.get(unit);
    if (!text || text->empty()) {
        return Error{Errc::invalid_property, prop + "no value; " + range};
    }
    std::uint64_t v = 0;
    for (char c : *text) {
        if (c < '0' || c > '9' || v > max) {
            return Error{Errc::invalid_property,
                         prop + "'" + std::string(*text) + "' is not a number of " +
                             std::string(unit) + " within range; " + range};
        }
        v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v < min || v > max) {
        return Error{Errc::invalid_property,
                     prop + std::to_string(v) + " " + std::string(unit) + "; " + range};
    }
    return static_cast<std::uint32_t>(v);
}

} // namespace mdev
