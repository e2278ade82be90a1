// SPDX-License-Identifier: GPL-2.0-or-later
// The MSI-X function of a vfio-class mdev, emulated by the frontend as a
// VFIO user (QEMU's vfio-pci) emulates it for a real device: the vector
// table and the Pending Bit Array in the device's BARs, Message Control's
// enable and function-mask bits, per-vector masks and pending bits (PCI
// Local Bus 3.0 §6.8.2). The device only signals vectors; this decides
// whether a message goes out now, becomes pending, or is a device mistake.
// Knows nothing of QEMU: messages go out through Host::send_msi.
#pragma once

#include "hw/mdev/device.hpp"
#include "hw/mdev/host.hpp"
#include "hw/mdev/capi/vfio-pci.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mdev::vfio {

// Where the capability says the table and PBA are (checked against the
// BARs by the PciFunction before one of these is made).
struct MsixLayout {
    std::uint8_t cap = 0; // capability offset in config space
    std::uint32_t vectors = 0;
    unsigned table_bar = 0;
    std::uint64_t table_offset = 0;
    unsigned pba_bar = 0;
    std::uint64_t pba_offset = 0;

    std::uint64_t table_size() const;
    std::uint64_t pba_size() const;
};

class Msix {
public:
    Msix(Device &dev, Host &host, const MsixLayout &layout);
    Msix(const Msix &) = delete;
    Msix &operator=(const Msix &) = delete;

    const MsixLayout &layout() const { return layout_; }

    bool enabled() const;
    bool function_masked() const;
    // Message Control's two guest-writable bits, as the guest set them.
    std::uint16_t control() const { return state_.control; }
    // The guest wrote Message Control: only ENABLE and MASKALL are kept.
    // Returns whether ENABLE changed (the caller switches interrupt modes
    // first, then calls deliver_pending()).
    bool write_control(std::uint16_t value);

    // Guest accesses at `offset` inside the table / the PBA. DWORD and
    // aligned QWORD accesses only (§6.8.2); anything else is a guest error
    // (a read returns all ones, a write is dropped). The PBA is read-only.
    std::uint64_t read(MdevVfioMsixArea area, std::uint64_t offset, unsigned size);
    void write(MdevVfioMsixArea area, std::uint64_t offset, std::uint64_t value, unsigned size);
    // Whether read() / write() would take the access; a refusal is logged
    // as they log it. For a function that answers nothing (surprise-removal)
    // but still reports a guest's malformed access.
    bool read_ok(MdevVfioMsixArea area, std::uint64_t offset, unsigned size)
    {
        return access_ok("read", area, offset, size);
    }
    bool write_ok(MdevVfioMsixArea area, std::uint64_t offset, unsigned size);

    // The device signals `vector`: sent at once if MSI-X is enabled and
    // neither the function nor the vector is masked; pending if masked.
    // Logged as a guest error (and dropped) if MSI-X is off or the vector
    // is past the table.
    void notify(std::uint32_t vector);

    // Sends every pending vector that is no longer masked, lowest first,
    // clearing its pending bit (after an unmask or an enable).
    void deliver_pending();

    bool vector_masked(std::uint32_t vector) const;
    bool pending(std::uint32_t vector) const;

    // Power-on state: disabled, function unmasked, every vector masked
    // with address and data 0, nothing pending.
    void reset();

    // The state VMState migrates (its buffers are this object's).
    MdevVfioMsixState *state() { return &state_; }
    // After a load: whether the state is one the guest could have reached
    // (only the defined bits set, no pending bit past the table, nothing
    // pending that should already have been sent). `why` says what is not.
    bool loaded_state_ok(std::string &why) const;

private:
    std::uint32_t entry_word(std::uint32_t vector, unsigned word) const;
    void set_entry_word(std::uint32_t vector, unsigned word, std::uint32_t value);
    void set_pending(std::uint32_t vector, bool on);
    bool deliverable(std::uint32_t vector) const;
    void send(std::uint32_t vector);
    bool access_ok(const char *what, MdevVfioMsixArea area, std::uint64_t offset,
                   unsigned size);

    Device &dev_;
    Host &host_;
    MsixLayout layout_;
    std::vector<std::uint8_t> table_;
    std::vector<std::uint8_t> pba_;
    MdevVfioMsixState state_{};
};

} // namespace mdev::vfio
