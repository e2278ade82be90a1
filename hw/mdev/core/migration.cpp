// SPDX-License-Identifier: GPL-2.0-or-later
// Checks a migrated-state description before QEMU builds VMState from it
// (migration.hpp): a description that cannot be honoured is a bug of its
// parent, refused when QEMU starts, not found halfway through a migration.
#include "hw/mdev/migration.hpp"

#include <string>

namespace mdev::migration {

namespace {

std::string where(const Struct &s, const Field &f)
{
    return std::string("state '") + s.name + "' member '" + f.name + "'";
}

} // namespace

std::string problem(const Struct &s)
{
    if (!s.name || !*s.name) {
        return "a state description has no name";
    }
    const std::string name = std::string("state '") + s.name + "'";
    if (s.version < 1) {
        return name + ": version " + std::to_string(s.version) + "; versions start at 1";
    }
    if (s.min_version < 1 || s.min_version > s.version) {
        return name + ": min_version " + std::to_string(s.min_version) +
               " is not within 1 .. version " + std::to_string(s.version);
    }
    if (s.nfields == 0) {
        return name + ": no members";
    }
    for (std::size_t i = 0; i < s.nfields; i++) {
        const Field &f = s.fields[i];
        if (f.since < 0 || f.since > s.version) {
            return where(s, f) + ": since version " + std::to_string(f.since) +
                   ", but the struct is at version " + std::to_string(s.version) +
                   " (raise its version when a member is added)";
        }
        const std::size_t elems = f.count ? f.count : 1;
        if (f.offset > s.size || f.elem_size * elems > s.size - f.offset) {
            return where(s, f) + ": lies past the struct's " + std::to_string(s.size) +
                   " bytes";
        }
        if (f.kind == MDEV_FIELD_STRUCT) {
            if (!f.sub) {
                return where(s, f) + ": a struct member without its description";
            }
            if (f.sub->size != f.elem_size) {
                return where(s, f) + ": described by '" + f.sub->name + "' of " +
                       std::to_string(f.sub->size) + " bytes, but is " +
                       std::to_string(f.elem_size) + " bytes";
            }
            std::string inner = problem(*f.sub);
            if (!inner.empty()) {
                return inner;
            }
        }
        for (std::size_t j = 0; j < i; j++) {
            if (std::string(s.fields[j].name) == f.name) {
                return where(s, f) + ": named twice";
            }
        }
    }
    return {};
}

} // namespace mdev::migration
