// SPDX-License-Identifier: GPL-2.0-or-later
// The UUID that names an mdev, as written to a type's `create` file in sysfs.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mdev {

class Uuid {
public:
    // Accepts the canonical 8-4-4-4-12 form, hex digits in either case.
    static std::optional<Uuid> parse(std::string_view text);

    // Lower-case canonical form.
    std::string to_string() const;

    friend bool operator==(const Uuid &, const Uuid &) = default;

private:
    std::array<std::uint8_t, 16> bytes_{};
};

} // namespace mdev
