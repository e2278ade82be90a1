// SPDX-License-Identifier: GPL-2.0-or-later
// Deterministic fault injection: the per-device set of declared faults
// (include/hw/mdev/fault.hpp).
#include "hw/mdev/fault.hpp"

#include "trace-hw_mdev_core_fault.hpp"

#include <cerrno>
#include <cinttypes>
#include <cstdlib>

namespace mdev {

const char *fault_param_type_name(FaultParamType t)
{
    switch (t) {
    case FaultParamType::integer:
        return "int";
    case FaultParamType::boolean:
        return "bool";
    case FaultParamType::string:
        return "str";
    }
    return "?";
}

std::int64_t FaultArgs::get_int(std::size_t param, std::int64_t fallback) const
{
    if (!has(param)) {
        return fallback;
    }
    const auto *v = std::get_if<std::int64_t>(&*values_[param]);
    return v ? *v : fallback;
}

bool FaultArgs::get_bool(std::size_t param, bool fallback) const
{
    if (!has(param)) {
        return fallback;
    }
    const auto *v = std::get_if<bool>(&*values_[param]);
    return v ? *v : fallback;
}

std::string_view FaultArgs::get_str(std::size_t param, std::string_view fallback) const
{
    if (!has(param)) {
        return fallback;
    }
    const auto *v = std::get_if<std::string>(&*values_[param]);
    return v ? std::string_view(*v) : fallback;
}

FaultSet::Id FaultSet::declare(const FaultDecl &decl)
{
    if (std::optional<Id> id = find(decl.name)) {
        return *id;
    }
    Entry e{};
    e.decl = &decl;
    e.args = FaultArgs(decl.params.size());
    entries_.push_back(std::move(e));
    return entries_.size() - 1;
}

std::optional<FaultSet::Id> FaultSet::find(std::string_view name) const
{
    for (Id i = 0; i < entries_.size(); i++) {
        if (name == entries_[i].decl->name) {
            return i;
        }
    }
    return std::nullopt;
}

void FaultSet::set_action(Id id, FaultAction action)
{
    Entry &e = entries_.at(id);
    disarm(e);
    e.immediate = true;
    e.action = std::move(action);
}

void FaultSet::set_hold(Id id, FaultHold hold)
{
    Entry &e = entries_.at(id);
    if (!hold) {
        disarm(e);
    }
    e.held = true;
    e.hold = std::move(hold);
}

void FaultSet::set_watch(Id id, FaultWatch watch)
{
    FaultHold hold;
    if (watch) {
        hold = [w = std::move(watch)](bool on, const FaultArgs &) { w(on); };
    }
    set_hold(id, std::move(hold));
}

void FaultSet::notify(std::span<const Id> ids, bool armed)
{
    const std::weak_ptr<const bool> alive = alive_;
    for (Id id : ids) {
        if (alive.expired()) {
            return;
        }
        // Copies: the hold may replace or remove itself, or re-arm.
        FaultHold hold = entries_[id].hold;
        const FaultArgs args = entries_[id].args;
        if (hold) {
            hold(armed, args);
        }
    }
}

std::string FaultSet::names() const
{
    std::string out;
    for (const Entry &e : entries_) {
        out += out.empty() ? "" : ", ";
        out += e.decl->name;
    }
    return out.empty() ? "none" : out;
}

void FaultSet::disarm(Entry &e)
{
    if (e.armed) {
        e.armed = false;
        armed_count_--;
    }
}

bool FaultSet::fire(Id id, const char *event)
{
    if (id >= entries_.size() || !entries_[id].armed) {
        return false;
    }
    Entry &e = entries_[id];
    if (e.skip_left > 0) {
        e.skip_left--;
        return false;
    }
    e.fired++;
    if (e.count != 0 && !e.held && --e.fire_left == 0) {
        disarm(e);
    }
    trace_mdev_fault_fire(dev_name_, e.decl->name, event);
    if (hook_) {
        hook_(dev_name_, e.decl->name, event);
    }
    return true;
}

namespace {

Error arg_error(const std::string &message)
{
    return Error{Errc::invalid_fault_argument, message};
}

std::string param_names(const FaultDecl &decl)
{
    std::string out;
    for (const FaultParam &p : decl.params) {
        out += out.empty() ? "" : ", ";
        out += p.name;
        out += " (";
        out += fault_param_type_name(p.type);
        out += ")";
    }
    return out.empty() ? "none" : out;
}

Result<FaultValue> parse_value(const FaultDecl &decl, const FaultParam &p, const std::string &text)
{
    const std::string where =
        std::string("fault '") + decl.name + "' parameter '" + p.name + "'";
    switch (p.type) {
    case FaultParamType::integer: {
        errno = 0;
        char *end = nullptr;
        const long long v = std::strtoll(text.c_str(), &end, 0);
        if (text.empty() || *end != '\0' || errno == ERANGE) {
            return arg_error(where + " takes an integer (decimal, or hex with 0x), not '" +
                             text + "'");
        }
        if (v < p.min || v > p.max) {
            return arg_error(where + " takes " + std::to_string(p.min) + " to " +
                             std::to_string(p.max) + ", not " + text);
        }
        return FaultValue{std::int64_t(v)};
    }
    case FaultParamType::boolean:
        if (text == "true" || text == "on" || text == "yes" || text == "1") {
            return FaultValue{true};
        }
        if (text == "false" || text == "off" || text == "no" || text == "0") {
            return FaultValue{false};
        }
        return arg_error(where + " takes true or false (on/off), not '" + text + "'");
    case FaultParamType::string:
        if (p.choices.empty()) {
            return FaultValue{text};
        }
        for (const char *c : p.choices) {
            if (text == c) {
                return FaultValue{text};
            }
        }
        std::string accepted;
        for (const char *c : p.choices) {
            accepted += accepted.empty() ? "" : ", ";
            accepted += c;
        }
        return arg_error(where + " takes one of " + accepted + ", not '" + text + "'");
    }
    return arg_error(where + " has an unknown type");
}

} // namespace

Status FaultSet::inject(std::string_view name, std::uint64_t count, std::uint64_t skip,
                        std::span<const FaultArgText> args)
{
    const std::optional<Id> id = find(name);
    if (!id) {
        return Error{Errc::unknown_fault, "mdev " + std::string(dev_name_) + " has no fault '" +
                                              std::string(name) + "'; it offers: " + names()};
    }
    const FaultDecl &decl = *entries_[*id].decl;
    FaultArgs parsed(decl.params.size());
    for (const FaultArgText &a : args) {
        std::optional<std::size_t> pi;
        for (std::size_t i = 0; i < decl.params.size(); i++) {
            if (a.name == decl.params[i].name) {
                pi = i;
            }
        }
        if (!pi) {
            return arg_error(std::string("fault '") + decl.name + "' has no parameter '" +
                             a.name + "'; it takes: " + param_names(decl));
        }
        if (parsed.has(*pi)) {
            return arg_error(std::string("fault '") + decl.name + "' parameter '" + a.name +
                             "' is given twice");
        }
        Result<FaultValue> v = parse_value(decl, decl.params[*pi], a.value);
        if (!v) {
            return v.error();
        }
        parsed.set(*pi, std::move(*v));
    }
    Entry &e = entries_[*id];
    if (e.held) {
        const std::string what = std::string("fault '") + decl.name + "' holds until cleared";
        if (!e.hold) {
            return Error{Errc::unknown_fault, what + ", and mdev " + dev_name_ +
                                                  " cannot make it happen now (no frontend "
                                                  "bound)"};
        }
        if (count > 1 || skip != 0) {
            return arg_error(what + ": count and skip do not apply (mdev-fault-clear ends "
                                    "it)");
        }
        if (e.armed) {
            return Ok{}; // it holds already
        }
        e.armed = true;
        armed_count_++;
        e.count = 0;
        e.skip = 0;
        e.args = std::move(parsed);
        e.fired++;
        trace_mdev_fault_inject(dev_name_, decl.name, count, skip);
        trace_mdev_fault_fire(dev_name_, decl.name, "injection");
        if (hook_) {
            hook_(dev_name_, decl.name, "injection");
        }
        const Id ids[] = {*id};
        notify(ids, true);
        return Ok{};
    }
    if (e.immediate) {
        const std::string what = std::string("fault '") + decl.name + "' happens at once";
        if (!e.action) {
            return Error{Errc::unknown_fault, what + ", and mdev " + dev_name_ +
                                                  " cannot make it happen now (no frontend "
                                                  "bound)"};
        }
        if (count == 0 || skip != 0) {
            return arg_error(what + ": count is how many times (1 or more), and skip does "
                                    "not apply");
        }
        e.count = count;
        e.skip = 0;
        e.args = std::move(parsed);
        trace_mdev_fault_inject(dev_name_, decl.name, count, skip);
        // The action may re-enter the monitor's device (an interrupt reaching
        // its own config space); `e` stays valid: entries_ does not grow
        // after the frontend and parent declared theirs.
        for (std::uint64_t i = 0; i < count; i++) {
            e.fired++;
            trace_mdev_fault_fire(dev_name_, decl.name, "injection");
            if (hook_) {
                hook_(dev_name_, decl.name, "injection");
            }
            FaultAction action = e.action; // the action may clear itself
            action(e.args);
        }
        return Ok{};
    }
    if (!e.armed) {
        e.armed = true;
        armed_count_++;
    }
    e.count = count;
    e.skip = skip;
    e.skip_left = skip;
    e.fire_left = count;
    e.args = std::move(parsed);
    trace_mdev_fault_inject(dev_name_, decl.name, count, skip);
    return Ok{};
}

Status FaultSet::clear(std::string_view name)
{
    if (name.empty()) {
        std::vector<Id> ended;
        for (Id i = 0; i < entries_.size(); i++) {
            Entry &e = entries_[i];
            if (e.armed) {
                trace_mdev_fault_clear(dev_name_, e.decl->name);
                if (e.held) {
                    ended.push_back(i);
                }
            }
            disarm(e);
        }
        notify(ended, false);
        return Ok{};
    }
    const std::optional<Id> id = find(name);
    if (!id) {
        return Error{Errc::unknown_fault, "mdev " + std::string(dev_name_) + " has no fault '" +
                                              std::string(name) + "'; it offers: " + names()};
    }
    Entry &e = entries_[*id];
    const bool ends = e.armed && e.held;
    if (e.armed) {
        trace_mdev_fault_clear(dev_name_, e.decl->name);
    }
    disarm(e);
    if (ends) {
        const Id ids[] = {*id};
        notify(ids, false);
    }
    return Ok{};
}

} // namespace mdev
