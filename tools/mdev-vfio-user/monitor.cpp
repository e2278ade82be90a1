// SPDX-License-Identifier: GPL-2.0-or-later
#include "monitor.hpp"

#include "quiet_thread.hpp"

#include "qmp_session.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace mdev::vfio_user {

namespace {

// A client that sends without reading its replies is dropped once this
// much is waiting for it.
constexpr std::size_t kMaxPendingOutput = 8 << 20;

} // namespace

bool Monitor::start(const std::string &path, std::string *error)
{
    const std::string where = "-qmp unix:" + path;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof(addr.sun_path)) {
        *error = where + ": the path is longer than " + std::to_string(sizeof(addr.sun_path) - 1) +
                 " bytes";
        return false;
    }
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    struct stat st {};
    if (lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            *error = where + ": the path exists and is not a socket";
            return false;
        }
        unlink(path.c_str());
    }
    listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (listen_fd_ < 0 || wake_fd_ < 0) {
        *error = where + ": " + std::strerror(errno);
        stop();
        return false;
    }
    // Only this user's, from the moment it exists.
    const mode_t old = umask(0177);
    const int bound = bind(listen_fd_, reinterpret_cast<sockaddr *>(&addr), sizeof(addr));
    const int bind_errno = errno;
    umask(old);
    if (bound < 0) {
        *error = where + ": bind: " + std::strerror(bind_errno);
        stop();
        return false;
    }
    path_ = path;
    if (chmod(path.c_str(), 0600) < 0 || listen(listen_fd_, 8) < 0) {
        *error = where + ": " + std::strerror(errno);
        stop();
        return false;
    }
    const int err = start_quiet_thread(&thread_, &Monitor::thread_main, this);
    if (err != 0) {
        *error = where + ": cannot start a thread: " + std::strerror(err);
        stop();
        return false;
    }
    running_ = true;
    return true;
}

void Monitor::stop()
{
    stopping_.store(true);
    if (wake_fd_ >= 0) {
        const std::uint64_t one = 1;
        ssize_t n = write(wake_fd_, &one, sizeof(one));
        (void)n;
    }
    if (running_) {
        pthread_join(thread_, nullptr);
        running_ = false;
    }
    if (listen_fd_ >= 0) {
        close(listen_fd_);
        listen_fd_ = -1;
    }
    if (wake_fd_ >= 0) {
        close(wake_fd_);
        wake_fd_ = -1;
    }
    if (!path_.empty()) {
        unlink(path_.c_str());
        path_.clear();
    }
}

void *Monitor::thread_main(void *self)
{
    static_cast<Monitor *>(self)->serve();
    return nullptr;
}

void Monitor::serve()
{
    while (!stopping_.load()) {
        pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            std::fprintf(stderr, "mdev-vfio-user: monitor: poll: %s\n", std::strerror(errno));
            return;
        }
        if (fds[0].revents) {
            return;
        }
        const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            continue;
        }
        serve_client(fd);
        close(fd);
    }
}

bool Monitor::send_all(int fd, std::string &out)
{
    while (!out.empty()) {
        const ssize_t n = send(fd, out.data(), out.size(), MSG_NOSIGNAL);
        if (n > 0) {
            out.erase(0, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {fd, POLLOUT, 0}};
            if (poll(fds, 2, -1) < 0 && errno != EINTR) {
                return false;
            }
            if (fds[0].revents) {
                return false;
            }
            continue;
        }
        return false;
    }
    return true;
}

void Monitor::serve_client(int fd)
{
    QmpSession session(target_);
    std::string out = QmpSession::greeting();
    char buf[64 * 1024];
    while (!stopping_.load()) {
        // Replies first, as far as the client takes them.
        while (!out.empty()) {
            const ssize_t n = send(fd, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                out.erase(0, static_cast<std::size_t>(n));
            } else if (n < 0 && errno == EINTR) {
                continue;
            } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                break;
            } else {
                return; // the client went
            }
        }
        if (session.quit()) {
            send_all(fd, out);
            if (on_quit_) {
                on_quit_();
            }
            return;
        }
        if (out.size() > kMaxPendingOutput) {
            std::fprintf(stderr,
                         "mdev-vfio-user: monitor: dropping a client that does not read its "
                         "replies (%zu bytes waiting)\n",
                         out.size());
            return;
        }
        pollfd fds[2] = {{wake_fd_, POLLIN, 0},
                         {fd, static_cast<short>(POLLIN | (out.empty() ? 0 : POLLOUT)), 0}};
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            return;
        }
        if (fds[0].revents) {
            return;
        }
        if (fds[1].revents & POLLIN) {
            const ssize_t n = recv(fd, buf, sizeof(buf), 0);
            if (n == 0) {
                return;
            }
            if (n < 0) {
                if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) {
                    continue;
                }
                return;
            }
            out += session.feed(std::string_view(buf, static_cast<std::size_t>(n)));
        } else if (fds[1].revents & (POLLERR | POLLHUP)) {
            return;
        }
    }
}

} // namespace mdev::vfio_user
