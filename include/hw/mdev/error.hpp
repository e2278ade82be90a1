// SPDX-License-Identifier: GPL-2.0-or-later
// Errors of the mdev core. Each refusal has its own code so that callers (the
// QOM glue, tests) can tell them apart without parsing messages, and its own
// message written for the person who typed the command line.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace mdev {

enum class Errc {
    unknown_parent,     // no parent registered under that name
    duplicate_parent,   // a parent with that name is already registered
    duplicate_ops,      // the parent already registered ops for that class
    unknown_type,       // the parent has no such type
    unknown_class,      // the class name is not one the core knows
    class_unsupported,  // the parent registered no ops for that class
    malformed_uuid,     // the UUID is not 8-4-4-4-12 hex digits
    duplicate_uuid,     // an mdev with that UUID already exists
    budget_exhausted,   // the parent's budget has no room for this type
    no_driver,          // no frontend driver's id table holds the class
    probe_failed,       // the frontend refused the device
    unknown_device,     // no mdev with that UUID
    invalid_property,   // the parent refused a value of one of its properties
    parent_in_use,      // the parent still has mdevs (live, or removed but pinned)
    unknown_fault,      // the device offers no fault of that name (fault.hpp)
    invalid_fault_argument, // a fault's argument is unknown or of the wrong type or value
};

struct Error {
    Errc code;
    std::string message;
};

// A value or the Error that prevented it (std::expected arrives in C++23).
template <typename T>
class Result {
public:
    Result(T value) : v_(std::move(value)) {}
    Result(Error error) : v_(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(v_); }
    explicit operator bool() const { return ok(); }
    T &value() { return std::get<T>(v_); }
    const T &value() const { return std::get<T>(v_); }
    T &operator*() { return value(); }
    T *operator->() { return &value(); }
    const Error &error() const { return std::get<Error>(v_); }

private:
    std::variant<T, Error> v_;
};

// The result of an operation that yields nothing but may fail.
struct Ok {};
using Status = Result<Ok>;

} // namespace mdev
