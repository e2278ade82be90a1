// SPDX-License-Identifier: GPL-2.0-or-later
#include "parents.hpp"

#include "hw/mdev/capi/mdev-parent.h"
#include "hw/mdev/capi/mdev.h"

#include <cstring>
#include <string_view>

namespace mdev::vfio_user {

std::vector<ParentSummary> parent_summaries()
{
    std::vector<ParentSummary> out;
    const char *id = nullptr;
    const char *kind = nullptr;
    for (size_t i = 0; mdev_parent_at(i, &id, &kind); i++) {
        const MdevParentInfo *info = nullptr;
        for (size_t j = 0; (info = mdev_parent_info(j)); j++) {
            if (std::strcmp(info->name, kind) == 0) {
                break;
            }
        }
        // A kind without a declaration has no types to offer (QEMU's query
        // skips it too).
        if (!info) {
            continue;
        }
        ParentSummary p{id, kind, {}, {}};
        // "vfio, virtio", as the declaration spells the classes.
        std::string_view classes = info->classes;
        while (!classes.empty()) {
            const std::size_t comma = classes.find(',');
            std::string_view c = classes.substr(0, comma);
            while (c.starts_with(' ')) {
                c.remove_prefix(1);
            }
            if (!c.empty()) {
                p.classes.emplace_back(c);
            }
            classes = comma == std::string_view::npos ? std::string_view()
                                                      : classes.substr(comma + 1);
        }
        for (size_t t = 0; t < info->ntypes; t++) {
            const MdevParentType &type = info->types[t];
            p.types.push_back({type.id, type.name, type.description ? type.description : "",
                               type.device_api, mdev_available_instances(id, type.id)});
        }
        out.push_back(std::move(p));
    }
    return out;
}

std::string parents_text(const std::vector<ParentSummary> &parents)
{
    std::string out;
    for (const ParentSummary &p : parents) {
        out += "parent " + p.id + " (kind " + p.kind + "), classes ";
        for (std::size_t i = 0; i < p.classes.size(); i++) {
            out += (i ? ", " : "") + p.classes[i];
        }
        out += "\n";
        for (const TypeSummary &t : p.types) {
            out += "  " + t.id + ": " + t.name + ", device_api " + t.device_api +
                   ", available_instances " + std::to_string(t.available_instances) + "\n";
        }
    }
    return out;
}

Json parents_json(const std::vector<ParentSummary> &parents)
{
    Json::Array list;
    for (const ParentSummary &p : parents) {
        Json::Array classes(p.classes.begin(), p.classes.end());
        Json::Array types;
        for (const TypeSummary &t : p.types) {
            Json type;
            type.add("id", t.id)
                .add("name", t.name)
                .add("description", t.description)
                .add("device-api", t.device_api)
                .add("available-instances", t.available_instances);
            types.push_back(std::move(type));
        }
        Json entry;
        entry.add("id", p.id)
            .add("kind", p.kind)
            .add("qom-type", "mdev-" + p.kind)
            .add("classes", std::move(classes))
            .add("types", std::move(types));
        list.push_back(std::move(entry));
    }
    return list;
}

} // namespace mdev::vfio_user
