// SPDX-License-Identifier: GPL-2.0-or-later
// mdev-vfio-user's command line, in QEMU's forms: -device DRIVER,key=value,...
// and -object mdev-parent,id=..,kind=..,budget=... Parsed and checked here
// against the declared parents (mdev_parent_info), with no server started,
// so that a wrong argument is one line naming the property and what it
// accepts, before any socket exists.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mdev::vfio_user {

// "driver,key=value,key2=value2" split as QEMU's QemuOpts does (",," is a
// literal comma). The first element, without '=', is the driver (or
// qom-type for -object given as "mdev-parent,...").
struct Options {
    std::string head; // the first element when it has no '='
    std::vector<std::pair<std::string, std::string>> values;
    std::optional<std::string_view> get(std::string_view key) const;
};
std::optional<Options> parse_options(std::string_view text, std::string *error);

struct DeviceSpec {
    std::string driver;     // "mdev-mtty"
    std::string kind;       // "mtty"
    std::string parent;     // parent id: the kind's default parent, or parent=
    std::string type;       // mdev-type
    std::string uuid;       // given or generated
    std::string class_name; // "vfio"
    std::string socket;     // socket=
    // iommu_platform= (class virtio): offer and require ACCESS_PLATFORM, as
    // our QEMU's property; the driver's addresses are then the client's
    // IOVAs, which is what its DMA_MAP regions hold behind a vIOMMU.
    bool iommu_platform = false;
    std::map<std::string, std::string> properties; // the parent's own
};

struct ParentSpec {
    std::string id;
    std::string kind;
    std::optional<std::string> budget;
};

struct CommandLine {
    std::vector<ParentSpec> parents;
    std::vector<DeviceSpec> devices;
    bool list = false;        // --list
    std::optional<std::string> qmp_socket; // -qmp unix:PATH,server=on,wait=off
    std::string help;         // text to print instead of serving (-device help, ...)
};

// Parses argv (without argv[0]). nullopt: *error holds one line.
std::optional<CommandLine> parse_command_line(const std::vector<std::string> &args,
                                              std::string *error);

// The argument of -qmp: unix:PATH,server=on,wait=off (the options in any
// order, each exactly once), the one form QEMU's -qmp takes that makes
// sense here. The socket path, or nullopt and one line in *error.
std::optional<std::string> parse_qmp_option(std::string_view value, std::string *error);

// A fresh random UUID in canonical text.
std::string random_uuid();

} // namespace mdev::vfio_user
