// SPDX-License-Identifier: GPL-2.0-or-later
#include "vfio/vfio_faults.hpp"

#include <array>

namespace mdev::vfio {

namespace {

constexpr std::array<FaultParam, 1> kVectorParams{{
    {"vector", FaultParamType::integer,
     "only this MSI or MSI-X vector (INTx is 0); any interrupt if not given", {}, 0, 2047},
}};
constexpr std::array<FaultParam, 1> kSpuriousParams{{
    {"vector", FaultParamType::integer, "the MSI or MSI-X vector (default 0)", {}, 0, 2047},
}};
constexpr std::array<const char *, 3> kDirections{"read", "write", "any"};
constexpr std::array<FaultParam, 1> kDmaParams{{
    {"direction", FaultParamType::string,
     "which DMA fails: read (from guest memory), write (to it) or any (default)", kDirections},
}};

const FaultDecl kDropIrq{
    "drop-irq",
    "the next interrupt (INTx assertion, MSI or MSI-X message) is not delivered",
    kVectorParams};
const FaultDecl kSpuriousIrq{
    "spurious-irq",
    "one extra interrupt now, on the interrupt kind in use (MSI-X, MSI or INTx)",
    kSpuriousParams};
const FaultDecl kDmaError{
    "dma-error",
    "the next bus-master DMA fails as a target abort: nothing is transferred and the "
    "device sees the failure",
    kDmaParams};

const FaultDecl kSurpriseRemoval{
    "surprise-removal",
    "until cleared the function is a card pulled out: config space and BARs read all ones, "
    "writes are ignored, no DMA and no interrupt; clearing it puts the card back in reset "
    "state"};

} // namespace

VfioFaults VfioFaults::declare(FaultSet &set)
{
    return VfioFaults{set.declare(kDropIrq), set.declare(kSpuriousIrq), set.declare(kDmaError),
                      set.declare(kSurpriseRemoval)};
}

} // namespace mdev::vfio
