// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzzing with faults armed (docs/fault-injection.md): an operation of the
// sequences that arms one of the device's declared faults with arguments
// drawn from its declaration (or, sometimes, malformed ones), or clears
// them. Whatever fires, the device must stay safe: the harness's checks
// and the sanitizers run on as before. Each kind of fault gets what it
// accepts: at-once faults a count of 1..3 and no skip, held faults (a
// state until cleared) count 0 or 1 and no skip, the others count 0..3 and
// skip 0..3.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include "fuzz_common.hpp"
#include "hw/mdev/fault.hpp"

#include <string>
#include <vector>

namespace mdev::fuzz {

inline void fuzz_fault(FuzzedDataProvider &in, FaultSet &faults)
{
    const auto entries = faults.entries();
    if (entries.empty() || in.ConsumeIntegralInRange<unsigned>(0, 7) == 0) {
        FUZZ_CHECK(faults.clear(), "clearing every fault was refused");
        FUZZ_CHECK(!faults.any_armed(), "a fault is armed after clearing all");
        return;
    }
    const FaultSet::Entry &e = entries[in.ConsumeIntegralInRange<std::size_t>(0, entries.size() - 1)];
    const FaultDecl &decl = *e.decl;
    const bool malformed = in.ConsumeIntegralInRange<unsigned>(0, 15) == 0;
    std::vector<FaultArgText> args;
    for (const FaultParam &p : decl.params) {
        if (!in.ConsumeBool()) {
            continue;
        }
        std::string v;
        if (malformed) {
            v = in.ConsumeRandomLengthString(12);
        } else if (p.type == FaultParamType::integer) {
            v = std::to_string(in.ConsumeIntegralInRange<std::int64_t>(
                p.min, std::min<std::int64_t>(p.max, p.min + 4096)));
        } else if (p.type == FaultParamType::boolean) {
            v = in.ConsumeBool() ? "true" : "false";
        } else if (!p.choices.empty()) {
            v = p.choices[in.ConsumeIntegralInRange<std::size_t>(0, p.choices.size() - 1)];
        } else {
            v = in.ConsumeRandomLengthString(12);
        }
        args.push_back({p.name, v});
    }
    const bool immediate = e.immediate;
    const bool held = e.held;
    // An at-once fault happens count times inside inject: keep that small.
    // One that holds until cleared takes count 0 or 1 and no skip.
    const std::uint64_t count =
        in.ConsumeIntegralInRange<std::uint64_t>(immediate ? 1 : 0, held ? 1 : 3);
    const std::uint64_t skip =
        immediate || held ? 0 : in.ConsumeIntegralInRange<std::uint64_t>(0, 3);
    const bool unbound = (immediate && !e.action) || (held && !e.hold);
    Status s = faults.inject(decl.name, count, skip, args);
    FUZZ_CHECK(s || malformed || unbound,
               "fault '%s' refused well-formed arguments: %s", decl.name,
               s ? "" : s.error().message.c_str());
}

} // namespace mdev::fuzz
