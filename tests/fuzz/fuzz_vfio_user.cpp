// SPDX-License-Identifier: GPL-2.0-or-later
// mdev-vfio-user's message handling under a hostile client: the server's own
// ServedDevice (tools/mdev-vfio-user/server.cpp: libvfio-user's context, its
// socket transport and our callbacks into the vfio frontend and a parent),
// served on a UNIX socket in a private folder, and a client in the same
// thread that connects and sends what the input says: vfio-user messages
// well or badly formed (docs/interop/vfio-user.rst; the wire structs of
// libvfio-user's include/vfio-user.h), with fds where messages take them
// (DMA_MAP with the client's guest-RAM memfd, with none, with the wrong kind
// of file, with a file shorter than the region; SET_IRQS with eventfds),
// truncated messages, raw bytes, wrong versions, floods, regions mapped over
// each other or shrunk under the server (ftruncate of the guest RAM), guest
// RAM mapped one page per DMA_MAP as a client behind a vIOMMU maps it (up to
// and past the server's region limit), and replies to the server's
// DMA_READ/DMA_WRITE requests queued in advance.
//
// One thread: the client writes, then the server runs (ServedDevice::on_ready,
// as the server's poll loop calls it) until nothing is left to read, then the
// client reads the replies. libvfio-user reads a message's body and a DMA
// reply blocking; a client that sent all it has and waits can never send more
// while the server runs, so the harness sets the accepted connection
// non-blocking (the server then sees a short read where it would have waited
// for ever), and shuts its writing side before the first server step when
// what it sent does not end on a message boundary (the negotiation runs
// inside accept, before the harness can touch the connection).
//
// Checks besides the sanitizers: no hang (libFuzzer's -timeout); after the
// client goes the server notices it, the mdev is made again and its parent's
// budget is what it was; and the server holds no more fds than before the
// input (a client must not be able to make the server leak its fds).
//
// Input: a device byte (mtty-2, mnvme, gpio), then operations, each an opcode
// byte and its fields, little-endian, read forward (zeros after the end);
// tests/fuzz/vfio_user_seeds.py writes the seed corpus in this format.
#include "command_line.hpp"
#include "server.hpp"

#include "hw/mdev/capi/mdev-parent.h"
#include "hw/mdev/capi/mdev.h"
#include "qemu/capi.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <linux/vfio.h>
#include <memory>
#include <poll.h>
#include <string>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <vector>

#define _Static_assert static_assert
extern "C" {
#include "vfio-user.h"
}
#undef _Static_assert

namespace {

using namespace mdev::vfio_user;

[[noreturn]] void violation(const char *what)
{
    std::fprintf(stderr, "FUZZ INVARIANT VIOLATED: %s\n", what);
    std::abort();
}

#define CHECK(cond, what)                                                                      \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            violation(what);                                                                   \
        }                                                                                      \
    } while (0)

// The input read forward; zeros once it runs out, so short inputs mean
// something and the seeds can be written by hand.
class Reader {
public:
    Reader(const std::uint8_t *data, std::size_t size) : p_(data), left_(size) {}
    bool empty() const { return left_ == 0; }
    std::uint64_t le(unsigned n)
    {
        std::uint64_t v = 0;
        for (unsigned i = 0; i < n; i++) {
            v |= std::uint64_t(u8()) << (8 * i);
        }
        return v;
    }
    std::uint8_t u8()
    {
        if (left_ == 0) {
            return 0;
        }
        left_--;
        return *p_++;
    }
    std::uint16_t u16() { return static_cast<std::uint16_t>(le(2)); }
    std::uint32_t u32() { return static_cast<std::uint32_t>(le(4)); }
    std::uint64_t u64() { return le(8); }
    std::vector<std::uint8_t> bytes(std::size_t n)
    {
        std::vector<std::uint8_t> out(n, 0);
        const std::size_t take = std::min(n, left_);
        if (take > 0) {
            std::memcpy(out.data(), p_, take);
        }
        p_ += take;
        left_ -= take;
        return out;
    }

private:
    const std::uint8_t *p_;
    std::size_t left_;
};

constexpr std::size_t kRam = 1 << 20; // the client's guest RAM (a memfd)

struct Served {
    const char *driver;
    const char *parent;
    const char *type;
    std::unique_ptr<ServedDevice> dev;
    unsigned available = 0; // the parent's available instances while served
};

std::string g_dir;
Served g_devices[] = {
    {"mdev-mtty", "mtty", "mtty-2", nullptr},
    {"mdev-mnvme", "mnvme", nullptr, nullptr},
    {"mdev-gpio", "gpio", nullptr, nullptr},
};

unsigned open_fds()
{
    unsigned n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d) {
        return 0;
    }
    while (readdir(d)) {
        n++;
    }
    closedir(d);
    return n;
}

void set_up_devices()
{
    char tmpl[] = "/tmp/fuzz-vfio-user-XXXXXX";
    if (!mkdtemp(tmpl)) {
        std::perror("mkdtemp");
        std::abort();
    }
    g_dir = tmpl;
    for (unsigned i = 0; i < std::size(g_devices); i++) {
        Served &s = g_devices[i];
        std::string opts = std::string(s.driver) + ",class=vfio,socket=" + g_dir + "/" +
                           std::to_string(i);
        if (s.type) {
            opts += std::string(",mdev-type=") + s.type;
        }
        std::string error;
        auto cl = parse_command_line({"-device", opts}, &error);
        if (!cl || cl->devices.size() != 1) {
            std::fprintf(stderr, "fuzz-vfio-user: %s: %s\n", opts.c_str(), error.c_str());
            std::abort();
        }
        s.dev = std::make_unique<ServedDevice>(mdev::capi::global_core(), cl->devices[0]);
        if (!s.dev->start(&error)) {
            std::fprintf(stderr, "fuzz-vfio-user: %s\n", error.c_str());
            std::abort();
        }
        s.available = mdev_available_instances(s.dev->spec().parent.c_str(),
                                               s.dev->spec().type.c_str());
    }
    // The sockets go with the process: libFuzzer exits through exit().
    std::atexit([] {
        for (Served &s : g_devices) {
            s.dev.reset();
        }
        rmdir(g_dir.c_str());
    });
}

// The client: one connection to the served device, guest RAM in a memfd,
// what it sent and what it read.
class Client {
public:
    explicit Client(ServedDevice &dev) : dev_(dev)
    {
        ram_ = memfd_create("fuzz-guest-ram", MFD_CLOEXEC);
        if (ram_ < 0 || ftruncate(ram_, kRam) < 0) {
            std::abort();
        }
        ram_map_ = static_cast<std::uint8_t *>(
            mmap(nullptr, kRam, PROT_READ | PROT_WRITE, MAP_SHARED, ram_, 0));
        if (ram_map_ == MAP_FAILED) {
            std::abort();
        }
        connect_();
    }
    ~Client()
    {
        disconnect();
        munmap(ram_map_, kRam);
        close(ram_);
    }

    // One message: header (its fields as the input bends them) and body.
    void send_msg(std::uint16_t cmd, const std::vector<std::uint8_t> &body, std::uint8_t tweak,
                  const std::vector<int> &fds = {}, std::uint32_t size_delta = 0)
    {
        vfio_user_header h{};
        h.msg_id = next_id_++;
        h.cmd = cmd;
        h.msg_size = static_cast<std::uint32_t>(sizeof(h) + body.size());
        h.flags.type = (tweak & 1) ? VFIO_USER_F_TYPE_REPLY : VFIO_USER_F_TYPE_COMMAND;
        h.flags.no_reply = (tweak >> 1) & 1;
        h.flags.error = (tweak >> 2) & 1;
        if (tweak & 8) {
            h.msg_size += size_delta; // a size that lies (the stream desyncs)
        }
        std::vector<std::uint8_t> bytes(sizeof(h));
        std::memcpy(bytes.data(), &h, sizeof(h));
        bytes.insert(bytes.end(), body.begin(), body.end());
        bool whole = h.msg_size == bytes.size();
        // Replies queued for the DMA requests this message may cause go in
        // the same write, behind it.
        if (!trailer_.empty()) {
            bytes.insert(bytes.end(), trailer_.begin(), trailer_.end());
            trailer_.clear();
            whole = whole && dev_.connected();
        }
        write_(bytes, fds, whole);
    }

    // A reply to a DMA request of the server, sent with the next message.
    void queue_reply(const std::vector<std::uint8_t> &bytes)
    {
        trailer_.insert(trailer_.end(), bytes.begin(), bytes.end());
    }

    // Bytes that are no message, or a message cut short.
    void send_raw(const std::vector<std::uint8_t> &bytes) { write_(bytes, {}, false); }

    // The client stops sending (it may still read).
    void shut()
    {
        if (fd_ >= 0 && !shut_) {
            shutdown(fd_, SHUT_WR);
            shut_ = true;
        }
    }

    // The server runs until nothing more is waiting for it; the client
    // reads what came back.
    void step()
    {
        for (unsigned i = 0; i < 64; i++) {
            const int pfd = dev_.poll_fd();
            pollfd p{pfd, POLLIN, 0};
            if (pfd < 0 || poll(&p, 1, 0) <= 0) {
                break;
            }
            if (!dev_.connected() && !sent_ && !shut_) {
                break; // accepting now would wait for a VERSION never sent
            }
            const bool was = dev_.connected();
            dev_.on_ready();
            if (!was && dev_.connected()) {
                // See the header: the server must never wait for this
                // single-threaded client.
                const int conn = dev_.poll_fd();
                fcntl(conn, F_SETFL, fcntl(conn, F_GETFL) | O_NONBLOCK);
            }
            drain();
        }
        drain();
    }

    // Closes the connection and lets the server see it go.
    void disconnect()
    {
        if (fd_ < 0) {
            return;
        }
        close(fd_);
        fd_ = -1;
        for (unsigned i = 0; i < 16 && dev_.connected(); i++) {
            const int pfd = dev_.poll_fd();
            pollfd p{pfd, POLLIN, 0};
            if (poll(&p, 1, 0) <= 0) {
                break;
            }
            dev_.on_ready();
        }
        // A connection that was never accepted (nothing sent) is still in
        // the listening socket's queue: accept it now, to see it closed.
        if (!dev_.connected()) {
            pollfd p{dev_.poll_fd(), POLLIN, 0};
            for (unsigned i = 0; i < 4 && poll(&p, 1, 0) > 0; i++) {
                dev_.on_ready();
                if (dev_.connected()) {
                    dev_.on_ready();
                }
            }
        }
    }

    void reconnect()
    {
        disconnect();
        connect_();
    }

    int ram() const { return ram_; }
    // Page-sized DMA_MAPs this input may still send (kDmaMapPages): enough
    // to fill the server's table once, not so many that an input times out.
    unsigned page_maps_left = MDEV_VFU_MAX_DMA_REGIONS + 1024;
    std::uint8_t *ram_map() { return ram_map_; }
    // The msg_id libvfio-user will give the DMA_READ/DMA_WRITE request a
    // reply queued now answers: one more than the last request seen (its
    // counter is process-wide), then one more per reply queued since.
    static std::uint16_t next_dma_id() { return expected_dma_id_++; }
    bool aligned() const { return aligned_; }

private:
    void connect_()
    {
        fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::snprintf(a.sun_path, sizeof(a.sun_path), "%s", dev_.spec().socket.c_str());
        if (fd_ < 0 || connect(fd_, reinterpret_cast<sockaddr *>(&a), sizeof(a)) < 0) {
            std::perror("fuzz-vfio-user: connect");
            std::abort();
        }
        fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
        sent_ = shut_ = false;
        aligned_ = true;
        in_.clear();
        trailer_.clear();
    }

    void write_(const std::vector<std::uint8_t> &bytes, const std::vector<int> &fds, bool whole)
    {
        if (fd_ < 0 || shut_ || bytes.empty()) {
            return;
        }
        iovec iov{const_cast<std::uint8_t *>(bytes.data()), bytes.size()};
        msghdr m{};
        m.msg_iov = &iov;
        m.msg_iovlen = 1;
        std::vector<std::uint8_t> control;
        if (!fds.empty()) {
            control.resize(CMSG_SPACE(fds.size() * sizeof(int)));
            m.msg_control = control.data();
            m.msg_controllen = control.size();
            cmsghdr *c = CMSG_FIRSTHDR(&m);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(fds.size() * sizeof(int));
            std::memcpy(CMSG_DATA(c), fds.data(), fds.size() * sizeof(int));
        }
        // Room for it first: the server reads whatever is waiting.
        if (socket_full(bytes.size())) {
            step();
        }
        const ssize_t n = sendmsg(fd_, &m, MSG_NOSIGNAL);
        if (n > 0) {
            sent_ = true;
        }
        if (n != static_cast<ssize_t>(bytes.size()) || !whole) {
            aligned_ = false;
        }
        // Before the negotiation a stream that does not end on a message
        // boundary would leave accept() waiting: this client says no more.
        if (!aligned_ && !dev_.connected()) {
            shut();
        }
    }

    // SIOCOUTQ on a UNIX socket: the bytes the server has not read yet.
    bool socket_full(std::size_t more)
    {
        int queued = 0;
        return ioctl(fd_, SIOCOUTQ, &queued) == 0 && queued + more > 64 * 1024;
    }

    // Reads what the server sent, closing any fds it passed, and notes the
    // ids of its DMA requests.
    void drain()
    {
        if (fd_ < 0) {
            return;
        }
        for (;;) {
            std::uint8_t buf[64 * 1024];
            alignas(cmsghdr) std::uint8_t control[CMSG_SPACE(64 * sizeof(int))];
            iovec iov{buf, sizeof(buf)};
            msghdr m{};
            m.msg_iov = &iov;
            m.msg_iovlen = 1;
            m.msg_control = control;
            m.msg_controllen = sizeof(control);
            const ssize_t n = recvmsg(fd_, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
            for (cmsghdr *c = CMSG_FIRSTHDR(&m); n >= 0 && c; c = CMSG_NXTHDR(&m, c)) {
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                    const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                    for (std::size_t i = 0; i < count; i++) {
                        int f;
                        std::memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                        close(f);
                    }
                }
            }
            if (n <= 0) {
                return;
            }
            in_.insert(in_.end(), buf, buf + n);
            parse();
        }
    }

    void parse()
    {
        while (in_.size() >= sizeof(vfio_user_header)) {
            vfio_user_header h;
            std::memcpy(&h, in_.data(), sizeof(h));
            if (h.msg_size < sizeof(h)) {
                in_.clear(); // the server never sends that
                return;
            }
            if (in_.size() < h.msg_size) {
                return;
            }
            if (h.flags.type == VFIO_USER_F_TYPE_COMMAND &&
                (h.cmd == VFIO_USER_DMA_READ || h.cmd == VFIO_USER_DMA_WRITE)) {
                expected_dma_id_ = static_cast<std::uint16_t>(h.msg_id + 1);
            }
            in_.erase(in_.begin(), in_.begin() + h.msg_size);
        }
    }

    ServedDevice &dev_;
    int fd_ = -1;
    int ram_ = -1;
    std::uint8_t *ram_map_ = nullptr;
    std::uint16_t next_id_ = 0;
    bool sent_ = false;
    bool shut_ = false;
    bool aligned_ = true;
    std::vector<std::uint8_t> in_;
    std::vector<std::uint8_t> trailer_;
    static inline std::uint16_t expected_dma_id_ = 1;
};

std::vector<std::uint8_t> struct_bytes(const void *p, std::size_t n)
{
    const auto *b = static_cast<const std::uint8_t *>(p);
    return {b, b + n};
}

void append(std::vector<std::uint8_t> &v, const std::vector<std::uint8_t> &more)
{
    v.insert(v.end(), more.begin(), more.end());
}

// An argsz: mostly the struct's, sometimes short, long or anything.
std::uint32_t argsz(Reader &in, std::size_t natural)
{
    switch (in.u8() & 3) {
    case 1:
        return static_cast<std::uint32_t>(natural / 2);
    case 2:
        return static_cast<std::uint32_t>(natural + 64);
    case 3:
        return in.u32();
    default:
        return static_cast<std::uint32_t>(natural);
    }
}

std::vector<std::uint8_t> version_body(Reader &in)
{
    vfio_user_version v{};
    v.major = in.u16();
    v.minor = in.u16();
    std::vector<std::uint8_t> body = struct_bytes(&v, sizeof(v));
    std::string json;
    switch (in.u8() % 5) {
    case 0:
        json = "{\"capabilities\":{\"max_msg_fds\":8,\"max_data_xfer_size\":1048576,"
               "\"pgsizes\":4096,\"migration\":{\"pgsize\":4096,\"max_bitmap_size\":"
               "1048576}}}";
        break;
    case 1:
        break; // no capabilities at all
    case 2: {  // anything, maybe without its NUL
        std::vector<std::uint8_t> any = in.bytes(in.u8());
        body.insert(body.end(), any.begin(), any.end());
        return body;
    }
    case 3:
        json = "{\"capabilities\":{\"max_msg_fds\":-1,\"max_data_xfer_size\":0,"
               "\"pgsizes\":3,\"migration\":[]}}";
        break;
    default:
        json = "{\"capabilities\":{\"max_msg_fds\":" + std::to_string(in.u32()) +
               ",\"max_data_xfer_size\":" + std::to_string(in.u64()) +
               ",\"pgsizes\":" + std::to_string(in.u64()) + "}}";
        break;
    }
    if (!json.empty()) {
        body.insert(body.end(), json.begin(), json.end());
        body.push_back(0);
    }
    return body;
}

// Files a client may pass where an fd is expected; each closed by the
// harness after sending (the server has its own copy).
class Fds {
public:
    ~Fds()
    {
        for (int f : fds_) {
            close(f);
        }
    }
    int add(int f)
    {
        if (f >= 0) {
            fds_.push_back(f);
        }
        return f;
    }
    // 0 the guest RAM, 1 none, 2 a pipe, 3 /dev/null, 4 a 4 KiB memfd,
    // 5 guest RAM twice, 6 an eventfd, 7 a read-only memfd.
    std::vector<int> pick(std::uint8_t sel, int ram)
    {
        switch (sel % 8) {
        case 0:
            return {ram};
        case 1:
            return {};
        case 2: {
            int p[2];
            if (pipe2(p, O_CLOEXEC) < 0) {
                return {};
            }
            add(p[1]);
            return {add(p[0])};
        }
        case 3:
            return {add(open("/dev/null", O_RDWR | O_CLOEXEC))};
        case 4: {
            int f = add(memfd_create("fuzz-short", MFD_CLOEXEC));
            if (f >= 0 && ftruncate(f, 4096) < 0) {
                return {};
            }
            return {f};
        }
        case 5:
            return {ram, ram};
        case 6:
            return {add(eventfd(0, EFD_CLOEXEC))};
        default: {
            int f = add(memfd_create("fuzz-ro", MFD_CLOEXEC | MFD_ALLOW_SEALING));
            if (f < 0 || ftruncate(f, kRam) < 0) {
                return {};
            }
            fcntl(f, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW);
            return {f};
        }
        }
    }

private:
    std::vector<int> fds_;
};

enum Op : std::uint8_t {
    kVersion,
    kDmaMap,
    kDmaUnmap,
    kGetInfo,
    kGetRegionInfo,
    kGetIrqInfo,
    kSetIrqs,
    kRegionRead,
    kRegionWrite,
    kReset,
    kOtherCommand,
    kRaw,
    kTruncated,
    kRamWrite,
    kRamResize,
    kDmaReply,
    kReconnect,
    kFlood,
    kStep,
    kDmaMapPages,
    kOps
};

void run_op(Reader &in, Client &c, Fds &fds)
{
    const std::uint8_t op = in.u8() % kOps;
    const std::uint8_t tweak = in.u8();
    const std::uint32_t delta = (tweak & 8) ? in.u32() : 0;
    auto send = [&](std::uint16_t cmd, const std::vector<std::uint8_t> &body,
                    const std::vector<int> &f = {}) {
        c.send_msg(cmd, body, tweak, f, delta);
        c.step();
    };
    switch (op) {
    case kVersion:
        send(VFIO_USER_VERSION, version_body(in));
        break;
    case kDmaMap: {
        vfio_user_dma_map m{};
        m.flags = in.u8();
        if (m.flags & 0x80) {
            m.flags = in.u32();
        }
        m.offset = in.u32();
        m.addr = in.u64();
        m.size = in.u32();
        if (m.size == 0) {
            m.size = kRam;
        }
        const std::uint8_t sel = in.u8();
        m.argsz = argsz(in, sizeof(m));
        send(VFIO_USER_DMA_MAP, struct_bytes(&m, sizeof(m)), fds.pick(sel, c.ram()));
        break;
    }
    case kDmaUnmap: {
        vfio_user_dma_unmap u{};
        const std::uint8_t f = in.u8();
        u.flags = f & 0x80 ? in.u32() : f & 3;
        u.addr = in.u64();
        u.size = in.u32();
        if (u.size == 0 && !(u.flags & VFIO_DMA_UNMAP_FLAG_ALL)) {
            u.size = kRam;
        }
        u.argsz = argsz(in, sizeof(u));
        std::vector<std::uint8_t> body = struct_bytes(&u, sizeof(u));
        if (u.flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP) {
            vfio_user_bitmap b{};
            b.pgsize = in.u32();
            b.size = in.u8();
            append(body, struct_bytes(&b, sizeof(b)));
        }
        send(VFIO_USER_DMA_UNMAP, body);
        break;
    }
    case kGetInfo: {
        vfio_user_device_info d{};
        d.argsz = argsz(in, sizeof(d));
        send(VFIO_USER_DEVICE_GET_INFO, struct_bytes(&d, sizeof(d)));
        break;
    }
    case kGetRegionInfo: {
        vfio_region_info r{};
        r.index = in.u8();
        if (r.index == 0xff) {
            r.index = in.u32();
        }
        r.argsz = argsz(in, sizeof(r));
        send(VFIO_USER_DEVICE_GET_REGION_INFO, struct_bytes(&r, sizeof(r)));
        break;
    }
    case kGetIrqInfo: {
        vfio_irq_info r{};
        r.index = in.u8();
        r.argsz = argsz(in, sizeof(r));
        send(VFIO_USER_DEVICE_GET_IRQ_INFO, struct_bytes(&r, sizeof(r)));
        break;
    }
    case kSetIrqs: {
        vfio_irq_set s{};
        s.flags = in.u8();
        if (s.flags & 0x80) {
            s.flags = in.u32();
        }
        s.index = in.u8();
        s.start = in.u8();
        s.count = in.u8();
        if (s.count == 0xff) {
            s.count = in.u32();
        }
        const unsigned nfds = in.u8() % 9;
        const unsigned data = in.u8();
        s.argsz = argsz(in, sizeof(s) + data);
        std::vector<int> f;
        for (unsigned i = 0; i < nfds; i++) {
            f.push_back(fds.add(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)));
        }
        std::vector<std::uint8_t> body = struct_bytes(&s, sizeof(s));
        append(body, in.bytes(data));
        send(VFIO_USER_DEVICE_SET_IRQS, body, f);
        break;
    }
    case kRegionRead:
    case kRegionWrite: {
        vfio_user_region_access a{};
        a.region = in.u8();
        if (a.region == 0xff) {
            a.region = in.u32();
        }
        a.offset = in.u16();
        if (a.offset == 0xffff) {
            a.offset = in.u64();
        }
        a.count = in.u8();
        if (a.count == 0xff) {
            a.count = in.u32();
        }
        std::vector<std::uint8_t> body = struct_bytes(&a, sizeof(a));
        if (op == kRegionWrite) {
            // The data: as long as count says, or as the input says.
            const std::size_t len =
                (tweak & 0x10) ? in.u8() : std::min<std::uint32_t>(a.count, 4096);
            append(body, in.bytes(len));
        }
        send(op == kRegionRead ? VFIO_USER_REGION_READ : VFIO_USER_REGION_WRITE, body);
        break;
    }
    case kReset:
        send(VFIO_USER_DEVICE_RESET, {});
        break;
    case kOtherCommand: {
        const std::uint16_t cmd = in.u16();
        std::vector<std::uint8_t> body = in.bytes(in.u8());
        send(cmd, body, fds.pick(in.u8(), c.ram()));
        break;
    }
    case kRaw:
        c.send_raw(in.bytes(in.u8()));
        c.step();
        break;
    case kTruncated: {
        // A header that promises more than follows, then silence.
        vfio_user_header h{};
        h.msg_id = in.u16();
        h.cmd = in.u8();
        h.msg_size = in.u32();
        std::vector<std::uint8_t> bytes = struct_bytes(&h, sizeof(h));
        append(bytes, in.bytes(in.u8()));
        bytes.resize(std::max<std::size_t>(1, bytes.size() - (in.u8() % sizeof(h))));
        c.send_raw(bytes);
        c.shut();
        c.step();
        break;
    }
    case kRamWrite: {
        const std::uint32_t at = in.u32() % kRam;
        std::vector<std::uint8_t> data = in.bytes(in.u8() + 1u);
        struct stat st {};
        // Only where the file still has pages (the harness must not fault).
        if (fstat(c.ram(), &st) == 0 && std::uint64_t(st.st_size) >= at + data.size()) {
            std::memcpy(c.ram_map() + at, data.data(), data.size());
        }
        break;
    }
    case kRamResize:
        // Guest RAM shrinks (or grows back) under the server's mapping.
        if (ftruncate(c.ram(), std::uint64_t(in.u8()) * 4096) == 0) {
            c.step();
        }
        break;
    case kDmaReply: {
        // A reply to the server's next DMA request, queued ahead of it.
        vfio_user_header h{};
        h.msg_id = (tweak & 0x20) ? in.u16() : Client::next_dma_id();
        h.cmd = (tweak & 0x40) ? VFIO_USER_DMA_WRITE : VFIO_USER_DMA_READ;
        h.flags.type = VFIO_USER_F_TYPE_REPLY;
        h.flags.error = (tweak >> 2) & 1;
        h.error_no = in.u8();
        vfio_user_dma_region_access a{};
        a.addr = in.u32();
        a.count = in.u16();
        const std::size_t len = (tweak & 0x10) ? in.u8() : std::min<std::uint64_t>(a.count, 8192);
        std::vector<std::uint8_t> body = struct_bytes(&a, sizeof(a));
        if (h.cmd == VFIO_USER_DMA_READ) {
            append(body, in.bytes(len));
        }
        h.msg_size = static_cast<std::uint32_t>(sizeof(h) + body.size());
        std::vector<std::uint8_t> bytes = struct_bytes(&h, sizeof(h));
        append(bytes, body);
        c.queue_reply(bytes);
        break;
    }
    case kReconnect:
        c.reconnect();
        break;
    case kFlood: {
        // The same small request many times, faster than it is answered.
        vfio_user_region_access a{};
        a.region = VFU_PCI_DEV_CFG_REGION_IDX;
        a.offset = in.u8();
        a.count = 4;
        const unsigned n = 16u * (in.u8() % 32 + 1);
        for (unsigned i = 0; i < n; i++) {
            c.send_msg(VFIO_USER_REGION_READ, struct_bytes(&a, sizeof(a)), tweak & ~8);
            if (i % 64 == 63) {
                c.step();
            }
        }
        c.step();
        break;
    }
    case kDmaMapPages: {
        // A client behind a vIOMMU: one DMA_MAP per 4 KiB IOVA page the
        // guest mapped, the pages of its RAM in order, up to 65536 at once
        // (past the server's limit: the rest are refused).
        const std::uint64_t base = std::uint64_t(in.u32()) << 12;
        const unsigned n = std::min<unsigned>(in.u16() + 1u, c.page_maps_left);
        const std::uint8_t sel = in.u8();
        c.page_maps_left -= n;
        for (unsigned i = 0; i < n; i++) {
            vfio_user_dma_map m{};
            m.argsz = sizeof(m);
            m.flags = VFIO_USER_F_DMA_REGION_READ | VFIO_USER_F_DMA_REGION_WRITE;
            m.offset = (std::uint64_t(i) << 12) % kRam;
            m.addr = base + (std::uint64_t(i) << 12);
            m.size = 4096;
            c.send_msg(VFIO_USER_DMA_MAP, struct_bytes(&m, sizeof(m)), tweak & ~8,
                       fds.pick(sel, c.ram()));
            c.step();
        }
        break;
    }
    default:
        c.step();
        break;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static bool ready = (set_up_devices(), true);
    (void)ready;
    Reader in(data, size);
    Served &s = g_devices[in.u8() % std::size(g_devices)];
    const unsigned fds_before = open_fds();
    {
        Fds fds;
        Client c(*s.dev);
        for (unsigned ops = 0; !in.empty() && ops < 512; ops++) {
            run_op(in, c, fds);
        }
    }
    // The client is gone: the server must have seen it, made the mdev again
    // and given its parent back its budget.
    CHECK(!s.dev->connected(), "the server still thinks the client is connected");
    const unsigned available = mdev_available_instances(s.dev->spec().parent.c_str(),
                                                        s.dev->spec().type.c_str());
    CHECK(available == s.available, "the parent's budget differs after the client went");
    if (open_fds() > fds_before) {
        // Name them, for whoever reads the report.
        DIR *d = opendir("/proc/self/fd");
        while (dirent *e = d ? readdir(d) : nullptr) {
            char path[300], target[256] = {};
            std::snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
            if (readlink(path, target, sizeof(target) - 1) > 0) {
                std::fprintf(stderr, "fd %s -> %s\n", e->d_name, target);
            }
        }
        if (d) {
            closedir(d);
        }
        violation("the server holds more fds than before the client came");
    }
    return 0;
}
