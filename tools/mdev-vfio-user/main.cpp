// SPDX-License-Identifier: GPL-2.0-or-later
// mdev-vfio-user: serves this project's parents to another QEMU's
// vfio-user-pci over UNIX sockets (docs/vfio-user.md).
#include "command_line.hpp"
#include "event_loop.hpp"
#include "monitor.hpp"
#include "monitor_target.hpp"
#include "parents.hpp"
#include "server.hpp"

#include "qemu/capi.hpp"
#include "hw/mdev/capi/mdev-parent.h"
#include "hw/mdev/capi/mdev.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>

using namespace mdev::vfio_user;

namespace {

int g_signal_pipe[2] = {-1, -1};

void on_signal(int)
{
    const char c = 1;
    ssize_t n = write(g_signal_pipe[1], &c, 1);
    (void)n;
}

void fail(const std::string &line)
{
    std::fprintf(stderr, "mdev-vfio-user: %s\n", line.c_str());
    std::exit(1);
}

} // namespace

int main(int argc, char **argv)
{
    std::string error;
    std::optional<CommandLine> cl =
        parse_command_line(std::vector<std::string>(argv + 1, argv + argc), &error);
    if (!cl) {
        fail(error);
    }
    if (!cl->help.empty()) {
        std::fputs(cl->help.c_str(), stdout);
        return 0;
    }
    for (const ParentSpec &p : cl->parents) {
        MdevError err{};
        if (!mdev_parent_new(p.kind.c_str(), p.id.c_str(),
                             p.budget ? p.budget->c_str() : nullptr, &err)) {
            fail("-object mdev-parent,id=" + p.id + ": " + err.message);
        }
    }
    if (cl->list) {
        std::fputs(parents_text(parent_summaries()).c_str(), stdout);
        return 0;
    }

    // Every DMA region the client maps with an fd keeps that fd (and a
    // mapping) here until it is unmapped; behind the client's vIOMMU that
    // is one per IOVA page the guest mapped, hundreds per device measured,
    // up to MDEV_VFU_MAX_DMA_REGIONS (docs/vfio-user.md): the
    // soft limit on open files goes up to the hard one, as QEMU does.
    rlimit nofile{};
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
        nofile.rlim_cur = nofile.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &nofile);
    }
    if (pipe2(g_signal_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        fail(std::string("pipe: ") + std::strerror(errno));
    }
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);

    mdev::Core &core = mdev::capi::global_core();
    std::vector<std::unique_ptr<ServedDevice>> devices;
    for (const DeviceSpec &d : cl->devices) {
        auto s = std::make_unique<ServedDevice>(core, d);
        if (!s->start(&error)) {
            devices.clear(); // removes the sockets made so far
            fail(error);
        }
        std::fprintf(stderr, "mdev-vfio-user: %s: %s,mdev-type=%s,uuid=%s on %s\n",
                     d.driver.c_str(), d.parent.c_str(), d.type.c_str(), d.uuid.c_str(),
                     d.socket.c_str());
        devices.push_back(std::move(s));
    }
    std::fprintf(stderr, "mdev-vfio-user: serving %zu device(s)\n", devices.size());

    // One thread per device (event_loop.hpp); this one waits for SIGTERM
    // or SIGINT.
    EventLoop loop;
    if (!loop.start(devices, &error)) {
        devices.clear();
        fail(error);
    }
    // The monitor (monitor.hpp): after the threads its commands run on.
    ServerMonitorTarget target(devices, loop);
    // quit stops the server as SIGTERM does (QEMU's quit ends QEMU).
    Monitor monitor(target, [] { on_signal(0); });
    if (cl->qmp_socket) {
        if (!monitor.start(*cl->qmp_socket, &error)) {
            loop.stop();
            devices.clear();
            fail(error);
        }
        std::fprintf(stderr, "mdev-vfio-user: QMP monitor on %s\n", cl->qmp_socket->c_str());
    }
    for (;;) {
        pollfd fd{g_signal_pipe[0], POLLIN, 0};
        if (poll(&fd, 1, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            monitor.stop();
            loop.stop();
            devices.clear();
            fail(std::string("poll: ") + std::strerror(errno));
        }
        if (fd.revents) {
            break;
        }
    }
    monitor.stop();
    loop.stop();
    std::fprintf(stderr, "mdev-vfio-user: signal or quit received, removing the sockets\n");
    devices.clear();
    return 0;
}
