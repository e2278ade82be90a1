// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer harness: mdev-vfio-user's QMP monitor (tools/mdev-vfio-user,
// qmp_session.hpp; docs/vfio-user.md, "Monitor") fed a hostile client's
// bytes. The session runs the server's own commands on real devices of this
// build's parents (mnvme and mtty-2 of class vfio, mvnet of class virtio),
// so the fault commands arm, fire-at-once and clear every fault they
// declare, surprise-removal and link-down included, exactly as through the
// server's socket (the socket layer only moves the bytes).
//
// Input: byte 0 picks how the stream is cut into reads (1 to 256 bytes, or
// all at once) and whether the session negotiated capabilities already;
// the rest is the client's stream. Checks besides the sanitizers: every
// reply is one line of strict JSON ("\r\n"-terminated) that is an object
// with exactly one of "return" or "error" ({"class", "desc"} strings), and
// a stream of n bytes gets at most n + 1 replies. The stream's limits are
// cut (256 bytes, 8 levels) so that libFuzzer's inputs reach them.
#include "json.hpp"
#include "qmp_session.hpp"

#include "fuzz_common.hpp"
#include "qemu/capi.hpp"
#include "hw/mdev/device.hpp"
#include "hw/mdev/fault.hpp"

#include <cstdint>
#include <string>
#include <vector>

using namespace mdev;
using namespace mdev::vfio_user;

namespace {

// The machine: interrupts and DMA go nowhere (the device sees its DMA
// fail, as for a region the client never mapped).
class NullHost final : public Host {
public:
    void guest_error(std::string_view) override {}
    void set_intx(bool) override {}
    void notify_msi(std::uint32_t) override {}
};

class Devices final : public MonitorTarget {
public:
    Devices()
    {
        add("mnvme", "mnvme-64m", "6d3f1c2a-8e1b-4c55-9a3e-00000000f417", "vfio");
        add("mtty", "mtty-2", "6d3f1c2a-8e1b-4c55-9a3e-00000000f418", "vfio");
        add("mvnet", "mvnet-virtio", "6d3f1c2a-8e1b-4c55-9a3e-00000000f419", "virtio");
    }
    std::vector<ServedMdev> mdevs() const override { return mdevs_; }
    bool run_on_device(const std::string &, std::function<void()> fn, std::string *) override
    {
        fn(); // the device's thread, as the server's DeviceTasks would
        return true;
    }
    // Nothing armed carries over to the next input.
    void clear_all()
    {
        for (const ServedMdev &m : mdevs_) {
            if (Device *d = capi::global_core().find_device(m.uuid)) {
                (void)d->faults().clear();
            }
        }
    }

private:
    void add(const char *parent, const char *type, const char *uuid, const char *cls)
    {
        CreateRequest req{parent, type, uuid, cls, &host_};
        Result<Device *> made = capi::global_core().create(std::move(req));
        FUZZ_CHECK(static_cast<bool>(made), "cannot create %s: %s", type,
                   made ? "" : made.error().message.c_str());
        mdevs_.push_back({uuid, std::string("/run/") + parent + ".sock"});
    }

    NullHost host_;
    std::vector<ServedMdev> mdevs_;
};

void check_replies(const std::string &out, std::size_t *count)
{
    std::size_t at = 0;
    while (at < out.size()) {
        const std::size_t end = out.find("\r\n", at);
        FUZZ_CHECK(end != std::string::npos, "a reply without its \\r\\n: %s",
                   out.substr(at, 200).c_str());
        const std::string_view line(out.data() + at, end - at);
        FUZZ_CHECK(line.find('\n') == std::string_view::npos, "a reply spans lines");
        std::string why;
        const std::optional<Json> reply = parse_json(line, &why);
        FUZZ_CHECK(reply.has_value(), "a reply is not strict JSON (%s): %.200s", why.c_str(),
                   std::string(line).c_str());
        FUZZ_CHECK(reply->is_object(), "a reply is not an object");
        const Json *ret = reply->get("return");
        const Json *err = reply->get("error");
        FUZZ_CHECK((ret != nullptr) != (err != nullptr), "a reply without one of return/error");
        if (err) {
            FUZZ_CHECK(err->is_object() && err->get("class") && err->get("class")->is_string() &&
                           err->get("desc") && err->get("desc")->is_string(),
                       "an error without class and desc");
        }
        ++*count;
        at = end + 2;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static Devices devices;
    if (size == 0) {
        return 0;
    }
    const std::uint8_t mode = data[0];
    const std::string_view stream(reinterpret_cast<const char *>(data + 1), size - 1);
    QmpSession session(devices, JsonStream::Limits{256, 8});
    std::size_t replies = 0;
    if (mode & 1) {
        const std::string out = session.feed(R"({"execute": "qmp_capabilities"})");
        FUZZ_CHECK(out == "{\"return\": {}}\r\n", "capabilities refused: %s", out.c_str());
    }
    // Reads of 1..256 bytes (mode's high bits), or the whole stream at once.
    const std::size_t piece = (mode >> 1) == 127 ? stream.size() + 1 : (mode >> 1) * 2 + 1;
    for (std::size_t at = 0; at < stream.size() && !session.quit(); at += piece) {
        check_replies(session.feed(stream.substr(at, piece)), &replies);
    }
    FUZZ_CHECK(replies <= stream.size() + 1, "%zu replies to %zu bytes", replies, stream.size());
    devices.clear_all();
    return 0;
}
