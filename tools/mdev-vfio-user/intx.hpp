// SPDX-License-Identifier: GPL-2.0-or-later
// A served device's INTx pin as VFIO gives it to a client: level-triggered
// with automasking. An assertion fires the client's eventfd once and masks
// the line, until the client unmasks it (QEMU's vfio-pci and vfio-user-pci
// do on the guest's first BAR access after the interrupt, and lower the
// guest's pin then).
//
// One difference from the kernel's vfio-pci, for speed over a socket: an
// unmask that finds the line still asserted does not fire at once. The
// client unmasks on the first access of the guest's interrupt handler, and
// the handler usually goes on to clear the cause with its next accesses; a
// fire at the unmask would make every access of the handler an interrupt,
// an eventfd through the client's main loop and another unmask message
// (three socket and thread hand-offs per register access, where one would
// do). So the fire is deferred: it happens when the client has sent
// nothing for `quiet` (the handler is over and left the line up) or at the
// latest `longest` after the unmask; if the device lowers the line in the
// meantime nothing fires. An assertion of a lowered line fires at once, as
// before. No interrupt is lost: a line still up is signalled within
// `longest`.
#pragma once

#include <chrono>
#include <functional>
#include <optional>

namespace mdev::vfio_user {

class IntxLine {
public:
    using Clock = std::chrono::steady_clock;
    struct Timing {
        Clock::duration quiet;
        Clock::duration longest;
    };
    static constexpr Timing kDefaultTiming{std::chrono::microseconds(200),
                                           std::chrono::microseconds(2000)};

    // fire: signals the client's eventfd; false when it could not (no
    // client, or INTx not enabled by it), and the line then stays unmasked.
    IntxLine(std::function<bool()> fire, Timing timing = kDefaultTiming)
        : fire_(std::move(fire)), timing_(timing)
    {
    }

    // The device's level.
    void set_level(bool asserted);
    // The client's SET_IRQS mask and unmask of the line.
    void mask() { masked_ = true; }
    void unmask(Clock::time_point now);
    // The client sent a message at `now`.
    void activity(Clock::time_point now) { last_activity_ = now; }
    // When due() has something to do, if anything.
    std::optional<Clock::time_point> deadline() const;
    // Fires a deferred assertion whose time has come.
    void due(Clock::time_point now);
    // A device reset: unmasked, nothing deferred (the level stays as the
    // device holds it).
    void reset();

    bool level() const { return level_; }
    bool masked() const { return masked_; }
    bool deferred() const { return deferred_; }

private:
    void fire();

    std::function<bool()> fire_;
    Timing timing_;
    bool level_ = false;
    bool masked_ = false;
    bool deferred_ = false; // unmasked while asserted: fire at deadline()
    Clock::time_point unmasked_at_{};
    Clock::time_point last_activity_{};
};

} // namespace mdev::vfio_user
