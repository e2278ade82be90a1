// SPDX-License-Identifier: GPL-2.0-or-later
// mdev-vfio-user's QMP monitor (-qmp unix:PATH,server=on,wait=off;
// docs/vfio-user.md, "Monitor"): a UNIX socket (mode 0600, removed at
// exit) and a thread of its own that serves one client at a time, as
// QEMU's -qmp chardev does: a second client waits in the socket's backlog
// until the first hangs up. The conversation is qmp_session.hpp's; fault
// commands run on the device's own thread (device_tasks.hpp).
#pragma once

#include "monitor_commands.hpp"

#include <atomic>
#include <functional>
#include <pthread.h>
#include <string>

namespace mdev::vfio_user {

class Monitor {
public:
    // on_quit: what a client's `quit` asks of the process (main.cpp: stop
    // the server as SIGTERM does); called on the monitor's thread after the
    // reply went out.
    explicit Monitor(MonitorTarget &target, std::function<void()> on_quit = {})
        : target_(target), on_quit_(std::move(on_quit))
    {
    }
    Monitor(const Monitor &) = delete;
    Monitor &operator=(const Monitor &) = delete;
    ~Monitor() { stop(); }

    // Listens on `path` (a socket left there by an earlier run is
    // replaced, as QEMU does; any other file is refused) and starts the
    // thread. false: one line in *error, and nothing is left behind.
    bool start(const std::string &path, std::string *error);
    // Hangs up on the client, joins the thread, removes the socket.
    void stop();

private:
    static void *thread_main(void *self);
    void serve();
    void serve_client(int fd);
    // Sends all of `out` unless the monitor stops or the client goes.
    bool send_all(int fd, std::string &out);

    MonitorTarget &target_;
    std::function<void()> on_quit_;
    std::string path_;
    int listen_fd_ = -1;
    int wake_fd_ = -1;
    pthread_t thread_{};
    bool running_ = false;
    std::atomic<bool> stopping_{false};
};

} // namespace mdev::vfio_user
