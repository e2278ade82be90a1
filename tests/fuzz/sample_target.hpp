// SPDX-License-Identifier: GPL-2.0-or-later
// A core with one sample parent registered and one frontend driver, kept
// across a harness's inputs: parents are cheap, and keeping one checks that
// every input gives the parent's budget back whole.
#pragma once

#include "fuzz_common.hpp"
#include "hw/mdev/core.hpp"

#include <memory>
#include <vector>

namespace mdev::fuzz {

template <typename P>
struct SampleTarget {
    Core core;
    P *parent = nullptr;
    std::vector<unsigned> full_budget; // per type, before any mdev exists

    explicit SampleTarget(Driver &frontend)
    {
        auto owned = std::make_unique<P>();
        parent = owned.get();
        if (!core.register_parent(std::move(owned)) || !parent->register_ops(core)) {
            violation("cannot register the sample parent");
        }
        core.bus().register_driver(frontend);
        for (const MdevType &t : parent->types()) {
            full_budget.push_back(parent->available_instances(t));
        }
    }

    // Removes `dev`, then every type's budget must be what it was.
    void remove_and_check(Device &dev)
    {
        const Status removed = core.remove(dev.uuid().to_string());
        FUZZ_CHECK(removed, "remove failed");
        std::span<const MdevType> types = parent->types();
        for (std::size_t i = 0; i < types.size(); i++) {
            FUZZ_CHECK(parent->available_instances(types[i]) == full_budget[i],
                       "budget of %s is %u after removal, not %u", types[i].id.c_str(),
                       parent->available_instances(types[i]), full_budget[i]);
        }
    }
};

// A harness's whole body: one input, run by `sequence` against the
// harness's target (made on its first input).
template <typename Target, typename Sample>
int run_input(const std::uint8_t *data, std::size_t size, const Sample &sample,
              void (*sequence)(FuzzedDataProvider &, Target &, const Sample &))
{
    static Target target;
    FuzzedDataProvider in(data, size);
    sequence(in, target, sample);
    return 0;
}

} // namespace mdev::fuzz
