# SPDX-License-Identifier: GPL-2.0-or-later
"""A minimal QMP client for the host side of guest tests (stdlib only):
connect to QEMU's -qmp unix socket, run commands, wait for events."""
import json
import socket
import time


class QmpError(RuntimeError):
    pass


class Qmp:
    def __init__(self, sock_path, timeout=30.0):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(timeout)
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock.connect(str(sock_path))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.f = self.sock.makefile("rw")
        self.events = []
        self._read()  # greeting
        self.cmd("qmp_capabilities")

    def _read(self):
        line = self.f.readline()
        if not line:
            raise QmpError("QEMU closed the QMP connection")
        return json.loads(line)

    def _reply(self):
        while True:
            m = self._read()
            if "event" in m:
                self.events.append(m)
            else:
                return m

    def execute(self, name, **args):
        """The whole reply: {"return": ...} or {"error": ...}."""
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.f.write(json.dumps(msg) + "\n")
        self.f.flush()
        return self._reply()

    def cmd(self, name, **args):
        """The command's return value; QmpError on an error reply."""
        r = self.execute(name, **args)
        if "return" not in r:
            raise QmpError(f"{name}: {r.get('error')}")
        return r["return"]

    def wait_event(self, name, timeout):
        """The first event `name` (seen before or within `timeout` s)."""
        deadline = time.monotonic() + timeout
        while True:
            for i, e in enumerate(self.events):
                if e["event"] == name:
                    return self.events.pop(i)
            left = deadline - time.monotonic()
            if left <= 0:
                raise QmpError(f"no {name} event within {timeout:.0f} s")
            self.sock.settimeout(left)
            try:
                self.events.append(self._read())
            except socket.timeout:
                raise QmpError(f"no {name} event within {timeout:.0f} s") from None

    def close(self):
        self.sock.close()
