// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtio/virtio_driver.hpp"

#include "virtio/transport.hpp"

namespace mdev::virtio {

namespace {

class VirtioPciDriver final : public Driver {
public:
    std::string_view name() const override { return "virtio-pci"; }

    std::span<const ClassId> id_table() const override { return kIds; }

    Status probe(Device &dev) override
    {
        Result<std::unique_ptr<Transport>> t = Transport::create(dev);
        if (!t) {
            return t.error();
        }
        dev.set_frontend_state(std::move(*t));
        return Ok{};
    }

    void remove(Device &dev) override { dev.set_frontend_state(nullptr); }

private:
    static constexpr ClassId kIds[] = {ClassId::virtio};
};

} // namespace

Driver &virtio_pci_driver()
{
    static VirtioPciDriver driver;
    return driver;
}

Transport *transport(const Device &dev)
{
    if (dev.driver() != &virtio_pci_driver()) {
        return nullptr;
    }
    return static_cast<Transport *>(dev.frontend_state());
}

} // namespace mdev::virtio
