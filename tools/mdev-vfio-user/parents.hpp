// SPDX-License-Identifier: GPL-2.0-or-later
// The parents of this process, their types and what is left of their
// budgets: what --list prints and what the monitor's query-mdev-parents
// returns (the same members, in the same order, as our QEMU's
// query-mdev-parents, qapi/mdev.json). Read through the C interface the QOM
// glue reads too (mdev_parent_at, mdev_parent_info,
// mdev_available_instances). With the device threads running, the caller
// holds devices_lock().
#pragma once

#include "json.hpp"

#include <string>
#include <vector>

namespace mdev::vfio_user {

struct TypeSummary {
    std::string id;
    std::string name;
    std::string description;
    std::string device_api;
    unsigned available_instances = 0;
};

struct ParentSummary {
    std::string id;   // the parent's id (its kind for the default parent)
    std::string kind; // "mtty"
    std::vector<std::string> classes;
    std::vector<TypeSummary> types;
};

// The default parent of each kind first, then those of -object mdev-parent.
std::vector<ParentSummary> parent_summaries();

// --list's text: one paragraph per parent.
std::string parents_text(const std::vector<ParentSummary> &parents);
// query-mdev-parents's return value.
Json parents_json(const std::vector<ParentSummary> &parents);

} // namespace mdev::vfio_user
