// SPDX-License-Identifier: GPL-2.0-or-later
#include "vfio/msix.hpp"
#include "hw/mdev/le_bytes.hpp"

#include <linux/pci_regs.h>

#include <algorithm>
#include <cinttypes>

namespace mdev::vfio {

namespace {

constexpr std::uint16_t kControlBits = PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL;

const char *area_name(MdevVfioMsixArea area)
{
    return area == MDEV_VFIO_MSIX_TABLE ? "MSI-X table" : "MSI-X PBA";
}

} // namespace

std::uint64_t MsixLayout::table_size() const
{
    return std::uint64_t(vectors) * PCI_MSIX_ENTRY_SIZE;
}

// One bit per vector, in QWORDs (§6.8.2.10).
std::uint64_t MsixLayout::pba_size() const
{
    return (std::uint64_t(vectors) + 63) / 64 * 8;
}

Msix::Msix(Device &dev, Host &host, const MsixLayout &layout)
    : dev_(dev), host_(host), layout_(layout), table_(layout.table_size()),
      pba_(layout.pba_size())
{
    state_.vectors = layout_.vectors;
    state_.table_size = static_cast<std::uint32_t>(table_.size());
    state_.pba_size = static_cast<std::uint32_t>(pba_.size());
    state_.table = table_.data();
    state_.pba = pba_.data();
    reset();
}

bool Msix::enabled() const
{
    return state_.control & PCI_MSIX_FLAGS_ENABLE;
}

bool Msix::function_masked() const
{
    return state_.control & PCI_MSIX_FLAGS_MASKALL;
}

std::uint32_t Msix::entry_word(std::uint32_t vector, unsigned word) const
{
    return static_cast<std::uint32_t>(
        load_le(std::span(table_).subspan(vector * PCI_MSIX_ENTRY_SIZE + word * 4, 4)));
}

void Msix::set_entry_word(std::uint32_t vector, unsigned word, std::uint32_t value)
{
    store_le(std::span(table_).subspan(vector * PCI_MSIX_ENTRY_SIZE + word * 4, 4), value);
}

bool Msix::vector_masked(std::uint32_t vector) const
{
    return entry_word(vector, PCI_MSIX_ENTRY_VECTOR_CTRL / 4) & PCI_MSIX_ENTRY_CTRL_MASKBIT;
}

bool Msix::pending(std::uint32_t vector) const
{
    return pba_[vector / 8] & (1u << (vector % 8));
}

void Msix::set_pending(std::uint32_t vector, bool on)
{
    const std::uint8_t bit = static_cast<std::uint8_t>(1u << (vector % 8));
    pba_[vector / 8] = static_cast<std::uint8_t>(on ? pba_[vector / 8] | bit
                                                    : pba_[vector / 8] & ~bit);
}

bool Msix::deliverable(std::uint32_t vector) const
{
    return enabled() && !function_masked() && !vector_masked(vector);
}

void Msix::reset()
{
    state_.control = 0;
    std::fill(table_.begin(), table_.end(), 0);
    std::fill(pba_.begin(), pba_.end(), 0);
    for (std::uint32_t v = 0; v < layout_.vectors; v++) {
        set_entry_word(v, PCI_MSIX_ENTRY_VECTOR_CTRL / 4, PCI_MSIX_ENTRY_CTRL_MASKBIT);
    }
}

bool Msix::write_control(std::uint16_t value)
{
    const bool was = enabled();
    state_.control = value & kControlBits;
    return was != enabled();
}

// The message of `vector` as its entry holds it now. Its pending bit is
// cleared first: the send may re-enter this function (a message aimed at
// the device's own table), which then sees a consistent PBA.
void Msix::send(std::uint32_t vector)
{
    set_pending(vector, false);
    const std::uint64_t address =
        (std::uint64_t(entry_word(vector, PCI_MSIX_ENTRY_UPPER_ADDR / 4)) << 32) |
        entry_word(vector, PCI_MSIX_ENTRY_LOWER_ADDR / 4);
    host_.send_msi(address, entry_word(vector, PCI_MSIX_ENTRY_DATA / 4));
}

void Msix::notify(std::uint32_t vector)
{
    if (!enabled() || vector >= layout_.vectors) {
        dev_.guest_error("mdev %s: MSI-X vector %u signalled while MSI-X is %s",
                         dev_.type().id.c_str(), vector,
                         enabled() ? "narrower (the table has fewer entries)" : "off");
        return;
    }
    if (!deliverable(vector)) {
        set_pending(vector, true);
        return;
    }
    send(vector);
}

void Msix::deliver_pending()
{
    // By index, re-checking each time: a message may re-enter and change
    // the table, the control word or the PBA under this loop.
    for (std::uint32_t v = 0; v < layout_.vectors; v++) {
        if (pending(v) && deliverable(v)) {
            send(v);
        }
    }
}

bool Msix::access_ok(const char *what, MdevVfioMsixArea area, std::uint64_t offset,
                     unsigned size)
{
    const std::uint64_t limit =
        area == MDEV_VFIO_MSIX_TABLE ? layout_.table_size() : layout_.pba_size();
    const char *why = nullptr;
    if (size != 4 && size != 8) {
        why = "is not a DWORD or QWORD access";
    } else if (offset % size != 0) {
        why = "is misaligned";
    } else if (offset >= limit || size > limit - offset) {
        why = "is past its end";
    }
    if (why) {
        dev_.guest_error("mdev %s: %u-byte %s of the %s at offset 0x%" PRIx64
                         " %s (it is 0x%" PRIx64 " bytes)",
                         dev_.type().id.c_str(), size, what, area_name(area), offset, why,
                         limit);
        return false;
    }
    return true;
}

std::uint64_t Msix::read(MdevVfioMsixArea area, std::uint64_t offset, unsigned size)
{
    if (!access_ok("read", area, offset, size)) {
        return size >= 8 ? ~std::uint64_t(0) : (std::uint64_t(1) << (8 * size)) - 1;
    }
    const std::vector<std::uint8_t> &bytes = area == MDEV_VFIO_MSIX_TABLE ? table_ : pba_;
    return load_le(std::span(bytes).subspan(offset, size));
}

bool Msix::write_ok(MdevVfioMsixArea area, std::uint64_t offset, unsigned size)
{
    if (!access_ok("write", area, offset, size)) {
        return false;
    }
    if (area == MDEV_VFIO_MSIX_PBA) {
        dev_.guest_error("mdev %s: %u-byte write to the MSI-X PBA at offset 0x%" PRIx64
                         ": the PBA is read-only",
                         dev_.type().id.c_str(), size, offset);
        return false;
    }
    return true;
}

void Msix::write(MdevVfioMsixArea area, std::uint64_t offset, std::uint64_t value, unsigned size)
{
    if (!write_ok(area, offset, size)) {
        return;
    }
    const std::uint32_t vector = static_cast<std::uint32_t>(offset / PCI_MSIX_ENTRY_SIZE);
    const bool was_masked = vector_masked(vector);
    for (unsigned i = 0; i < size / 4; i++) {
        const unsigned word = static_cast<unsigned>((offset % PCI_MSIX_ENTRY_SIZE) / 4 + i);
        std::uint32_t v = static_cast<std::uint32_t>(value >> (32 * i));
        switch (word * 4) {
        case PCI_MSIX_ENTRY_LOWER_ADDR:
            v &= ~3u; // DWORD-aligned messages: the low two bits read 0
            break;
        case PCI_MSIX_ENTRY_VECTOR_CTRL:
            v &= PCI_MSIX_ENTRY_CTRL_MASKBIT; // the other bits are reserved
            break;
        default:
            break;
        }
        set_entry_word(vector, word, v);
    }
    // Unmasking a pending vector sends it (§6.8.3.4).
    if (was_masked && !vector_masked(vector) && pending(vector) && deliverable(vector)) {
        send(vector);
    }
}

bool Msix::loaded_state_ok(std::string &why) const
{
    if (state_.control & ~kControlBits) {
        why = "Message Control has bits other than enable and function mask";
        return false;
    }
    for (std::uint32_t v = 0; v < layout_.vectors; v++) {
        if (entry_word(v, PCI_MSIX_ENTRY_LOWER_ADDR / 4) & 3u ||
            entry_word(v, PCI_MSIX_ENTRY_VECTOR_CTRL / 4) & ~PCI_MSIX_ENTRY_CTRL_MASKBIT) {
            why = "table entry " + std::to_string(v) + " has bits no guest can set";
            return false;
        }
        if (pending(v) && deliverable(v)) {
            why = "vector " + std::to_string(v) + " is pending but not masked";
            return false;
        }
    }
    for (std::uint64_t bit = layout_.vectors; bit < pba_.size() * 8; bit++) {
        if (pba_[bit / 8] & (1u << (bit % 8))) {
            why = "a pending bit past the table's " + std::to_string(layout_.vectors) +
                  " vectors is set";
            return false;
        }
    }
    return true;
}

} // namespace mdev::vfio
