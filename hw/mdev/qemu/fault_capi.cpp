// SPDX-License-Identifier: GPL-2.0-or-later
// The extern "C" face of an mdev's faults (include/hw/mdev/capi/mdev-fault.h).
#include "hw/mdev/capi/mdev-fault.h"

#include "capi.hpp"

#include <cstdio>
#include <string>
#include <vector>

using namespace mdev;

namespace {

void fail(MdevError *err, const Error &e)
{
    if (err) {
        err->code = MDEV_ERR_OTHER;
        std::snprintf(err->message, sizeof(err->message), "%s", e.message.c_str());
    }
}

void ok(MdevError *err)
{
    if (err) {
        err->code = MDEV_OK;
        err->message[0] = '\0';
    }
}

} // namespace

extern "C" size_t mdev_fault_count(MdevHandle *h)
{
    return capi::enter(h, std::size_t(0),
                       [](Device &dev) { return dev.faults().entries().size(); });
}

extern "C" bool mdev_fault_info(MdevHandle *h, size_t index, MdevFaultDesc *out)
{
    return capi::enter(h, false, [&](Device &dev) {
        const auto entries = dev.faults().entries();
        if (index >= entries.size()) {
            return false;
        }
        const FaultSet::Entry &e = entries[index];
        *out = MdevFaultDesc{e.decl->name, e.decl->help, e.decl->params.size(), e.armed,
                             e.count, e.skip, e.fired};
        return true;
    });
}

extern "C" bool mdev_fault_param(MdevHandle *h, size_t index, size_t param,
                                 MdevFaultParamDesc *out)
{
    return capi::enter(h, false, [&](Device &dev) {
        const auto entries = dev.faults().entries();
        if (index >= entries.size() || param >= entries[index].decl->params.size()) {
            return false;
        }
        const FaultParam &p = entries[index].decl->params[param];
        *out = MdevFaultParamDesc{p.name, fault_param_type_name(p.type), p.help};
        return true;
    });
}

extern "C" bool mdev_fault_inject(MdevHandle *h, const char *fault, uint64_t count,
                                  uint64_t skip, const MdevFaultArg *args, size_t nargs,
                                  MdevError *err)
{
    return capi::enter(h, false, [&](Device &dev) {
        std::vector<FaultArgText> parsed;
        for (size_t i = 0; i < nargs; i++) {
            parsed.push_back({args[i].name, args[i].value});
        }
        Status s = dev.faults().inject(fault, count, skip, parsed);
        if (!s) {
            fail(err, s.error());
            return false;
        }
        ok(err);
        return true;
    });
}

extern "C" bool mdev_fault_clear(MdevHandle *h, const char *fault, MdevError *err)
{
    return capi::enter(h, false, [&](Device &dev) {
        Status s = dev.faults().clear(fault ? std::string_view(fault) : std::string_view());
        if (!s) {
            fail(err, s.error());
            return false;
        }
        ok(err);
        return true;
    });
}

extern "C" bool mdev_faults_armed(MdevHandle *h)
{
    return capi::enter(h, false, [](Device &dev) { return dev.faults().any_armed(); });
}
