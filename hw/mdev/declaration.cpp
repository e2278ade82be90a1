// SPDX-License-Identifier: GPL-2.0-or-later
// The process's list of declared parents (declaration.hpp).
#include "hw/mdev/declaration.hpp"

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

} // namespace mdev
