// SPDX-License-Identifier: GPL-2.0-or-later
#include "vfio/vfio_driver.hpp"

#include "vfio/pci_function.hpp"

namespace mdev::vfio {

namespace {

class VfioPciDriver final : public Driver {
public:
    std::string_view name() const override { return "vfio-pci"; }

    std::span<const ClassId> id_table() const override { return kIds; }

    Status probe(Device &dev) override
    {
        Result<std::unique_ptr<PciFunction>> fn = PciFunction::create(dev);
        if (!fn) {
            return fn.error();
        }
        dev.set_frontend_state(std::move(*fn));
        return Ok{};
    }

    void remove(Device &dev) override { dev.set_frontend_state(nullptr); }

private:
    static constexpr ClassId kIds[] = {ClassId::vfio};
};

} // namespace

Driver &vfio_pci_driver()
{
    static VfioPciDriver driver;
    return driver;
}

PciFunction *pci_function(const Device &dev)
{
    if (dev.driver() != &vfio_pci_driver()) {
        return nullptr;
    }
    return static_cast<PciFunction *>(dev.frontend_state());
}

} // namespace mdev::vfio
