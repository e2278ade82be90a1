// SPDX-License-Identifier: GPL-2.0-or-later
// How a parent becomes -device mdev-<name>: it declares itself once, next to
// its logic, and the one generic QOM glue (hw/mdev/mdev-parents.c) makes the
// QOM type, its properties and its VMState from that declaration. A parent
// author writes no C, no QOM and no VMState:
//
//     constexpr mdev::ParentDeclaration kGpio = {
//         .name = "gpio",
//         .description = "mdev sample: ACCES PCI-IDIO-16 GPIO card",
//         .category = MDEV_CATEGORY_MISC,
//         .make = mdev::make_parent<GpioParent>,
//         .state = kGpioState,
//     };
//     const mdev::Registration kRegisterGpio(kGpio);
//
// The classes a parent has are those it registers ops for
// (Parent::register_ops); the types and their help come from
// Parent::types().
#pragma once

#include "hw/mdev/mdev-parent.h"
#include "hw/mdev/migration.hpp"
#include "hw/mdev/parent.hpp"

#include <memory>
#include <span>
#include <vector>

namespace mdev {

using PropertyDecl = MdevPropertyDecl;

struct ParentDeclaration {
    // The parent's name, as Parent::name() says it: the QOM type is
    // "mdev-<name>".
    const char *name;
    // One line for -device help.
    const char *description;
    MdevCategory category = MDEV_CATEGORY_MISC;
    // Makes the parent: once per process, when its core is first used (in
    // QEMU: at start-up, when the QOM types are registered). A declaration
    // whose parent has another name(), a name already taken, or ops the
    // core refuses ends the process with a message there.
    std::unique_ptr<Parent> (*make)() = nullptr;
    // The type-id used when the user gives none; nullptr: the first type.
    const char *default_type = nullptr;
    // A sentence on the budget for mdev-type's help, e.g. "The parent has
    // 24 ports in all"; may be nullptr.
    const char *budget_help = nullptr;
    // Extra -device properties; their values reach Parent::create() in
    // CreateArgs::properties, and VendorState::property() shows the value
    // in effect.
    std::span<const PropertyDecl> properties = {};
    // Every struct of per-mdev state that may migrate; a live mdev says
    // which it has, and where (VendorState::migrated()).
    std::span<const migration::Struct *const> state = {};
};

template <typename P>
std::unique_ptr<Parent> make_parent()
{
    return std::make_unique<P>();
}

// Adds a declaration to the process's list; one static object per parent,
// in the parent's own source file.
class Registration {
public:
    explicit Registration(const ParentDeclaration &declaration);
};

// Every declared parent, in the order their files were linked.
std::span<const ParentDeclaration *const> declared_parents();

} // namespace mdev
