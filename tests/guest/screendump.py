# SPDX-License-Identifier: GPL-2.0-or-later
"""Host side of guest tests that draw on a display: when the guest prints
"=== MDEV-HOST-SCREENDUMP ===", take a QMP screendump of a device's console
and check it, then answer the guest with one line on its console
("host-ok ..." or "host-fail ..."). Used by tests/guest/run."""
import time

from qmp import Qmp, QmpError

MARKER = "=== MDEV-HOST-SCREENDUMP ==="


def qmp_screendump(sock_path, device, path, fmt="ppm", timeout=30.0):
    q = Qmp(sock_path, timeout)
    try:
        q.cmd("screendump", filename=str(path), device=device, format=fmt)
    except QmpError as e:
        raise RuntimeError(f"screendump: {e}") from None
    finally:
        q.close()


def read_ppm(path):
    data = open(path, "rb").read()
    parts = data.split(b"\n", 3)
    if parts[0] != b"P6" or parts[2] != b"255":
        raise ValueError(f"{path}: not a binary PPM of maxval 255")
    w, h = map(int, parts[1].split())
    rgb = parts[3]
    if len(rgb) != w * h * 3:
        raise ValueError(f"{path}: {len(rgb)} bytes of pixels for {w}x{h}")
    return w, h, rgb


# mdpydraw's pattern (tests/guest/progs/mdpydraw.c), as 0xRRGGBB.
BARS = [0xffffff, 0xffff00, 0x00ffff, 0x00ff00, 0xff00ff, 0xff0000, 0x0000ff, 0x000000]


def mdpydraw_pattern(x, y, w, h):
    if x == 0 or y == 0 or x == w - 1 or y == h - 1:
        return 0xffffff
    if y < h * 3 // 4:
        return BARS[x * 8 // w]
    g = x * 255 // (w - 1)
    return g << 16 | g << 8 | g


def check_pattern(path, mode, pattern):
    """-> (ok, message): every pixel of the screendump is pattern(x, y, w, h)."""
    w, h, rgb = read_ppm(path)
    want_w, want_h = map(int, mode.split("x"))
    if (w, h) != (want_w, want_h):
        return False, f"screendump is {w}x{h}, want {mode}"
    bad, first = 0, None
    for y in range(h):
        row = y * w * 3
        for x in range(w):
            i = row + x * 3
            v = rgb[i] << 16 | rgb[i + 1] << 8 | rgb[i + 2]
            if v != pattern(x, y, w, h):
                bad += 1
                if first is None:
                    first = f"({x},{y}) = {v:06x}, want {pattern(x, y, w, h):06x}"
    if bad:
        return False, f"{bad} of {w * h} pixels differ from the pattern, first {first}"
    return True, f"all {w * h} pixels of the {w}x{h} screendump match the pattern"


def check_mdpydraw(path, mode):
    """-> (ok, message): every pixel of the screendump is mdpydraw's."""
    return check_pattern(path, mode, mdpydraw_pattern)


# fbdraw's pattern (tests/guest/progs/fbdraw.c, drawn through /dev/fb0 by
# tests/display.sh), as 0xRRGGBB.
def fbdraw_pattern(x, y, w, h):
    blue = 0xC0 if ((x >> 5) ^ (y >> 5)) & 1 else 0x40
    return (x * 256 // w) << 16 | (y * 256 // h) << 8 | blue


def check_fbdraw(path, mode):
    """-> (ok, message): every pixel of the screendump is fbdraw's."""
    return check_pattern(path, mode, fbdraw_pattern)


# Which check a guest test's screendump gets, by the test's name.
CHECKS = {"mdpy": check_mdpydraw, "display": check_fbdraw}

# How long a drawn picture may take to reach the display's memory. Linux's
# fbdev emulation on bochs-drm (drm_fbdev_generic) draws into a shadow
# buffer; fbdraw's msync() flushes the deferred I/O, which only schedules
# the damage worker that copies the shadow into VRAM, so "pattern drawn"
# can come before the copy (seen under load: a screendump entirely black).
SETTLE_S = 30.0


def settled(take, check, limit=SETTLE_S, interval=0.25):
    """take() writes the picture, check() -> (ok, message); repeated until
    the check passes or `limit` seconds have passed: the last (ok, message),
    with the wait added to the message when it took more than one look."""
    start = time.monotonic()
    looks = 0
    while True:
        take()
        looks += 1
        good, msg = check()
        waited = time.monotonic() - start
        if good or waited >= limit:
            if looks > 1:
                msg += f" (after {looks} looks, {waited:.1f} s)"
            return good, msg
        time.sleep(interval)
