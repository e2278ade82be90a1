// SPDX-License-Identifier: GPL-2.0-or-later
// Precompiled once for the unit-test executables (meson's cpp_pch):
// GoogleTest and GoogleMock, whose headers took most of each test file's
// compile time, and the standard headers the tests use. Only headers from
// outside the project belong here (see hw/mdev/pch/mdev_pch.hpp).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>
