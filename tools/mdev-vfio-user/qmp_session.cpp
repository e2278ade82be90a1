// SPDX-License-Identifier: GPL-2.0-or-later
#include "qmp_session.hpp"

namespace mdev::vfio_user {

QmpSession::QmpSession(MonitorTarget &target, JsonStream::Limits limits)
    : target_(target), limits_(limits),
      stream_([this](std::string_view text) { handle(text); },
              [this](const std::string &why) {
                  error(nullptr, "GenericError", "JSON parse error, " + why);
              },
              limits)
{
}

std::string QmpSession::greeting()
{
    Json qemu;
    qemu.add("micro", 2).add("minor", 2).add("major", 10);
    Json version;
    version.add("qemu", std::move(qemu)).add("package", "qemu-mdev mdev-vfio-user");
    Json body;
    body.add("version", std::move(version)).add("capabilities", Json::Array{});
    Json greeting;
    greeting.add("QMP", std::move(body));
    return greeting.dump() + "\r\n";
}

std::string QmpSession::feed(std::string_view bytes)
{
    stream_.feed(bytes);
    std::string out;
    out.swap(out_);
    return out;
}

void QmpSession::reply(const Json *id, Json body)
{
    if (id) {
        body.add("id", *id);
    }
    out_ += body.dump() + "\r\n";
}

void QmpSession::error(const Json *id, const std::string &cls, const std::string &desc)
{
    Json e;
    e.add("class", cls).add("desc", desc);
    Json body;
    body.add("error", std::move(e));
    reply(id, std::move(body));
}

void QmpSession::handle(std::string_view text)
{
    if (quit_) {
        return; // the rest of what the client sent after quit
    }
    std::string why;
    const std::optional<Json> msg = parse_json(text, &why, JsonLimits{limits_.max_depth,
                                                                    limits_.max_length});
    if (!msg) {
        error(nullptr, "GenericError", "JSON parse error, " + why);
        return;
    }
    if (!msg->is_object()) {
        error(nullptr, "GenericError", "QMP input must be a JSON object");
        return;
    }
    const Json *id = msg->get("id");
    const Json *execute = nullptr;
    const Json *arguments = nullptr;
    // QEMU's qmp_dispatch_check_obj, member by member.
    for (const Json::Member &m : msg->as_object()) {
        if (m.first == "execute") {
            if (!m.second.is_string()) {
                error(id, "GenericError", "QMP input member 'execute' must be a string");
                return;
            }
            execute = &m.second;
        } else if (m.first == "arguments") {
            if (!m.second.is_object()) {
                error(id, "GenericError", "QMP input member 'arguments' must be an object");
                return;
            }
            arguments = &m.second;
        } else if (m.first != "id") {
            error(id, "GenericError", "QMP input member '" + m.first + "' is unexpected");
            return;
        }
    }
    if (!execute) {
        error(id, "GenericError", "QMP input lacks member 'execute'");
        return;
    }
    const std::string &name = execute->as_string();
    const Json empty = Json::Object{};
    const Json &args = arguments ? *arguments : empty;

    if (name == "qmp_capabilities") {
        if (negotiated_) {
            error(id, "CommandNotFound",
                  "Capabilities negotiation is already complete, command ignored");
            return;
        }
        for (const Json::Member &m : args.as_object()) {
            if (m.first != "enable") {
                error(id, "GenericError", "Parameter '" + m.first + "' is unexpected");
                return;
            }
            if (!m.second.is_array()) {
                error(id, "GenericError", "Invalid parameter type for 'enable', expected: array");
                return;
            }
            const Json::Array &caps = m.second.as_array();
            for (std::size_t i = 0; i < caps.size(); i++) {
                const std::string where = "enable[" + std::to_string(i) + "]";
                if (!caps[i].is_string()) {
                    error(id, "GenericError",
                          "Invalid parameter type for '" + where + "', expected: string");
                    return;
                }
                // QEMU's one capability, which this monitor does not offer.
                if (caps[i].as_string() == "oob") {
                    error(id, "GenericError", "Capability oob not available");
                } else {
                    // QEMU's enum visitor names a list element 'null'.
                    error(id, "GenericError",
                          "Parameter 'null' does not accept value '" + caps[i].as_string() + "'");
                }
                return;
            }
        }
        negotiated_ = true;
        reply(id, Json().add("return", Json::Object{}));
        return;
    }
    if (!negotiated_) {
        error(id, "CommandNotFound", "Expecting capabilities negotiation with 'qmp_capabilities'");
        return;
    }
    if (name == "quit") {
        if (!args.as_object().empty()) {
            error(id, "GenericError",
                  "Parameter '" + args.as_object().front().first + "' is unexpected");
            return;
        }
        quit_ = true;
        reply(id, Json().add("return", Json::Object{}));
        return;
    }
    CommandResult r = run_command(target_, name, args);
    if (r.value) {
        reply(id, Json().add("return", std::move(*r.value)));
    } else {
        error(id, r.error_class, r.error);
    }
}

} // namespace mdev::vfio_user
