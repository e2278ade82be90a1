// SPDX-License-Identifier: GPL-2.0-or-later
// One monitor client's QMP conversation, as QEMU's QMP speaks it
// (docs/interop/qmp-spec.rst in QEMU's tree): the greeting, capabilities
// negotiation before any other command, {"execute": ..., "arguments": ...,
// "id": ...} in, {"return": ...} or {"error": {"class", "desc"}} out with
// the id echoed, QEMU's messages for malformed input. Transport-free: the
// monitor (monitor.hpp) feeds it bytes and sends what it returns.
#pragma once

#include "json_stream.hpp"
#include "monitor_commands.hpp"

#include <string>
#include <string_view>

namespace mdev::vfio_user {

class QmpSession {
public:
    explicit QmpSession(MonitorTarget &target, JsonStream::Limits limits = {});

    // The greeting line a client gets first.
    static std::string greeting();
    // Bytes from the client: the reply lines (each ends "\r\n").
    std::string feed(std::string_view bytes);
    // The client said quit: the monitor sends the reply and hangs up.
    bool quit() const { return quit_; }
    bool negotiated() const { return negotiated_; }

private:
    void handle(std::string_view text);
    void reply(const Json *id, Json body);
    void error(const Json *id, const std::string &cls, const std::string &desc);

    MonitorTarget &target_;
    JsonStream::Limits limits_;
    JsonStream stream_;
    std::string out_;
    bool negotiated_ = false;
    bool quit_ = false;
};

} // namespace mdev::vfio_user
