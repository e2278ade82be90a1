// SPDX-License-Identifier: GPL-2.0-or-later
#include "command_line.hpp"

#include "hw/mdev/capi/mdev-parent.h"
#include "hw/mdev/capi/mdev.h"

#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

namespace mdev::vfio_user {

namespace {

constexpr std::string_view kDriverPrefix = "mdev-";

const MdevParentInfo *find_kind(std::string_view kind)
{
    for (size_t i = 0; const MdevParentInfo *info = mdev_parent_info(i); i++) {
        if (kind == info->name) {
            return info;
        }
    }
    return nullptr;
}

std::string kinds_list()
{
    std::string out;
    for (size_t i = 0; const MdevParentInfo *info = mdev_parent_info(i); i++) {
        out += (i ? ", " : "") + (std::string(kDriverPrefix) + info->name);
    }
    return out;
}

std::string device_help()
{
    std::string out = "Devices mdev-vfio-user serves (-device DRIVER,socket=PATH,...):\n";
    for (size_t i = 0; const MdevParentInfo *info = mdev_parent_info(i); i++) {
        out += "name \"" + std::string(kDriverPrefix) + info->name + "\", desc \"" +
               info->description + "\", classes " + info->classes + "\n";
    }
    return out;
}

std::string property_help(const MdevParentInfo &info)
{
    std::string out = std::string(kDriverPrefix) + info.name + " options:\n";
    out += "  class=<str>            - " + std::string(info.classes) + "\n";
    out += "  iommu_platform=<bool>  - class=virtio: offer (and require) "
           "VIRTIO_F_ACCESS_PLATFORM, needed behind the client's vIOMMU (default: off)\n";
    out += "  mdev-type=<str>        - " + std::string(info.type_help) + "\n";
    out += "  parent=<str>           - the -object mdev-parent id (default: " +
           std::string(info.name) + ")\n";
    out += "  socket=<str>           - UNIX socket path the server creates (mode 0600)\n";
    out += "  uuid=<str>             - the mdev's UUID (default: a random one)\n";
    for (size_t i = 0; i < info.nproperties; i++) {
        const MdevPropertyDecl &p = info.properties[i];
        out += "  " + std::string(p.name) + "=<str>" +
               std::string(p.name[0] && std::string_view(p.name).size() < 17
                               ? 17 - std::string_view(p.name).size()
                               : 1,
                           ' ') +
               "- " + (p.help ? p.help : "") +
               (p.default_value ? std::string(" (default: ") + p.default_value + ")" : "") + "\n";
    }
    return out;
}

std::optional<DeviceSpec> device_spec(const Options &o, std::string *error)
{
    DeviceSpec d;
    d.driver = o.head.empty() ? std::string(o.get("driver").value_or("")) : o.head;
    if (d.driver.empty()) {
        *error = "-device: no driver given; try -device help";
        return std::nullopt;
    }
    const MdevParentInfo *info =
        d.driver.starts_with(kDriverPrefix) ? find_kind(d.driver.substr(kDriverPrefix.size()))
                                            : nullptr;
    if (!info) {
        *error = "-device " + d.driver + ": not a device this server has; one of: " + kinds_list();
        return std::nullopt;
    }
    d.kind = info->name;
    d.parent = d.kind;
    d.type = info->default_type ? info->default_type : "";
    d.class_name = info->default_class ? info->default_class : "";
    for (const auto &[key, value] : o.values) {
        if (key == "driver") {
            continue;
        } else if (key == "class") {
            d.class_name = value;
        } else if (key == "mdev-type") {
            d.type = value;
        } else if (key == "uuid") {
            d.uuid = value;
        } else if (key == "parent") {
            d.parent = value;
        } else if (key == "socket") {
            d.socket = value;
        } else if (key == "iommu_platform") {
            // QEMU's spellings of a bool property.
            if (value == "on" || value == "yes" || value == "true") {
                d.iommu_platform = true;
            } else if (value == "off" || value == "no" || value == "false") {
                d.iommu_platform = false;
            } else {
                *error = "-device " + d.driver + ": property 'iommu_platform' is '" + value +
                         "'; it takes on or off";
                return std::nullopt;
            }
        } else {
            bool known = false;
            for (size_t i = 0; i < info->nproperties; i++) {
                known = known || key == info->properties[i].name;
            }
            if (!known) {
                std::string names = "class, iommu_platform, mdev-type, parent, socket, uuid";
                for (size_t i = 0; i < info->nproperties; i++) {
                    names += std::string(", ") + info->properties[i].name;
                }
                *error = "-device " + d.driver + ": property '" + key +
                         "' not found; it takes " + names;
                return std::nullopt;
            }
            d.properties[key] = value;
        }
    }
    if (d.class_name.empty()) {
        *error = "-device " + d.driver + ": property 'class' must be given: " + info->classes;
        return std::nullopt;
    }
    // Both classes are served; a parent offers the ones it has ops for.
    bool offered = false;
    for (std::string_view rest = info->classes; !rest.empty();) {
        const std::size_t comma = rest.find(", ");
        offered = offered || rest.substr(0, comma) == d.class_name;
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 2);
    }
    if (!offered) {
        *error = "-device " + d.driver + ": property 'class' is '" + d.class_name +
                 "'; the parent has " + info->classes;
        return std::nullopt;
    }
    if (d.iommu_platform && d.class_name != "virtio") {
        *error = "-device " + d.driver + ": property 'iommu_platform': class '" + d.class_name +
                 "' has no such feature (it is virtio's VIRTIO_F_ACCESS_PLATFORM; a class '" +
                 d.class_name + "' function's DMA always goes through the client's IOMMU, if it "
                 "has one)";
        return std::nullopt;
    }
    if (d.socket.empty()) {
        *error = "-device " + d.driver + ": property 'socket' must be given: a UNIX socket path";
        return std::nullopt;
    }
    if (d.uuid.empty()) {
        d.uuid = random_uuid();
    }
    return d;
}

std::optional<ParentSpec> parent_spec(const Options &o, std::string *error)
{
    std::string qom_type = o.head.empty() ? std::string(o.get("qom-type").value_or("")) : o.head;
    if (qom_type != "mdev-parent") {
        *error = "-object " + qom_type + ": this server takes only -object mdev-parent";
        return std::nullopt;
    }
    ParentSpec p;
    for (const auto &[key, value] : o.values) {
        if (key == "id") {
            p.id = value;
        } else if (key == "kind") {
            p.kind = value;
        } else if (key == "budget") {
            p.budget = value;
        } else if (key != "qom-type") {
            *error = "-object mdev-parent: property '" + key + "' not found; it takes id, kind, budget";
            return std::nullopt;
        }
    }
    if (p.id.empty()) {
        *error = "-object mdev-parent: property 'id' must be given";
        return std::nullopt;
    }
    if (!find_kind(p.kind)) {
        *error = "-object mdev-parent: property 'kind' is '" + p.kind + "'; it takes one of: " +
                 kinds_list().c_str();
        return std::nullopt;
    }
    return p;
}

} // namespace

std::optional<std::string_view> Options::get(std::string_view key) const
{
    for (const auto &[k, v] : values) {
        if (k == key) {
            return std::string_view(v);
        }
    }
    return std::nullopt;
}

std::optional<Options> parse_options(std::string_view text, std::string *error)
{
    Options out;
    std::vector<std::string> parts(1);
    for (std::size_t i = 0; i < text.size(); i++) {
        if (text[i] == ',') {
            if (i + 1 < text.size() && text[i + 1] == ',') {
                parts.back() += ',';
                i++;
            } else {
                parts.emplace_back();
            }
        } else {
            parts.back() += text[i];
        }
    }
    for (std::size_t i = 0; i < parts.size(); i++) {
        const std::string &p = parts[i];
        std::size_t eq = p.find('=');
        if (eq == std::string::npos) {
            if (i == 0) {
                out.head = p;
                continue;
            }
            if (p == "help" || p == "?") {
                out.values.emplace_back("help", "on");
                continue;
            }
            *error = "'" + p + "': expected key=value";
            return std::nullopt;
        }
        if (eq == 0) {
            *error = "'" + p + "': empty property name";
            return std::nullopt;
        }
        out.values.emplace_back(p.substr(0, eq), p.substr(eq + 1));
    }
    return out;
}

std::optional<CommandLine> parse_command_line(const std::vector<std::string> &args,
                                              std::string *error)
{
    CommandLine cl;
    for (std::size_t i = 0; i < args.size(); i++) {
        const std::string &a = args[i];
        if (a == "--list" || a == "-list") {
            cl.list = true;
            continue;
        }
        if (a == "-h" || a == "--help" || a == "-help") {
            cl.help = "usage: mdev-vfio-user [-object mdev-parent,id=ID,kind=KIND[,budget=N]]...\n"
                      "                      -device mdev-KIND,socket=PATH[,class=vfio|virtio]"
                      "[,mdev-type=T][,uuid=U][,parent=ID][,PROP=V]...\n"
                      "                      [-qmp unix:PATH,server=on,wait=off]\n"
                      "       mdev-vfio-user -device help | -device mdev-KIND,help | --list\n"
                      "\n"
                      "-qmp: a QMP monitor on a UNIX socket (mode 0600, removed at exit), one\n"
                      "client at a time: qmp_capabilities, query-mdevs, query-mdev-parents,\n"
                      "query-mdev-faults, mdev-fault-inject, mdev-fault-clear, quit\n"
                      "(docs/vfio-user.md, \"Monitor\").\n";
            return cl;
        }
        if (a == "-qmp" || a == "--qmp") {
            if (i + 1 >= args.size()) {
                *error = a + ": needs an argument";
                return std::nullopt;
            }
            if (cl.qmp_socket) {
                *error = "-qmp: given twice; this server has one monitor";
                return std::nullopt;
            }
            std::optional<std::string> path = parse_qmp_option(args[++i], error);
            if (!path) {
                return std::nullopt;
            }
            cl.qmp_socket = std::move(*path);
            continue;
        }
        if (a != "-device" && a != "--device" && a != "-object" && a != "--object") {
            *error = "'" + a + "': unknown option; it takes -device, -object, -qmp, --list, --help";
            return std::nullopt;
        }
        if (i + 1 >= args.size()) {
            *error = a + ": needs an argument";
            return std::nullopt;
        }
        std::string_view value = args[++i];
        std::optional<Options> o = parse_options(value, error);
        if (!o) {
            *error = a + " " + std::string(value) + ": " + *error;
            return std::nullopt;
        }
        bool device = a.ends_with("device");
        if (device && (o->head == "help" || o->head == "?")) {
            cl.help = device_help();
            return cl;
        }
        if (device && o->get("help")) {
            const MdevParentInfo *info = o->head.starts_with(kDriverPrefix)
                                             ? find_kind(o->head.substr(kDriverPrefix.size()))
                                             : nullptr;
            if (!info) {
                *error = "-device " + o->head + ": not a device this server has; one of: " +
                         kinds_list();
                return std::nullopt;
            }
            cl.help = property_help(*info);
            return cl;
        }
        if (device) {
            std::optional<DeviceSpec> d = device_spec(*o, error);
            if (!d) {
                return std::nullopt;
            }
            for (const DeviceSpec &other : cl.devices) {
                if (other.socket == d->socket) {
                    *error = "-device " + d->driver + ": property 'socket' is '" + d->socket +
                             "', which another -device uses already";
                    return std::nullopt;
                }
            }
            cl.devices.push_back(std::move(*d));
        } else {
            std::optional<ParentSpec> p = parent_spec(*o, error);
            if (!p) {
                return std::nullopt;
            }
            cl.parents.push_back(std::move(*p));
        }
    }
    if (!cl.list && cl.devices.empty()) {
        *error = "no -device given; try -device help";
        return std::nullopt;
    }
    for (const DeviceSpec &d : cl.devices) {
        if (cl.qmp_socket && d.socket == *cl.qmp_socket) {
            *error = "-qmp unix:" + *cl.qmp_socket + ": -device " + d.driver +
                     " uses that socket already";
            return std::nullopt;
        }
    }
    return cl;
}

std::optional<std::string> parse_qmp_option(std::string_view value, std::string *error)
{
    const std::string form = "it takes unix:PATH,server=on,wait=off";
    if (!value.starts_with("unix:")) {
        *error = "-qmp " + std::string(value) + ": not a UNIX socket; " + form;
        return std::nullopt;
    }
    std::optional<Options> o = parse_options(value.substr(5), error);
    if (!o) {
        *error = "-qmp " + std::string(value) + ": " + *error;
        return std::nullopt;
    }
    if (o->head.empty()) {
        *error = "-qmp " + std::string(value) + ": no socket path; " + form;
        return std::nullopt;
    }
    bool server = false;
    bool nowait = false;
    for (const auto &[k, v] : o->values) {
        if (k == "server" && v == "on" && !server) {
            server = true;
        } else if (k == "wait" && v == "off" && !nowait) {
            nowait = true;
        } else {
            *error = "-qmp " + std::string(value) + ": '" + k + "=" + v + "' is not accepted; " +
                     form;
            return std::nullopt;
        }
    }
    if (!server || !nowait) {
        *error = "-qmp " + std::string(value) + ": " +
                 (!server ? "server=on" : "wait=off") + " must be given; " + form;
        return std::nullopt;
    }
    return o->head;
}

std::string random_uuid()
{
    std::uint8_t b[16] = {};
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t got = read(fd, b, sizeof(b));
        (void)got;
        close(fd);
    }
    b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40); // version 4
    b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80); // RFC 4122 variant
    char text[37];
    std::snprintf(text, sizeof(text),
                  "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                  b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
                  b[13], b[14], b[15]);
    return text;
}

} // namespace mdev::vfio_user
