// SPDX-License-Identifier: GPL-2.0-or-later
// The class of an mdev: which family of device ops it is driven through, and
// so which frontend (bus driver) binds it. The numbering follows the 2019
// class-id series (MDEV_CLASS_ID_VFIO = 1, MDEV_CLASS_ID_VIRTIO = 2).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace mdev {

enum class ClassId : std::uint16_t {
    vfio = 1,
    virtio = 2,
};

// Every class the core knows, in id order (for listings and error messages).
inline constexpr ClassId kAllClasses[] = {ClassId::vfio, ClassId::virtio};

constexpr std::string_view class_name(ClassId id)
{
    switch (id) {
    case ClassId::vfio:
        return "vfio";
    case ClassId::virtio:
        return "virtio";
    }
    return "unknown";
}

constexpr std::optional<ClassId> parse_class(std::string_view name)
{
    for (ClassId id : kAllClasses) {
        if (class_name(id) == name) {
            return id;
        }
    }
    return std::nullopt;
}

} // namespace mdev
