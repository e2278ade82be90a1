// SPDX-License-Identifier: GPL-2.0-or-later
// mdev-vfio-user's QMP monitor (tools/mdev-vfio-user/monitor*.hpp,
// qmp_session.hpp, json*.hpp): the JSON parser's strictness, the stream's
// framing, QMP's protocol and QEMU's error messages, the commands on real
// devices of this build's parents, and the UNIX socket.
#include "device_tasks.hpp"
#include "json.hpp"
#include "json_stream.hpp"
#include "monitor.hpp"
#include "parents.hpp"
#include "qmp_session.hpp"

#include "qemu/capi.hpp"
#include "hw/mdev/device.hpp"
#include "hw/mdev/fault.hpp"
#include "recording_host.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

using namespace mdev;
using namespace mdev::vfio_user;

namespace {

// ------------------------------------------------------------- JSON ----

std::optional<Json> parse(std::string_view text)
{
    std::string error;
    return parse_json(text, &error);
}

TEST(VfioUserJson, ParsesAndDumpsAsQemuSpacesIt)
{
    auto v = parse(R"( {"a": [1, -2, true, false, null, "x\"\\\/\n\u00e9\ud83d\ude00"],
                       "b": {}, "c": [], "d": 18446744073709551615, "e": 1.5} )");
    ASSERT_TRUE(v);
    EXPECT_EQ(v->dump(), "{\"a\": [1, -2, true, false, null, \"x\\\"\\\\/\\n\xc3\xa9\xf0\x9f\x98\x80\"], "
                         "\"b\": {}, \"c\": [], \"d\": 18446744073709551615, \"e\": 1.5}");
    EXPECT_EQ(v->get("d")->as_uint64(), UINT64_MAX);
    EXPECT_FALSE(v->get("d")->as_int64());
    EXPECT_EQ(v->get("a")->as_array()[1].as_int64(), -2);
    EXPECT_FALSE(v->get("a")->as_array()[1].as_uint64());
    // Controls are escaped on the way out.
    EXPECT_EQ(Json(std::string("\x01\t", 2)).dump(), "\"\\u0001\\t\"");
}

TEST(VfioUserJson, RefusesWhatIsNotStrictJson)
{
    for (const char *bad : {
             "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{a:1}", "{'a':1}", "01", "-", "1.", ".5",
             "1e", "+1", "0x10", "NaN", "Infinity", "tru", "nul", "\"abc", "\"\\x\"",
             "\"\\u12\"", "\"\\u0000\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"",
             "{\"a\":1}{", "1 2", "{\"a\":1,\"a\":2}", "\"a\tb\"", "\"a\nb\"", "1e999",
             "\"\xc0\x80\"",         // overlong NUL
             "\"\xe0\x80\xaf\"",     // overlong '/'
             "\"\xed\xa0\x80\"",     // a surrogate in UTF-8
             "\"\xf4\x90\x80\x80\"", // beyond U+10FFFF
             "\"\xc3\"",             // cut short
             "\"\x80\"",             // a lone continuation byte
             "\xef\xbb\xbf{}",       // a byte-order mark
         }) {
        std::string error;
        EXPECT_FALSE(parse_json(bad, &error)) << bad;
        EXPECT_FALSE(error.empty()) << bad;
    }
}

TEST(VfioUserJson, BoundsNestingAndLength)
{
    std::string ok(64, '[');
    ok += std::string(64, ']');
    EXPECT_TRUE(parse(ok));
    std::string deep(65, '[');
    deep += std::string(65, ']');
    std::string error;
    EXPECT_FALSE(parse_json(deep, &error));
    EXPECT_NE(error.find("nesting too deep"), std::string::npos) << error;
    // Far deeper: refused, not a stack overflow.
    std::string very(100000, '{');
    EXPECT_FALSE(parse_json(very, &error));
    EXPECT_FALSE(parse_json(std::string(2 << 20, ' ') + "1", &error));
    EXPECT_NE(error.find("longer than"), std::string::npos) << error;
}

TEST(VfioUserJson, NumbersBeyondIntegersAreDoubles)
{
    auto big = parse("18446744073709551616");
    ASSERT_TRUE(big);
    EXPECT_TRUE(big->is_double());
    auto neg = parse("-9223372036854775809");
    ASSERT_TRUE(neg);
    EXPECT_TRUE(neg->is_double());
    EXPECT_EQ(parse("-9223372036854775808")->as_int64(), INT64_MIN);
    EXPECT_EQ(Json(2.0).dump(), "2.0");
}

// ----------------------------------------------------------- stream ----

struct Cut {
    std::vector<std::string> texts;
    std::vector<std::string> overflows;
    JsonStream stream{[this](std::string_view t) { texts.emplace_back(t); },
                      [this](const std::string &w) { overflows.push_back(w); },
                      JsonStream::Limits{64, 4}};
};

TEST(VfioUserJsonStream, CutsWhereBracketsBalance)
{
    Cut c;
    c.stream.feed("{\"a\": \"}{\\\"\"}{\"b\":[1,{}]}  \r\n [2]");
    ASSERT_EQ(c.texts.size(), 3u);
    EXPECT_EQ(c.texts[0], "{\"a\": \"}{\\\"\"}");
    EXPECT_EQ(c.texts[1], "{\"b\":[1,{}]}");
    EXPECT_EQ(c.texts[2], "[2]");
    // Across reads, byte by byte.
    for (char ch : std::string("{\"execute\": \"quit\"}")) {
        c.stream.feed(std::string_view(&ch, 1));
    }
    ASSERT_EQ(c.texts.size(), 4u);
    EXPECT_EQ(c.texts[3], "{\"execute\": \"quit\"}");
}

TEST(VfioUserJsonStream, JunkIsALineAndNewlinesResynchronise)
{
    Cut c;
    c.stream.feed("hello world\n42\n{\"a\": \"x\ny\"}\n");
    ASSERT_EQ(c.texts.size(), 4u);
    EXPECT_EQ(c.texts[0], "hello world");
    EXPECT_EQ(c.texts[1], "42");
    EXPECT_EQ(c.texts[2], "{\"a\": \"x\n"); // cut at the raw newline
    EXPECT_EQ(c.texts[3], "y\"}");          // the rest of that line
    EXPECT_TRUE(c.overflows.empty());
}

TEST(VfioUserJsonStream, OverflowIsReportedOnceAndTheStreamGoesOn)
{
    Cut c;
    c.stream.feed("{\"a\": \"" + std::string(100, '}') + "\"}\n{}");
    ASSERT_EQ(c.overflows.size(), 1u);
    EXPECT_NE(c.overflows[0].find("longer than 64"), std::string::npos);
    EXPECT_EQ(c.texts, std::vector<std::string>{"{}"});
    // Too deep: refused once, the rest of it skipped to where it balances.
    Cut d;
    d.stream.feed("[[[[[[\"]]]\", 1]]]]]]{}");
    ASSERT_EQ(d.overflows.size(), 1u);
    EXPECT_NE(d.overflows[0].find("deeper than 4"), std::string::npos);
    EXPECT_EQ(d.texts, std::vector<std::string>{"{}"});
    // Too long a line: refused once, skipped to its end.
    Cut e;
    e.stream.feed(std::string(200, 'x') + "\n{}");
    ASSERT_EQ(e.overflows.size(), 1u);
    EXPECT_NE(e.overflows[0].find("a line longer than 64"), std::string::npos);
    EXPECT_EQ(e.texts, std::vector<std::string>{"{}"});
}

// ------------------------------------------------------------ QMP ----

constexpr const char *kUuid = "6d3f1c2a-8e1b-4c55-9a3e-00000000a001";

// The server's target with its devices made directly in the process's
// core, and every command that runs device code counted.
class FakeTarget final : public MonitorTarget {
public:
    std::vector<ServedMdev> mdevs() const override { return mdevs_; }
    bool run_on_device(const std::string &uuid, std::function<void()> fn,
                       std::string *error) override
    {
        on_device.push_back(uuid);
        if (refuse) {
            *error = "busy";
            return false;
        }
        fn();
        return true;
    }
    std::vector<ServedMdev> mdevs_;
    std::vector<std::string> on_device;
    bool refuse = false;
};

class VfioUserQmp : public ::testing::Test {
protected:
    void SetUp() override
    {
        Core &core = capi::global_core();
        CreateRequest req{"mnvme", "mnvme-64m", kUuid, "vfio", &host_};
        Result<Device *> made = core.create(std::move(req));
        ASSERT_TRUE(made) << made.error().message;
        dev_ = *made;
        target_.mdevs_.push_back({kUuid, "/run/nvme0.sock"});
    }
    void TearDown() override { (void)capi::global_core().remove(kUuid); }

    // One command's reply, parsed; the session already negotiated.
    Json exec(const std::string &text)
    {
        std::string out = session_.feed(text);
        EXPECT_TRUE(out.ends_with("\r\n")) << out;
        EXPECT_EQ(out.find("\r\n"), out.size() - 2) << "one reply: " << out;
        std::optional<Json> reply = parse(out);
        EXPECT_TRUE(reply) << out;
        return reply ? *reply : Json();
    }
    void negotiate() { ASSERT_TRUE(exec(R"({"execute": "qmp_capabilities"})").get("return")); }
    static std::string desc(const Json &reply)
    {
        const Json *e = reply.get("error");
        return e && e->get("desc") ? e->get("desc")->as_string() : "(no error: " + reply.dump() + ")";
    }
    static std::string cls(const Json &reply)
    {
        const Json *e = reply.get("error");
        return e && e->get("class") ? e->get("class")->as_string() : "";
    }
    const FaultSet::Entry &fault(std::string_view name)
    {
        for (const FaultSet::Entry &e : dev_->faults().entries()) {
            if (e.decl->name == name) {
                return e;
            }
        }
        ADD_FAILURE() << "no fault " << name;
        return dev_->faults().entries()[0];
    }

    test::RecordingHost host_;
    Device *dev_ = nullptr;
    FakeTarget target_;
    QmpSession session_{target_};
};

TEST_F(VfioUserQmp, GreetingAsQemus)
{
    std::optional<Json> g = parse(QmpSession::greeting());
    ASSERT_TRUE(g);
    const Json *qmp = g->get("QMP");
    ASSERT_TRUE(qmp);
    EXPECT_EQ(qmp->get("version")->get("qemu")->get("major")->as_int64(), 10);
    EXPECT_TRUE(qmp->get("capabilities")->as_array().empty());
    EXPECT_TRUE(QmpSession::greeting().ends_with("}\r\n"));
}

TEST_F(VfioUserQmp, CapabilitiesFirst)
{
    Json r = exec(R"({"execute": "query-mdevs", "id": 1})");
    EXPECT_EQ(cls(r), "CommandNotFound");
    EXPECT_EQ(desc(r), "Expecting capabilities negotiation with 'qmp_capabilities'");
    EXPECT_EQ(r.get("id")->as_int64(), 1);
    EXPECT_EQ(desc(exec(R"({"execute": "qmp_capabilities", "arguments": {"enable": ["oob"]}})")),
              "Capability oob not available");
    EXPECT_EQ(desc(exec(R"({"execute": "qmp_capabilities", "arguments": {"enable": ["x"]}})")),
              "Parameter 'null' does not accept value 'x'"); // QEMU 10.2.2's words
    EXPECT_EQ(desc(exec(R"({"execute": "qmp_capabilities", "arguments": {"x": 1}})")),
              "Parameter 'x' is unexpected");
    EXPECT_FALSE(session_.negotiated());
    Json ok = exec(R"({"execute": "qmp_capabilities", "arguments": {"enable": []},
                       "id": {"tag": ["a", 2]}})");
    ASSERT_TRUE(ok.get("return"));
    EXPECT_EQ(ok.get("id")->dump(), "{\"tag\": [\"a\", 2]}");
    Json again = exec(R"({"execute": "qmp_capabilities"})");
    EXPECT_EQ(cls(again), "CommandNotFound");
    EXPECT_EQ(desc(again), "Capabilities negotiation is already complete, command ignored");
}

TEST_F(VfioUserQmp, MalformedInputGetsQemusErrors)
{
    negotiate();
    EXPECT_EQ(desc(exec("[1]")), "QMP input must be a JSON object");
    EXPECT_EQ(desc(exec("{}")), "QMP input lacks member 'execute'");
    EXPECT_EQ(desc(exec(R"({"execute": 1})")), "QMP input member 'execute' must be a string");
    EXPECT_EQ(desc(exec(R"({"execute": "query-mdevs", "arguments": []})")),
              "QMP input member 'arguments' must be an object");
    EXPECT_EQ(desc(exec(R"({"execute": "query-mdevs", "exec-oob": "x"})")),
              "QMP input member 'exec-oob' is unexpected");
    Json unknown = exec(R"({"execute": "device_del", "id": "z"})");
    EXPECT_EQ(cls(unknown), "CommandNotFound");
    EXPECT_EQ(desc(unknown), "The command device_del has not been found");
    EXPECT_EQ(unknown.get("id")->as_string(), "z");
    EXPECT_EQ(desc(exec("{\"execute\": \"\xff\"}")).rfind("JSON parse error, invalid UTF-8", 0), 0u);
    EXPECT_EQ(desc(exec("garbage\n")).rfind("JSON parse error, ", 0), 0u);
    std::string deep = std::string(100, '[') + std::string(100, ']');
    EXPECT_EQ(desc(exec(deep)).rfind("JSON parse error, JSON nested deeper", 0), 0u);
    // Still talking.
    EXPECT_TRUE(exec(R"({"execute": "query-mdevs"})").get("return"));
}

TEST_F(VfioUserQmp, QueriesReturnWhatQemuReturns)
{
    negotiate();
    Json mdevs = exec(R"({"execute": "query-mdevs"})");
    EXPECT_EQ(mdevs.get("return")->dump(),
              std::string("[{\"uuid\": \"") + kUuid +
                  "\", \"parent\": \"mnvme\", \"type\": \"mnvme-64m\", \"class\": \"vfio\", "
                  "\"driver\": \"vfio-pci\", \"qom-path\": \"/run/nvme0.sock\"}]");
    EXPECT_EQ(desc(exec(R"({"execute": "query-mdevs", "arguments": {"a": 1}})")),
              "Parameter 'a' is unexpected");

    Json parents = exec(R"({"execute": "query-mdev-parents"})");
    ASSERT_TRUE(parents.get("return"));
    EXPECT_EQ(parents.get("return")->dump(), parents_json(parent_summaries()).dump());
    bool mnvme = false;
    for (const Json &p : parents.get("return")->as_array()) {
        if (p.get("id")->as_string() != "mnvme") {
            continue;
        }
        mnvme = true;
        EXPECT_EQ(p.get("qom-type")->as_string(), "mdev-mnvme");
        EXPECT_EQ(p.get("classes")->dump(), "[\"vfio\"]");
        const Json &t = p.get("types")->as_array().at(0);
        for (const char *member : {"id", "name", "description", "device-api"}) {
            EXPECT_TRUE(t.get(member) && t.get(member)->is_string()) << member;
        }
        EXPECT_TRUE(t.get("available-instances")->is_integer());
    }
    EXPECT_TRUE(mnvme);
    // --list is the same data as text.
    EXPECT_NE(parents_text(parent_summaries()).find("parent mnvme (kind mnvme), classes vfio\n"),
              std::string::npos);

    Json faults = exec(std::string(R"({"execute": "query-mdev-faults", "arguments": {"uuid": ")") +
                       "6D3F1C2A-8E1B-4C55-9A3E-00000000A001\"}}");
    ASSERT_TRUE(faults.get("return")) << faults.dump();
    const Json &entry = faults.get("return")->as_array().at(0);
    EXPECT_EQ(entry.get("uuid")->as_string(), kUuid);
    std::string names;
    for (const Json &f : entry.get("faults")->as_array()) {
        names += f.get("name")->as_string() + " ";
        EXPECT_EQ(f.get("armed")->dump(), "false");
        EXPECT_EQ(f.get("fired")->as_int64(), 0);
        EXPECT_TRUE(f.get("params")->is_array());
    }
    EXPECT_NE(names.find("surprise-removal"), std::string::npos) << names;
    EXPECT_NE(names.find("media-error"), std::string::npos) << names;
    EXPECT_EQ(exec(R"({"execute": "query-mdev-faults"})").get("return")->as_array().size(), 1u);
    EXPECT_TRUE(target_.on_device.empty()) << "queries run no device code";
}

TEST_F(VfioUserQmp, FaultCommandsArmAndClearOnTheDevicesThread)
{
    negotiate();
    const std::string u = std::string("\"uuid\": \"") + kUuid + "\"";
    Json r = exec(R"({"execute": "mdev-fault-inject", "arguments": {)" + u +
                  R"(, "fault": "media-error", "count": 0, "skip": 2,
                   "args": {"lba": 2048, "opcode": "read", "dnr": false}}, "id": 5})");
    ASSERT_TRUE(r.get("return")) << r.dump();
    EXPECT_EQ(r.get("return")->dump(), "{}");
    EXPECT_EQ(r.get("id")->as_int64(), 5);
    EXPECT_EQ(target_.on_device, std::vector<std::string>{kUuid});
    const FaultSet::Entry &m = fault("media-error");
    EXPECT_TRUE(m.armed);
    EXPECT_EQ(m.count, 0u);
    EXPECT_EQ(m.skip, 2u);
    EXPECT_EQ(m.args.get_int(0, -1), 2048);

    Json q = exec(R"({"execute": "query-mdev-faults"})");
    for (const Json &f : q.get("return")->as_array()[0].get("faults")->as_array()) {
        if (f.get("name")->as_string() == "media-error") {
            EXPECT_EQ(f.get("armed")->dump(), "true");
            EXPECT_EQ(f.get("skip")->as_int64(), 2);
        }
    }

    // surprise-removal, a held fault: the function reads all ones until
    // the clear.
    ASSERT_TRUE(exec(R"({"execute": "mdev-fault-inject", "arguments": {)" + u +
                     R"(, "fault": "surprise-removal"}})")
                    .get("return"));
    EXPECT_TRUE(fault("surprise-removal").armed);
    EXPECT_EQ(fault("surprise-removal").fired, 1u);
    ASSERT_TRUE(exec(R"({"execute": "mdev-fault-clear", "arguments": {)" + u +
                     R"(, "fault": "surprise-removal"}})")
                    .get("return"));
    EXPECT_FALSE(fault("surprise-removal").armed);
    EXPECT_TRUE(fault("media-error").armed);
    ASSERT_TRUE(exec(R"({"execute": "mdev-fault-clear", "arguments": {)" + u + "}}").get("return"));
    EXPECT_FALSE(dev_->faults().any_armed());
    EXPECT_EQ(target_.on_device.size(), 4u);
}

TEST_F(VfioUserQmp, FaultCommandsRefuseAsQemuDoes)
{
    negotiate();
    const std::string u = std::string("\"uuid\": \"") + kUuid + "\"";
    auto inject = [&](const std::string &args) {
        return desc(exec(R"({"execute": "mdev-fault-inject", "arguments": {)" + args + "}}"));
    };
    EXPECT_EQ(inject(R"("fault": "x")"), "Parameter 'uuid' is missing");
    EXPECT_EQ(inject(u), "Parameter 'fault' is missing");
    EXPECT_EQ(inject(R"("uuid": 1, "fault": "x")"),
              "Invalid parameter type for 'uuid', expected: string");
    EXPECT_EQ(inject(u + R"(, "fault": "drop-irq", "count": "1")"),
              "Parameter 'count' expects uint64");
    EXPECT_EQ(inject(u + R"(, "fault": "drop-irq", "skip": 1.5)"),
              "Parameter 'skip' expects uint64");
    EXPECT_EQ(inject(u + R"(, "fault": "drop-irq", "vector": 1)"),
              "Parameter 'vector' is unexpected");
    EXPECT_EQ(inject(R"("uuid": "nope", "fault": "drop-irq")"), "'nope' is not a UUID");
    EXPECT_EQ(inject(R"("uuid": "6d3f1c2a-8e1b-4c55-9a3e-00000000ffff", "fault": "drop-irq")"),
              "no mdev has UUID 6d3f1c2a-8e1b-4c55-9a3e-00000000ffff");
    EXPECT_EQ(inject(u + R"(, "fault": "melt")").rfind(std::string("mdev ") + kUuid +
                                                           " has no fault 'melt'; it offers: ",
                                                       0),
              0u);
    EXPECT_EQ(inject(u + R"(, "fault": "drop-irq", "args": [1])"),
              "'args' must be an object of the fault's parameters, e.g. {\"vector\": 1}");
    EXPECT_EQ(inject(u + R"(, "fault": "drop-irq", "args": {"vector": [1]})"),
              "fault 'drop-irq' argument 'vector' must be a string, an integer or a boolean");
    EXPECT_EQ(inject(u + R"(, "fault": "drop-irq", "args": {"vector": 1.5})"),
              "fault 'drop-irq' argument 'vector' must be a string, an integer or a boolean");
    EXPECT_EQ(inject(u + R"(, "fault": "drop-irq", "args": {"vectr": 1})"),
              "fault 'drop-irq' has no parameter 'vectr'; it takes: vector (int)");
    const std::string range = inject(u + R"(, "fault": "drop-irq", "args": {"vector": 99999})");
    EXPECT_EQ(range.rfind("fault 'drop-irq' parameter 'vector' takes 0 to ", 0), 0u) << range;
    EXPECT_TRUE(range.ends_with(", not 99999")) << range;
    EXPECT_EQ(inject(u + R"(, "fault": "surprise-removal", "count": 2)"),
              "fault 'surprise-removal' holds until cleared: count and skip do not apply "
              "(mdev-fault-clear ends it)");
    // QEMU takes a negative count as its two's complement: 2^64 - 1 here,
    // refused by the held fault as any count above 1.
    EXPECT_EQ(inject(u + R"(, "fault": "surprise-removal", "count": -1)"),
              "fault 'surprise-removal' holds until cleared: count and skip do not apply "
              "(mdev-fault-clear ends it)");
    EXPECT_FALSE(dev_->faults().any_armed()) << "a refusal arms nothing";

    EXPECT_EQ(desc(exec(R"({"execute": "mdev-fault-clear", "arguments": {)" + u +
                        R"(, "fault": "melt"}})"))
                  .rfind(std::string("mdev ") + kUuid + " has no fault 'melt'", 0),
              0u);
    EXPECT_EQ(desc(exec(R"({"execute": "mdev-fault-clear", "arguments": {"fault": "x"}})")),
              "Parameter 'uuid' is missing");
    EXPECT_EQ(desc(exec(R"({"execute": "query-mdev-faults", "arguments": {"uuid": "x"}})")),
              "'x' is not a UUID");

    // The device's thread did not take the command: its error, nothing armed.
    target_.refuse = true;
    EXPECT_EQ(inject(u + R"(, "fault": "drop-irq")"), "busy");
    EXPECT_FALSE(dev_->faults().any_armed());
}

TEST_F(VfioUserQmp, QuitEndsTheSession)
{
    negotiate();
    std::string out = session_.feed(R"({"execute": "quit", "id": 9}{"execute": "query-mdevs"})");
    EXPECT_EQ(out, "{\"return\": {}, \"id\": 9}\r\n");
    EXPECT_TRUE(session_.quit());
}

// ------------------------------------------------------ device tasks ----

TEST(VfioUserDeviceTasks, RunsOnTheOtherThreadOrNotAtAll)
{
    DeviceTasks tasks;
    std::thread::id ran_on;
    std::thread::id device_id;
    std::thread device([&] {
        device_id = std::this_thread::get_id();
        pollfd fd{tasks.fd(), POLLIN, 0};
        ASSERT_EQ(poll(&fd, 1, 30000), 1);
        tasks.run_pending();
    });
    EXPECT_EQ(tasks.run([&] { ran_on = std::this_thread::get_id(); }, std::chrono::seconds(60)),
              DeviceTasks::Outcome::ran);
    device.join();
    EXPECT_EQ(ran_on, device_id);
    EXPECT_NE(ran_on, std::this_thread::get_id());

    // Nobody takes it: it never runs, even once someone looks later.
    bool ran = false;
    EXPECT_EQ(tasks.run([&] { ran = true; }, std::chrono::milliseconds(1)),
              DeviceTasks::Outcome::not_taken);
    tasks.run_pending();
    EXPECT_FALSE(ran);
    tasks.close();
    EXPECT_EQ(tasks.run([&] { ran = true; }, std::chrono::seconds(1)),
              DeviceTasks::Outcome::stopped);
    EXPECT_FALSE(ran);
}

// ----------------------------------------------------------- socket ----

class VfioUserMonitorSocket : public VfioUserQmp {
protected:
    void SetUp() override
    {
        VfioUserQmp::SetUp();
        char tmpl[] = "/tmp/mdev-monitor-test-XXXXXX";
        ASSERT_TRUE(mkdtemp(tmpl));
        dir_ = tmpl;
        path_ = dir_ + "/qmp.sock";
    }
    void TearDown() override
    {
        unlink(path_.c_str());
        rmdir(dir_.c_str());
        VfioUserQmp::TearDown();
    }
    int connect_client()
    {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path_.c_str());
        EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)), 0);
        return fd;
    }
    // One "\r\n"-terminated line (generous timeout: the machine is shared).
    static std::string read_line(int fd)
    {
        std::string line;
        char c;
        while (!line.ends_with("\r\n")) {
            pollfd p{fd, POLLIN, 0};
            if (poll(&p, 1, 60000) != 1 || read(fd, &c, 1) != 1) {
                break;
            }
            line += c;
        }
        return line;
    }
    static void send_text(int fd, const std::string &s)
    {
        ASSERT_EQ(send(fd, s.data(), s.size(), MSG_NOSIGNAL), ssize_t(s.size()));
    }
    std::string dir_;
    std::string path_;
};

TEST_F(VfioUserMonitorSocket, OneClientAtATimeMode0600RemovedAtStop)
{
    std::atomic<int> quits{0};
    Monitor monitor(target_, [&] { quits++; });
    std::string error;
    ASSERT_TRUE(monitor.start(path_, &error)) << error;
    struct stat st {};
    ASSERT_EQ(lstat(path_.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0600u);

    int a = connect_client();
    EXPECT_EQ(read_line(a), QmpSession::greeting());
    // A second client waits in the backlog until the first hangs up.
    int b = connect_client();
    send_text(a, "{\"execute\": \"qmp_capabilities\"}");
    EXPECT_EQ(read_line(a), "{\"return\": {}}\r\n");
    send_text(a, "{\"execute\": \"query-mdevs\", \"id\": \"q\"}\n");
    EXPECT_NE(read_line(a).find(kUuid), std::string::npos);
    pollfd p{b, POLLIN, 0};
    EXPECT_EQ(poll(&p, 1, 100), 0) << "the second client was served at once";
    send_text(a, "{\"execute\": \"quit\"}");
    EXPECT_EQ(read_line(a), "{\"return\": {}}\r\n");
    char c;
    EXPECT_EQ(read(a, &c, 1), 0) << "hung up after quit";
    EXPECT_EQ(quits.load(), 1) << "quit asks the process to stop";
    close(a);
    EXPECT_EQ(read_line(b), QmpSession::greeting());
    // A huge line: an error, and the session goes on.
    send_text(b, std::string(3 << 20, 'x') + "\n{\"execute\": \"qmp_capabilities\"}");
    EXPECT_EQ(read_line(b).rfind("{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse "
                                 "error, a line longer than",
                                 0),
              0u);
    EXPECT_EQ(read_line(b), "{\"return\": {}}\r\n") << "one refusal, then the next command";
    monitor.stop();
    EXPECT_EQ(read_line(b), "") << "the stopping monitor hangs up";
    close(b);
    EXPECT_NE(lstat(path_.c_str(), &st), 0) << "socket removed";
}

TEST_F(VfioUserMonitorSocket, RefusesAPathItCannotUse)
{
    std::string error;
    {
        FILE *f = std::fopen(path_.c_str(), "w");
        ASSERT_TRUE(f);
        std::fclose(f);
        Monitor monitor(target_);
        EXPECT_FALSE(monitor.start(path_, &error));
        EXPECT_EQ(error, "-qmp unix:" + path_ + ": the path exists and is not a socket");
        struct stat st {};
        EXPECT_EQ(lstat(path_.c_str(), &st), 0) << "the file is left alone";
        unlink(path_.c_str());
    }
    Monitor monitor(target_);
    EXPECT_FALSE(monitor.start(std::string(200, 'a'), &error));
    EXPECT_NE(error.find("longer than"), std::string::npos) << error;
    EXPECT_FALSE(monitor.start(dir_ + "/no/such/dir/q", &error));
    EXPECT_NE(error.find("bind"), std::string::npos) << error;
}

} // namespace
