// SPDX-License-Identifier: GPL-2.0-or-later
// Deterministic fault injection (docs/fault-injection.md). A fault is
// declared once, beside the code whose hook point checks it (a frontend for
// its class, a parent for its device): a name, a line of help and typed
// parameters. Each device has a FaultSet holding the faults its frontend and
// parent declared; the monitor arms one (count, skip, arguments) and clears
// it. At the hook point the code asks the set, and while nothing of the
// device is armed that question is one test of a plain counter:
//
//     if (faults.any_armed()) [[unlikely]] {
//         if (const FaultArgs *a = faults.armed(drop_irq_);
//             a && a->matches_int(kVector, vector) &&
//             faults.fire(drop_irq_, "MSI vector 3")) {
//             return; // the interrupt is not delivered
//         }
//     }
//
// fire() is called once per matching event: the first `skip` of them pass,
// the next `count` fire (count 0: every one until cleared), then the fault
// disarms itself. No timer and no randomness: the same guest run meets the
// same faults. Every firing is counted and traced (mdev_fault_fire).
// The model knows nothing of QEMU; the monitor reaches it through
// mdev-fault.h.
#pragma once

#include "hw/mdev/error.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace mdev {

enum class FaultParamType { integer, boolean, string };

// The name QMP and the docs give a parameter type: "int", "bool", "str".
const char *fault_param_type_name(FaultParamType t);

struct FaultParam {
    const char *name;
    FaultParamType type;
    const char *help;
    // A string parameter's accepted values (empty: any text).
    std::span<const char *const> choices = {};
    // An integer parameter's accepted range, inclusive.
    std::int64_t min = 0;
    std::int64_t max = INT64_MAX;
};

struct FaultDecl {
    const char *name; // e.g. "drop-irq"
    const char *help; // one sentence: what happens when it fires
    std::span<const FaultParam> params = {};
};

using FaultValue = std::variant<std::int64_t, bool, std::string>;

// The arguments an armed fault was given, by the index of the parameter in
// its declaration; a parameter not given has no value (the hook's default).
class FaultArgs {
public:
    FaultArgs() = default;
    explicit FaultArgs(std::size_t nparams) : values_(nparams) {}

    bool has(std::size_t param) const { return param < values_.size() && values_[param]; }
    std::int64_t get_int(std::size_t param, std::int64_t fallback) const;
    bool get_bool(std::size_t param, bool fallback) const;
    std::string_view get_str(std::size_t param, std::string_view fallback) const;
    // True if the parameter was not given (it matches anything) or equals v.
    bool matches_int(std::size_t param, std::int64_t v) const
    {
        return !has(param) || get_int(param, v) == v;
    }
    void set(std::size_t param, FaultValue v) { values_.at(param) = std::move(v); }
    const std::optional<FaultValue> &value(std::size_t param) const { return values_.at(param); }
    std::size_t size() const { return values_.size(); }

private:
    std::vector<std::optional<FaultValue>> values_;
};

// An argument as the monitor hands it: the parameter's name and its value
// in text form ("0x281", "42", "true", "read").
struct FaultArgText {
    std::string name;
    std::string value;
};

// What a fault that happens at once ("one extra interrupt now") does when
// it is injected, once per count.
using FaultAction = std::function<void(const FaultArgs &)>;

// What a fault that holds a state from injection until cleared does when it
// begins (`on`, with its arguments: mvnet's link-down) and ends (`on`
// false). FaultWatch is the same without the arguments (a card pulled out).
using FaultHold = std::function<void(bool on, const FaultArgs &)>;
using FaultWatch = std::function<void(bool armed)>;

// Where a firing is reported (the device's UUID goes with it). The default
// emits the trace event mdev_fault_fire.
using FaultFireHook = void (*)(const char *dev, const char *fault, const char *event);

class FaultSet {
public:
    using Id = std::size_t;

    struct Entry {
        const FaultDecl *decl = nullptr;
        bool armed = false;
        std::uint64_t count = 0;     // as armed (0: until cleared)
        std::uint64_t skip = 0;      // as armed
        std::uint64_t skip_left = 0; // matching events still to let pass
        std::uint64_t fire_left = 0; // firings left (count > 0 only)
        std::uint64_t fired = 0;     // firings since the device was created
        FaultArgs args;
        bool immediate = false; // set_action() made it one
        FaultAction action;
        bool held = false; // set_hold() or set_watch() made it one
        FaultHold hold;
    };

    FaultSet() = default;
    FaultSet(const FaultSet &) = delete;
    FaultSet &operator=(const FaultSet &) = delete;

    // The name trace events and messages give the device (its UUID); must
    // outlive the set.
    void set_device_name(const char *name) { dev_name_ = name; }
    void set_fire_hook(FaultFireHook hook) { hook_ = hook; }

    // Adds a fault the device offers; the declaration must outlive the set.
    // A second declaration of the same name returns the first's Id (a
    // frontend re-binding declares again).
    Id declare(const FaultDecl &decl);
    std::optional<Id> find(std::string_view name) const;
    // Makes `id` a fault that happens at once: inject() runs `action`
    // `count` times (each a firing) instead of arming it; skip must be 0 and
    // count at least 1. The code that set an action removes it (nullptr)
    // before the object it calls goes; the fault is then refused until an
    // action is set again.
    void set_action(Id id, FaultAction action);
    // Makes `id` a fault that holds from injection until cleared: inject()
    // arms it (count 0 or 1, skip 0: neither applies; it counts one firing)
    // and then calls hold(true, args); injecting it again while armed does
    // nothing; clear() disarms it and then calls hold(false, args). The hold
    // runs after the set is consistent and may re-enter it (clear, inject)
    // or remove the device that owns it. The code that set a hold removes
    // it (nullptr) before the object it calls goes; the fault is then
    // disarmed silently and refused until a hold is set again.
    void set_hold(Id id, FaultHold hold);
    // The same for a hold that needs no arguments.
    void set_watch(Id id, FaultWatch watch);

    // The hook point's first question: is any fault of this device armed?
    bool any_armed() const { return armed_count_ != 0; }
    // The arguments of fault `id` if it is armed, else nullptr.
    const FaultArgs *armed(Id id) const
    {
        return id < entries_.size() && entries_[id].armed ? &entries_[id].args : nullptr;
    }
    // A matching event at fault `id`'s hook point: true if the fault fires on
    // it (counted, traced with `event`), false if it is not armed or lets
    // this one pass (skip). Disarms the fault after its last firing.
    bool fire(Id id, const char *event);

    // Arms `name` (re-arming replaces count, skip and arguments). Refusals
    // name what is accepted: the device's faults, the fault's parameters,
    // the parameter's type, choices or range.
    Status inject(std::string_view name, std::uint64_t count, std::uint64_t skip,
                  std::span<const FaultArgText> args);
    // Disarms `name`, or every fault if `name` is empty.
    Status clear(std::string_view name = {});

    std::span<const Entry> entries() const { return entries_; }
    // "a, b, c": the names of the declared faults.
    std::string names() const;

private:
    void disarm(Entry &e);
    // Calls the holds of `ids` with `armed` and their arguments, stopping if
    // the set is destroyed by one of them.
    void notify(std::span<const Id> ids, bool armed);

    std::vector<Entry> entries_;
    // Expires when the set is destroyed: a hold that removed the device
    // leaves no member to touch.
    std::shared_ptr<const bool> alive_ = std::make_shared<const bool>(true);
    std::size_t armed_count_ = 0;
    const char *dev_name_ = "";
    FaultFireHook hook_ = nullptr;
};

} // namespace mdev
