// SPDX-License-Identifier: GPL-2.0-or-later
// How a parent becomes -device mdev-<name>: it declares itself once, next to
// its logic, and the one generic QOM glue (hw/mdev/qemu/mdev-parents.c) makes the
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

#include "hw/mdev/capi/mdev-parent.h"
#include "hw/mdev/migration.hpp"
#include "hw/mdev/parent.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
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
    // Makes a parent of this kind with the budget given (the value of
    // `budget` below under its name, text form; its default if the user
    // gave none). Called once per process for the default parent of the
    // kind when the core is first used (in QEMU: at start-up, when the QOM
    // types are registered), and once per `-object mdev-parent,kind=<name>`.
    // A default parent that cannot be made, has another name(), or whose
    // ops the core refuses ends the process with a message there; a user's
    // parent is refused with the message (Errc::invalid_property,
    // "budget: 0 ports; ...").
    Result<std::unique_ptr<Parent>> (*make)(const PropertyValues &budget) = nullptr;
    // The type-id used when the user gives none; nullptr: the first type.
    const char *default_type = nullptr;
    // A sentence on the budget for mdev-type's help, e.g. "The parent has
    // 24 ports in all"; may be nullptr.
    const char *budget_help = nullptr;
    // The parent's budget, one unsigned number: its name is the unit
    // ("ports"), its help says what it counts and its range, its default is
    // the default parent's budget. -object mdev-parent,id=ID,kind=<name>,
    // budget=N makes another parent with N; `make` gets the value under the
    // unit's name. nullptr: every parent of the kind has the same budget.
    const PropertyDecl *budget = nullptr;
    // Extra -device properties; their values reach Parent::create() in
    // CreateArgs::properties, and VendorState::property() shows the value
    // in effect.
    std::span<const PropertyDecl> properties = {};
    // Every struct of per-mdev state that may migrate; a live mdev says
    // which it has, and where (VendorState::migrated()).
    std::span<const migration::Struct *const> state = {};
};

// `make` for parent class P: P::make(budget) where P has one (a parent
// with a budget to read), else a default-constructed P.
template <typename P>
Result<std::unique_ptr<Parent>> make_parent(const PropertyValues &budget)
{
    if constexpr (requires { P::make(budget); }) {
        return P::make(budget);
    } else {
        return std::unique_ptr<Parent>(std::make_unique<P>());
    }
}

// The budget value named `unit` as a number in [min, max], for P::make,
// or Errc::invalid_property with the value and the range ("budget: 0
// ports; a parent has 1 to 1024 ports").
Result<std::uint32_t> budget_value(const PropertyValues &budget, std::string_view unit,
                                   std::uint32_t min, std::uint32_t max);

// Adds a declaration to the process's list; one static object per parent,
// in the parent's own source file.
class Registration {
public:
    explicit Registration(const ParentDeclaration &declaration);
};

// Every declared parent, in the order their files were linked.
std::span<const ParentDeclaration *const> declared_parents();

} // namespace mdev
