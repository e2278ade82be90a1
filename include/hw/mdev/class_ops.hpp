// SPDX-License-Identifier: GPL-2.0-or-later
// The binding between a class id and the type of its ops. This answers the
// 2019 review's 1:1 question: the layout of the ops is defined by the class,
// so the two are registered together (once per parent and class) and read
// back only through a getter typed by the ops, never as a void pointer.
#pragma once

#include "hw/mdev/class_id.hpp"

#include <variant>

namespace mdev {

namespace vfio { class VfioOps; }
namespace virtio { class VirtioOps; }

// ClassOf<Ops>::id is the class whose ops have the layout Ops.
template <typename Ops> struct ClassOf;
template <> struct ClassOf<vfio::VfioOps> {
    static constexpr ClassId id = ClassId::vfio;
};
template <> struct ClassOf<virtio::VirtioOps> {
    static constexpr ClassId id = ClassId::virtio;
};

// One parent's ops for one class. The alternative held always matches the
// class, because the only way in is make().
class ClassOps {
public:
    // One overload per class, so that a parent's own ops type (derived from
    // the class's ops) converts to the class's layout here.
    static ClassOps make(const vfio::VfioOps &ops)
    {
        return ClassOps(ClassOf<vfio::VfioOps>::id, &ops);
    }
    static ClassOps make(const virtio::VirtioOps &ops)
    {
        return ClassOps(ClassOf<virtio::VirtioOps>::id, &ops);
    }

    ClassId class_id() const { return id_; }

    // The ops if they are of layout Ops, else nullptr.
    template <typename Ops>
    const Ops *get() const
    {
        auto p = std::get_if<const Ops *>(&ops_);
        return p ? *p : nullptr;
    }

private:
    using Any = std::variant<const vfio::VfioOps *, const virtio::VirtioOps *>;
    ClassOps(ClassId id, Any ops) : id_(id), ops_(ops) {}

    ClassId id_;
    Any ops_;
};

} // namespace mdev
