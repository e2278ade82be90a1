// SPDX-License-Identifier: GPL-2.0-or-later
// mdev-vfio-user's command line (tools/mdev-vfio-user/command_line.hpp),
// checked against the parents this build declares.
#include "command_line.hpp"

#include <gtest/gtest.h>
#include <regex>

using mdev::vfio_user::CommandLine;
using mdev::vfio_user::parse_command_line;
using mdev::vfio_user::parse_options;

namespace {

std::optional<CommandLine> parse(std::vector<std::string> args, std::string *error)
{
    return parse_command_line(args, error);
}

TEST(VfioUserCommandLine, OptionsSplitAsQemuOpts)
{
    std::string error;
    auto o = parse_options("mdev-mtty,class=vfio,socket=/tmp/a,,b", &error);
    ASSERT_TRUE(o) << error;
    EXPECT_EQ(o->head, "mdev-mtty");
    EXPECT_EQ(o->get("class"), "vfio");
    EXPECT_EQ(o->get("socket"), "/tmp/a,b");
    EXPECT_FALSE(o->get("uuid"));
    EXPECT_FALSE(parse_options("mdev-mtty,=x", &error));
    EXPECT_FALSE(parse_options("mdev-mtty,class", &error));
    EXPECT_NE(error.find("class"), std::string::npos);
}

TEST(VfioUserCommandLine, DeviceTakesQemusPropertiesAndSocket)
{
    std::string error;
    auto cl = parse({"-device", "mdev-mtty,class=vfio,mdev-type=mtty-1,socket=/run/m.sock,"
                                "uuid=3b8a3f3c-9d2e-4a53-8f55-2a0d4c6b7e10"},
                    &error);
    ASSERT_TRUE(cl) << error;
    ASSERT_EQ(cl->devices.size(), 1u);
    const auto &d = cl->devices[0];
    EXPECT_EQ(d.kind, "mtty");
    EXPECT_EQ(d.parent, "mtty");
    EXPECT_EQ(d.type, "mtty-1");
    EXPECT_EQ(d.class_name, "vfio");
    EXPECT_EQ(d.socket, "/run/m.sock");
    EXPECT_EQ(d.uuid, "3b8a3f3c-9d2e-4a53-8f55-2a0d4c6b7e10");
}

TEST(VfioUserCommandLine, DefaultsAreTheParentsAndAUuidIsMade)
{
    std::string error;
    auto cl = parse({"-device", "mdev-gpio,socket=/tmp/g.sock"}, &error);
    ASSERT_TRUE(cl) << error;
    const auto &d = cl->devices[0];
    EXPECT_EQ(d.class_name, "vfio"); // gpio has one class
    EXPECT_EQ(d.type, "gpio-idio16");
    EXPECT_TRUE(std::regex_match(
        d.uuid, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
    auto again = parse({"-device", "mdev-gpio,socket=/tmp/g.sock"}, &error);
    EXPECT_NE(again->devices[0].uuid, d.uuid);
}

TEST(VfioUserCommandLine, BothClassesAreServed)
{
    std::string error;
    auto cl = parse({"-device", "mdev-mtty,class=virtio,socket=/tmp/c", "-device",
                     "mdev-mvnet,socket=/tmp/n", "-device", "mdev-mtty,class=vfio,socket=/tmp/t"},
                    &error);
    ASSERT_TRUE(cl) << error;
    ASSERT_EQ(cl->devices.size(), 3u);
    EXPECT_EQ(cl->devices[0].class_name, "virtio");
    EXPECT_EQ(cl->devices[1].class_name, "virtio"); // mvnet has one class
    EXPECT_EQ(cl->devices[2].class_name, "vfio");
}

// iommu_platform as our QEMU's property: QEMU's bool spellings, class
// virtio only (a vfio function has no ACCESS_PLATFORM to offer).
TEST(VfioUserCommandLine, IommuPlatformIsVirtiosOnly)
{
    std::string error;
    auto cl = parse({"-device", "mdev-mvnet,iommu_platform=on,socket=/tmp/n", "-device",
                     "mdev-mtty,class=virtio,iommu_platform=off,socket=/tmp/c", "-device",
                     "mdev-mvnet,socket=/tmp/m"},
                    &error);
    ASSERT_TRUE(cl) << error;
    EXPECT_TRUE(cl->devices[0].iommu_platform);
    EXPECT_FALSE(cl->devices[1].iommu_platform);
    EXPECT_FALSE(cl->devices[2].iommu_platform); // default off, as virtio-pci's
    EXPECT_TRUE(cl->devices[0].properties.empty()); // the server's, not the parent's

    EXPECT_FALSE(parse({"-device", "mdev-mtty,class=vfio,iommu_platform=on,socket=/a"}, &error));
    EXPECT_NE(error.find("property 'iommu_platform': class 'vfio'"), std::string::npos) << error;
    EXPECT_FALSE(parse({"-device", "mdev-mvnet,iommu_platform=maybe,socket=/a"}, &error));
    EXPECT_NE(error.find("it takes on or off"), std::string::npos) << error;
}

TEST(VfioUserCommandLine, ObjectMakesAParentForDevices)
{
    std::string error;
    auto cl = parse({"-object", "mdev-parent,id=card0,kind=mtty,budget=48", "-device",
                     "mdev-mtty,parent=card0,class=vfio,socket=/tmp/a"},
                    &error);
    ASSERT_TRUE(cl) << error;
    ASSERT_EQ(cl->parents.size(), 1u);
    EXPECT_EQ(cl->parents[0].id, "card0");
    EXPECT_EQ(cl->parents[0].kind, "mtty");
    EXPECT_EQ(cl->parents[0].budget, "48");
    EXPECT_EQ(cl->devices[0].parent, "card0");
}

// Each refusal is one line naming the property and what it accepts.
TEST(VfioUserCommandLine, WrongArgumentsNameThePropertyInOneLine)
{
    struct Bad {
        std::vector<std::string> args;
        const char *names;
    };
    const Bad bad[] = {
        {{"-device", "mdev-mtty,class=vfio,socket=/a,bogus=1"}, "property 'bogus'"},
        {{"-device", "mdev-mtty,socket=/a"}, "property 'class'"},
        {{"-device", "mdev-mtty,class=block,socket=/a"}, "property 'class'"},
        {{"-device", "mdev-mvnet,class=vfio,socket=/a"}, "the parent has virtio"},
        {{"-device", "mdev-mtty,class=vfio"}, "property 'socket'"},
        {{"-device", "mdev-nope,socket=/a"}, "mdev-mtty"},
        {{"-device", "e1000,socket=/a"}, "not a device this server has"},
        {{"-object", "mdev-parent,id=c,kind=nope"}, "property 'kind'"},
        {{"-object", "mdev-parent,kind=mtty"}, "property 'id'"},
        {{"-object", "memory-backend-ram,id=m"}, "only -object mdev-parent"},
        {{"-device", "mdev-gpio,socket=/a", "-device", "mdev-gpio,socket=/a"}, "property 'socket'"},
        {{"-device"}, "needs an argument"},
        {{"--frobnicate"}, "unknown option"},
        {{}, "no -device"},
    };
    for (const Bad &b : bad) {
        std::string error;
        EXPECT_FALSE(parse(b.args, &error)) << b.names;
        EXPECT_NE(error.find(b.names), std::string::npos) << error;
        EXPECT_EQ(error.find('\n'), std::string::npos) << error;
    }
}

TEST(VfioUserCommandLine, HelpAndList)
{
    std::string error;
    auto all = parse({"-device", "help"}, &error);
    ASSERT_TRUE(all) << error;
    EXPECT_NE(all->help.find("name \"mdev-mtty\""), std::string::npos);
    EXPECT_NE(all->help.find("name \"mdev-gpio\""), std::string::npos);
    auto one = parse({"-device", "mdev-mtty,help"}, &error);
    ASSERT_TRUE(one) << error;
    EXPECT_NE(one->help.find("mdev-type=<str>"), std::string::npos);
    EXPECT_NE(one->help.find("socket=<str>"), std::string::npos);
    EXPECT_NE(one->help.find("mtty-2"), std::string::npos);
    auto list = parse({"--list"}, &error);
    ASSERT_TRUE(list) << error;
    EXPECT_TRUE(list->list);
    EXPECT_TRUE(list->devices.empty());
}

} // namespace

namespace {

TEST(VfioUserCommandLine, QmpTakesQemusUnixServerFormOnly)
{
    const std::vector<std::string> dev = {"-device",
                                          "mdev-mtty,class=vfio,mdev-type=mtty-1,socket=/run/m"};
    std::string error;
    for (const char *form : {"unix:/run/q.sock,server=on,wait=off",
                             "unix:/run/q.sock,wait=off,server=on"}) {
        std::vector<std::string> args = dev;
        args.insert(args.end(), {"-qmp", form});
        auto cl = parse(args, &error);
        ASSERT_TRUE(cl) << form << ": " << error;
        EXPECT_EQ(cl->qmp_socket, "/run/q.sock");
    }
    auto none = parse(dev, &error);
    ASSERT_TRUE(none) << error;
    EXPECT_FALSE(none->qmp_socket);

    struct Bad {
        std::vector<std::string> qmp;
        const char *says;
    };
    const Bad bad[] = {
        {{"-qmp"}, "-qmp: needs an argument"},
        {{"-qmp", "tcp:localhost:4444,server=on,wait=off"},
         "not a UNIX socket; it takes unix:PATH,server=on,wait=off"},
        {{"-qmp", "unix:/run/q"}, "server=on must be given"},
        {{"-qmp", "unix:/run/q,server=on"}, "wait=off must be given"},
        {{"-qmp", "unix:/run/q,server=on,wait=on"}, "'wait=on' is not accepted"},
        {{"-qmp", "unix:/run/q,server=off,wait=off"}, "'server=off' is not accepted"},
        {{"-qmp", "unix:/run/q,server=on,wait=off,server=on"}, "'server=on' is not accepted"},
        {{"-qmp", "unix:/run/q,server=on,wait=off,pretty=on"}, "'pretty=on' is not accepted"},
        {{"-qmp", "unix:,server=on,wait=off"}, "no socket path"},
        {{"-qmp", "unix:/run/q,server=on,wait=off", "-qmp", "unix:/run/r,server=on,wait=off"},
         "given twice"},
        {{"-qmp", "unix:/run/m,server=on,wait=off"}, "uses that socket already"},
    };
    for (const Bad &b : bad) {
        std::vector<std::string> args = dev;
        args.insert(args.end(), b.qmp.begin(), b.qmp.end());
        EXPECT_FALSE(parse(args, &error)) << b.says;
        EXPECT_NE(error.find(b.says), std::string::npos) << error;
        EXPECT_EQ(error.find('\n'), std::string::npos) << error;
    }
    // --help names it.
    auto help = parse({"--help"}, &error);
    ASSERT_TRUE(help) << error;
    EXPECT_NE(help->help.find("-qmp unix:PATH,server=on,wait=off"), std::string::npos);
}

} // namespace
