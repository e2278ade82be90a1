// SPDX-License-Identifier: GPL-2.0-or-later
// Precompiled once per library, then given to every C++ file of it (meson's
// cpp_pch): the standard headers the core, frontends and samples use. Parsing
// them was about half of each file's compile time, and the C++ is a large
// part of a cold build. Only standard headers belong here: a project header
// in this list would make every file depend on it, and changing it would
// rebuild them all. Each file still includes what it uses; the clang fuzz
// builds compile without this header and catch a file that does not.
#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>
