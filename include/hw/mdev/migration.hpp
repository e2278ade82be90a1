// SPDX-License-Identifier: GPL-2.0-or-later
// What of an mdev migrates, declared next to the parent's logic. A parent
// keeps the guest-visible state of each mdev in plain structs of
// fixed-width fields; it describes each struct once, with one line per
// member, and the generic QOM glue turns that into QEMU's VMState:
//
//     constexpr migration::Field kRegsFields[] = {
//         MDEV_MIGRATE(GpioRegs, outputs),
//         MDEV_MIGRATE(GpioRegs, irq_enabled),
//     };
//     constexpr migration::Struct kRegs = migration::describe<GpioRegs>("gpio/regs", 1, kRegsFields);
//
// Members may be std::uint8_t/16/32/64 or bool, arrays of them (C arrays or
// std::array), and structs or arrays of structs described the same way
// (MDEV_MIGRATE_STRUCT). A member added later names the version it appeared
// in (MDEV_MIGRATE_SINCE), and the struct's version goes up: the stream
// carries every struct's version in front of it (sub-structures included),
// so a stream of an older version loads, its newer members keeping the
// values the device had at reset, and a stream older than `min_version` or
// newer than `version` is refused with one line. A member is never removed
// or reordered: raise min_version instead. Nothing loaded is trusted:
// VendorState::post_load() checks it before the guest runs again.
#pragma once

#include "hw/mdev/capi/mdev-parent.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>

namespace mdev::migration {

using Field = MdevStateField;
using Struct = MdevStateStruct;

namespace detail {

template <typename T> struct Scalar;
template <> struct Scalar<std::uint8_t> { static constexpr MdevFieldKind kind = MDEV_FIELD_U8; };
template <> struct Scalar<std::uint16_t> { static constexpr MdevFieldKind kind = MDEV_FIELD_U16; };
template <> struct Scalar<std::uint32_t> { static constexpr MdevFieldKind kind = MDEV_FIELD_U32; };
template <> struct Scalar<std::uint64_t> { static constexpr MdevFieldKind kind = MDEV_FIELD_U64; };
template <> struct Scalar<bool> { static constexpr MdevFieldKind kind = MDEV_FIELD_BOOL; };

// A member's element type and count (0: not an array).
template <typename M> struct Shape {
    using Elem = M;
    static constexpr std::uint32_t count = 0;
};
template <typename E, std::size_t N> struct Shape<E[N]> {
    using Elem = E;
    static constexpr std::uint32_t count = N;
};
template <typename E, std::size_t N> struct Shape<std::array<E, N>> {
    using Elem = E;
    static constexpr std::uint32_t count = N;
};

} // namespace detail

// A member of a scalar type, or an array of one. Use MDEV_MIGRATE.
template <typename M>
constexpr Field field(const char *name, std::size_t offset, int since = 0)
{
    using Elem = typename detail::Shape<M>::Elem;
    static_assert(std::is_same_v<Elem, bool> || std::is_unsigned_v<Elem>,
                  "a migrated member is std::uint8_t/16/32/64 or bool (or an array of "
                  "them); a struct member needs MDEV_MIGRATE_STRUCT");
    return Field{name, detail::Scalar<Elem>::kind, offset, sizeof(Elem),
                 detail::Shape<M>::count, nullptr, since};
}

// A member that is a described struct, or an array of one.
template <typename M>
constexpr Field struct_field(const char *name, std::size_t offset, const Struct &sub, int since = 0)
{
    using Elem = typename detail::Shape<M>::Elem;
    static_assert(std::is_standard_layout_v<Elem> && std::is_trivially_copyable_v<Elem>,
                  "a migrated struct is plain data");
    return Field{name, MDEV_FIELD_STRUCT, offset, sizeof(Elem), detail::Shape<M>::count, &sub,
                 since};
}

// The description of plain-data struct T: `fields` must describe members of
// T (the macros below check that at compile time).
template <typename T, std::size_t N>
constexpr Struct describe(const char *name, int version, const Field (&fields)[N],
                          int min_version = 1)
{
    static_assert(std::is_standard_layout_v<T> && std::is_trivially_copyable_v<T>,
                  "migrated state is a plain-data struct: fixed-width fields, no pointers");
    return Struct{name, version, min_version, sizeof(T), fields, N};
}

// Why `s` (and the structs it contains) cannot be migrated as declared, or
// an empty string: versions from 1, min_version <= version, no member
// newer than its struct, members inside the struct, each name once. The
// core refuses a parent with such a description when QEMU starts.
std::string problem(const Struct &s);

// One piece of a live mdev's state and its description, as a VendorState
// hands it to the glue (VendorState::migrated()).
class Data {
public:
    Data() = default;
    template <typename T>
    Data(const Struct &schema, T &object) : schema_(&schema), data_(&object)
    {
        static_assert(std::is_standard_layout_v<T> && std::is_trivially_copyable_v<T>);
        sizes_match_ = schema.size == sizeof(T);
    }
    const Struct *schema() const { return schema_; }
    // The object, or nullptr if it is not of the struct `schema` describes
    // (a parent bug the glue refuses loudly rather than migrate wrong bytes).
    void *data() const { return sizes_match_ ? data_ : nullptr; }

private:
    const Struct *schema_ = nullptr;
    void *data_ = nullptr;
    bool sizes_match_ = false;
};

} // namespace mdev::migration

// One line per migrated member: MDEV_MIGRATE(Struct, member).
#define MDEV_MIGRATE(T, member) \
    ::mdev::migration::field<decltype(T::member)>(#member, offsetof(T, member))
// A member added in version `since` of its struct.
#define MDEV_MIGRATE_SINCE(T, member, since) \
    ::mdev::migration::field<decltype(T::member)>(#member, offsetof(T, member), since)
// A member that is a described struct (or an array of them): `sub` is its
// migration::Struct.
#define MDEV_MIGRATE_STRUCT(T, member, sub) \
    ::mdev::migration::struct_field<decltype(T::member)>(#member, offsetof(T, member), sub)
