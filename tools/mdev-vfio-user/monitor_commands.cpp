// SPDX-License-Identifier: GPL-2.0-or-later
#include "monitor_commands.hpp"

#include "event_loop.hpp"
#include "parents.hpp"

#include "qemu/capi.hpp"
#include "hw/mdev/class_id.hpp"
#include "hw/mdev/device.hpp"
#include "hw/mdev/fault.hpp"
#include "hw/mdev/uuid.hpp"

#include <mutex>

namespace mdev::vfio_user {

namespace {

CommandResult ok(Json value)
{
    CommandResult r;
    r.value = std::move(value);
    return r;
}

CommandResult fail(std::string message)
{
    CommandResult r;
    r.error = std::move(message);
    return r;
}

// A command's arguments as QAPI checks them: each declared one in order
// (missing, wrong type), then anything not declared.
enum class ArgType { str, uint64, any };

struct ArgSpec {
    const char *name;
    ArgType type;
    bool optional;
};

std::optional<std::string> check_args(const Json &args, std::initializer_list<ArgSpec> specs)
{
    for (const ArgSpec &spec : specs) {
        const Json *v = args.get(spec.name);
        if (!v) {
            if (!spec.optional) {
                return "Parameter '" + std::string(spec.name) + "' is missing";
            }
            continue;
        }
        switch (spec.type) {
        case ArgType::str:
            if (!v->is_string()) {
                return "Invalid parameter type for '" + std::string(spec.name) +
                       "', expected: string";
            }
            break;
        case ArgType::uint64:
            // QEMU takes a negative integer too, as its two's complement.
            if (!v->is_integer()) {
                return "Parameter '" + std::string(spec.name) + "' expects uint64";
            }
            break;
        case ArgType::any:
            break;
        }
    }
    for (const Json::Member &m : args.as_object()) {
        bool known = false;
        for (const ArgSpec &spec : specs) {
            known = known || m.first == spec.name;
        }
        if (!known) {
            return "Parameter '" + m.first + "' is unexpected";
        }
    }
    return std::nullopt;
}

std::uint64_t uint64_arg(const Json &args, const char *name, std::uint64_t fallback)
{
    const Json *v = args.get(name);
    if (!v) {
        return fallback;
    }
    if (std::optional<std::uint64_t> u = v->as_uint64()) {
        return *u;
    }
    return static_cast<std::uint64_t>(v->as_int64().value_or(0));
}

// The mdev the server serves with UUID `text` (any case), as the glue's
// mdev_fault_lookup finds it: its canonical UUID, or nullopt and *error.
std::optional<std::string> lookup(MonitorTarget &target, const std::string &text,
                                  std::string *error)
{
    std::optional<Uuid> parsed = Uuid::parse(text);
    if (!parsed) {
        *error = "'" + text + "' is not a UUID";
        return std::nullopt;
    }
    const std::string canonical = parsed->to_string();
    for (const ServedMdev &m : target.mdevs()) {
        if (m.uuid == canonical) {
            return canonical;
        }
    }
    *error = "no mdev has UUID " + canonical;
    return std::nullopt;
}

Json describe_faults(const Device &dev, const std::string &uuid)
{
    Json::Array faults;
    for (const FaultSet::Entry &e : dev.faults().entries()) {
        Json::Array params;
        for (const FaultParam &p : e.decl->params) {
            Json param;
            param.add("name", p.name)
                .add("type", fault_param_type_name(p.type))
                .add("description", p.help);
            params.push_back(std::move(param));
        }
        Json fault;
        fault.add("name", e.decl->name)
            .add("description", e.decl->help)
            .add("params", std::move(params))
            .add("armed", e.armed)
            .add("count", e.count)
            .add("skip", e.skip)
            .add("fired", e.fired);
        faults.push_back(std::move(fault));
    }
    Json out;
    out.add("uuid", uuid).add("faults", std::move(faults));
    return out;
}

CommandResult query_mdevs(MonitorTarget &target)
{
    Json::Array list;
    const std::lock_guard lock(devices_lock()); // event_loop.hpp
    Core &core = capi::global_core();
    for (const ServedMdev &m : target.mdevs()) {
        const Device *dev = core.find_device(m.uuid);
        // Between a client's departure and the device's re-creation.
        if (!dev) {
            continue;
        }
        const Driver *driver = dev->driver();
        Json entry;
        entry.add("uuid", m.uuid)
            .add("parent", std::string(dev->parent().id()))
            .add("type", dev->type().id)
            .add("class", std::string(class_name(dev->class_id())))
            .add("driver", driver ? std::string(driver->name()) : std::string())
            // No QOM tree here: where the mdev is served.
            .add("qom-path", m.socket);
        list.push_back(std::move(entry));
    }
    return ok(std::move(list));
}

CommandResult query_parents()
{
    const std::lock_guard lock(devices_lock()); // event_loop.hpp
    return ok(parents_json(parent_summaries()));
}

CommandResult query_faults(MonitorTarget &target, const Json &args)
{
    std::optional<std::string> only;
    if (const Json *u = args.get("uuid")) {
        std::string error;
        only = lookup(target, u->as_string(), &error);
        if (!only) {
            return fail(error);
        }
    }
    Json::Array list;
    const std::lock_guard lock(devices_lock()); // event_loop.hpp
    Core &core = capi::global_core();
    for (const ServedMdev &m : target.mdevs()) {
        if (only && m.uuid != *only) {
            continue;
        }
        if (Device *dev = core.find_device(m.uuid)) {
            list.push_back(describe_faults(*dev, m.uuid));
        }
    }
    return ok(std::move(list));
}

// One member of `args` as the fault takes it (text), as the glue's
// mdev_fault_arg_text does.
std::optional<std::string> arg_text(const Json &v)
{
    if (v.is_string()) {
        return v.as_string();
    }
    if (v.is_bool()) {
        return v.as_bool() ? "true" : "false";
    }
    if (std::optional<std::int64_t> i = v.as_int64()) {
        return std::to_string(*i);
    }
    if (std::optional<std::uint64_t> u = v.as_uint64()) {
        return std::to_string(*u);
    }
    return std::nullopt;
}

// Runs `op` on the device's thread with the devices' lock held and the
// device pinned; its error, if any, is the command's.
CommandResult on_device(MonitorTarget &target, const std::string &uuid,
                        const std::function<Status(Device &)> &op)
{
    std::string error;
    bool done = false;
    const bool ran = target.run_on_device(
        uuid,
        [&] {
            const std::lock_guard lock(devices_lock()); // event_loop.hpp
            Core &core = capi::global_core();
            Device *dev = core.find_device(uuid);
            if (!dev) {
                error = "no mdev has UUID " + uuid;
                return;
            }
            // The device's code may re-enter or reset it (a hold's watch).
            Core::Pin pin(core, *dev);
            Status s = op(*dev);
            if (!s) {
                error = s.error().message;
                return;
            }
            done = true;
        },
        &error);
    if (!ran || !done) {
        return fail(error);
    }
    return ok(Json::Object{});
}

CommandResult fault_inject(MonitorTarget &target, const Json &args)
{
    std::string error;
    std::optional<std::string> uuid = lookup(target, args.get("uuid")->as_string(), &error);
    if (!uuid) {
        return fail(error);
    }
    const std::string fault = args.get("fault")->as_string();
    std::vector<FaultArgText> texts;
    if (const Json *a = args.get("args")) {
        if (!a->is_object()) {
            return fail("'args' must be an object of the fault's parameters, e.g. "
                        "{\"vector\": 1}");
        }
        for (const Json::Member &m : a->as_object()) {
            std::optional<std::string> text = arg_text(m.second);
            if (!text) {
                return fail("fault '" + fault + "' argument '" + m.first +
                            "' must be a string, an integer or a boolean");
            }
            texts.push_back({m.first, std::move(*text)});
        }
    }
    const std::uint64_t count = uint64_arg(args, "count", 1);
    const std::uint64_t skip = uint64_arg(args, "skip", 0);
    return on_device(target, *uuid, [&](Device &dev) {
        return dev.faults().inject(fault, count, skip, texts);
    });
}

CommandResult fault_clear(MonitorTarget &target, const Json &args)
{
    std::string error;
    std::optional<std::string> uuid = lookup(target, args.get("uuid")->as_string(), &error);
    if (!uuid) {
        return fail(error);
    }
    const Json *f = args.get("fault");
    const std::string fault = f ? f->as_string() : std::string();
    return on_device(target, *uuid, [&](Device &dev) {
        return dev.faults().clear(fault);
    });
}

} // namespace

bool is_monitor_command(const std::string &name)
{
    return name == "query-mdevs" || name == "query-mdev-parents" ||
           name == "query-mdev-faults" || name == "mdev-fault-inject" ||
           name == "mdev-fault-clear";
}

CommandResult run_command(MonitorTarget &target, const std::string &name, const Json &args)
{
    std::optional<std::string> bad;
    if (name == "query-mdevs") {
        if ((bad = check_args(args, {}))) {
            return fail(*bad);
        }
        return query_mdevs(target);
    }
    if (name == "query-mdev-parents") {
        if ((bad = check_args(args, {}))) {
            return fail(*bad);
        }
        return query_parents();
    }
    if (name == "query-mdev-faults") {
        if ((bad = check_args(args, {{"uuid", ArgType::str, true}}))) {
            return fail(*bad);
        }
        return query_faults(target, args);
    }
    if (name == "mdev-fault-inject") {
        if ((bad = check_args(args, {{"uuid", ArgType::str, false},
                                     {"fault", ArgType::str, false},
                                     {"count", ArgType::uint64, true},
                                     {"skip", ArgType::uint64, true},
                                     {"args", ArgType::any, true}}))) {
            return fail(*bad);
        }
        return fault_inject(target, args);
    }
    if (name == "mdev-fault-clear") {
        if ((bad = check_args(args, {{"uuid", ArgType::str, false},
                                     {"fault", ArgType::str, true}}))) {
            return fail(*bad);
        }
        return fault_clear(target, args);
    }
    CommandResult r;
    r.error_class = "CommandNotFound";
    r.error = "The command " + name + " has not been found";
    return r;
}

} // namespace mdev::vfio_user
