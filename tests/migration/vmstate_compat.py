# SPDX-License-Identifier: GPL-2.0-or-later
"""Migration compatibility of the mdev devices against a checked-in baseline
(stdlib only; tests/migration/check and tests/migration/update-baseline).

Two parts, because QEMU's -dump-vmstate sees only each device type's own
VMState description, not the sections a device registers at realize:

  dump    -dump-vmstate reduced to the mdev-* device types (each entry holds
          the descriptions it references inline): baseline-dump.json, checked
          by QEMU's scripts/vmstate-static-checker.py (baseline = source,
          current build = destination), and by compare_dump() below for what
          that script lets through (a field appended without a version bump).
  vmdesc  every section of one device of each parent and class (mdev-identity,
          mdev-vfio-msix, mdev-virtio-pci and the device's own), as the JSON
          description QEMU appends to a saved stream lists it:
          baseline-vmdesc.json, checked by compare_vmdesc().

The rules are the static checker's: a section or field the destination no
longer has, a renamed field, a changed size or type, a lower version, or
(what the checker misses) a field added without a version bump or a
subsection is incompatible; a bumped version that still reads the old fields
in their order, or a new subsection, is compatible.
"""
import json
import os
import socket
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
QEMU = os.path.join(REPO, 'build', 'qemu', 'qemu-system-x86_64')
STATIC_CHECKER = os.path.join(REPO, 'build', 'src', 'qemu', 'scripts',
                              'vmstate-static-checker.py')
BASELINE_DUMP = os.path.join(HERE, 'baseline-dump.json')
BASELINE_VMDESC = os.path.join(HERE, 'baseline-vmdesc.json')
MACHINE = 'q35'

# One device of each parent and class (every -device mdev-* type with each
# class its parent has ops for), at fixed addresses so that section names
# are stable. Add a line here when a parent or class is added, then run
# tests/migration/update-baseline.
DEVICES = [
    ('mnvme-vfio', '04.0', 'mdev-mnvme,class=vfio'),
    ('mtty-vfio', '05.0', 'mdev-mtty,class=vfio,mdev-type=mtty-2'),
    ('mtty-virtio', '06.0', 'mdev-mtty,class=virtio,mdev-type=mtty-2'),
    ('mvnet-virtio', '07.0', 'mdev-mvnet,class=virtio'),
    ('mbochs-vfio', '08.0', 'mdev-mbochs,class=vfio'),
    ('mdpy-vfio', '09.0', 'mdev-mdpy,class=vfio'),
    ('gpio-vfio', '0a.0', 'mdev-gpio,class=vfio'),
    ('epf-test-vfio', '0b.0', 'mdev-epf-test,class=vfio'),
]

WHAT_TO_DO = """\
What to do: a change to a migrated layout must keep older streams loading.
  - a new field: put it in a new subsection (with a .needed), or bump the
    section's version_id and give the field VMSTATE_*_V(..., new_version);
  - a removed or resized field: bump version_id (and minimum_version_id if
    older streams can no longer load) or keep the old field (VMSTATE_UNUSED);
  - a renamed field or section: keep the old name.
Once the change is deliberate and versioned, record the new layout with
  tests/migration/update-baseline
and commit tests/migration/baseline-*.json with the change."""


# ---- the dump part --------------------------------------------------------

def dump_vmstate(qemu=QEMU):
    """-dump-vmstate of `qemu`, reduced to the mdev-* device types."""
    with tempfile.TemporaryDirectory(prefix='mdev-vmstate-') as tmp:
        path = os.path.join(tmp, 'dump.json')
        # Naming an mdev device loads the hw/mdev module, so that its types
        # are in the dump; -accel qtest: nothing runs.
        subprocess.run([qemu, '-M', MACHINE, '-nodefaults', '-display', 'none',
                        '-accel', 'qtest', '-qtest', 'null',
                        '-device', 'mdev-mtty,class=vfio', '-dump-vmstate', path],
                       check=True, stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=60)
        with open(path, encoding='utf-8') as f:
            full = json.load(f)
    reduced = {k: v for k, v in full.items() if k.startswith('mdev-')}
    if not reduced:
        raise RuntimeError(f'{qemu}: -dump-vmstate lists no mdev-* type '
                           '(hw/mdev module not loaded?)')
    reduced['vmschkmachine'] = full['vmschkmachine']
    return reduced


def static_checker(src_path, dest_path, checker=STATIC_CHECKER):
    """QEMU's vmstate-static-checker.py: (exit status, what it printed)."""
    p = subprocess.run(['python3', checker, '-s', src_path, '-d', dest_path],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=60)
    return p.returncode, (p.stdout + p.stderr).strip()


def _dump_fields(old, new, where, out):
    """Fields added to a description without a version bump (the static
    checker walks the source's fields only), recursively."""
    of, nf = old.get('Fields', []), new.get('Fields', [])
    if [f['field'] for f in nf[:len(of)]] == [f['field'] for f in of]:
        for f in nf[len(of):]:
            if f.get('version_id', 0) <= old.get('version_id', 0):
                out.append(f'{where}: field "{f["field"]}" added without a version '
                           f'bump (field version {f.get("version_id", 0)}, '
                           f'description version {old.get("version_id", 0)} in '
                           f'the baseline, {new.get("version_id", 0)} now)')
    for o in of:
        for n in nf:
            if n['field'] == o['field'] and 'Description' in o and 'Description' in n:
                _dump_fields(o['Description'], n['Description'],
                             f'{where}/{o["field"]}', out)
                break
    for o in old.get('Subsections', []):
        for n in new.get('Subsections', []):
            if n['name'] == o['name']:
                _dump_fields(o, n, f'{where}/{o["name"]}', out)


def compare_dump(old, new):
    """What the static checker lets through: fields appended to a baseline
    description without a version bump. A list of messages."""
    out = []
    for sec, o in old.items():
        if sec == 'vmschkmachine' or sec not in new:
            continue  # the static checker reports a missing section
        if 'Description' in o and 'Description' in new[sec]:
            _dump_fields(o['Description'], new[sec]['Description'], sec, out)
    return out


# ---- the vmdesc part ------------------------------------------------------

class Qmp:
    def __init__(self, path, proc, log, timeout=30.0):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(timeout)
        end = time.monotonic() + timeout
        while True:
            try:
                self.sock.connect(path)
                break
            except OSError:
                if proc.poll() is not None:
                    with open(log, encoding='utf-8', errors='replace') as f:
                        raise RuntimeError(f'QEMU exited ({proc.returncode}): '
                                           f'{f.read().strip()}') from None
                if time.monotonic() > end:
                    raise
                time.sleep(0.05)
        self.f = self.sock.makefile('rw')
        self.f.readline()
        self.cmd('qmp_capabilities')

    def cmd(self, name, **args):
        msg = {'execute': name}
        if args:
            msg['arguments'] = args
        self.f.write(json.dumps(msg) + '\n')
        self.f.flush()
        while True:
            line = self.f.readline()
            if not line:
                raise RuntimeError(f'QEMU closed QMP during {name}')
            r = json.loads(line)
            if 'event' in r:
                continue
            if 'return' not in r:
                raise RuntimeError(f'{name}: {r.get("error")}')
            return r['return']


def stream_description(data):
    """The JSON description at the end of a saved stream: QEMU_VM_VMDESCRIPTION
    (6), its length (big-endian 32 bits), then the JSON."""
    for p in range(len(data) - 5, -1, -1):
        if data[p] == 6 and data[p + 5:p + 6] == b'{' and \
                int.from_bytes(data[p + 1:p + 5], 'big') == len(data) - p - 5:
            return json.loads(data[p + 5:])
    raise RuntimeError('no VM description at the end of the stream')


def _normal_fields(fields):
    out = []
    for f in fields or []:
        n = {'name': f['name'], 'type': f['type'], 'size': f['size']}
        if 'array_len' in f:
            n['array_len'] = f['array_len']
        if 'struct' in f:
            n['struct'] = _normal_section(f['struct'])
        out.append(n)
    return out


def _normal_section(s):
    n = {'vmsd_name': s['vmsd_name'], 'version': s['version'],
         'fields': _normal_fields(s.get('fields'))}
    if s.get('subsections'):
        n['subsections'] = [_normal_section(x) for x in s['subsections']]
    return n


def vmdesc_sections(qemu=QEMU, devices=DEVICES):
    """{label: {section: layout}} for each device of `devices`, from the
    description of a stream saved by `qemu` (one QEMU, all the devices)."""
    with tempfile.TemporaryDirectory(prefix='mdev-vmstate-') as tmp:
        qmp_path = os.path.join(tmp, 'qmp.sock')
        mig = os.path.join(tmp, 'stream.mig')
        cmd = [qemu, '-M', MACHINE, '-nodefaults', '-display', 'none',
               '-accel', 'qtest', '-qtest', 'null', '-S',
               '-qmp', f'unix:{qmp_path},server=on,wait=off']
        for _, addr, dev in devices:
            cmd += ['-device', f'{dev},addr={addr}']
        log = os.path.join(tmp, 'qemu.log')
        with open(log, 'w', encoding='utf-8') as logf:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                    stdout=logf, stderr=subprocess.STDOUT)
        try:
            qmp = Qmp(qmp_path, proc, log)
            qmp.cmd('migrate', uri=f'file:{mig}')
            end = time.monotonic() + 60
            while True:
                st = qmp.cmd('query-migrate').get('status')
                if st == 'completed':
                    break
                if st in ('failed', 'cancelled') or time.monotonic() > end:
                    raise RuntimeError(f'migration to a file: {st}')
                time.sleep(0.05)
            qmp.cmd('quit')
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        with open(mig, 'rb') as f:
            desc = stream_description(f.read())
    out = {}
    for label, addr, _ in devices:
        prefix = f'0000:00:{addr}/'
        secs = {}
        for d in desc['devices']:
            if d['name'].startswith(prefix):
                secs[d['name'][len(prefix):]] = _normal_section(d)
        if not secs:
            raise RuntimeError(f'{label}: no section of 0000:00:{addr} in the stream')
        out[label] = secs
    # The machine's own mdev sections, of no device (mdev-inventory).
    machine = {d['name']: _normal_section(d) for d in desc['devices']
               if d['name'].startswith('mdev-')}
    if machine:
        out['machine'] = machine
    return out


def _describe(f):
    s = f'"{f["name"]}"'
    if 'array_len' in f:
        s += f'[{f["array_len"]}]'
    return s + f' ({f["type"]}, {f["size"]} bytes)'


def _same_field(o, n, where, bumped, out):
    """o (baseline) against n (now): name, type, size, array length, struct."""
    if o['name'] != n['name']:
        out.append(f'{where}: expected field {_describe(o)}, got {_describe(n)}')
        return False
    for k in ('type', 'size', 'array_len'):
        if o.get(k) != n.get(k):
            out.append(f'{where}: field "{o["name"]}" {k} was {o.get(k)}, is '
                       f'{n.get(k)} now')
            return False
    if 'struct' in o or 'struct' in n:
        if 'struct' not in o or 'struct' not in n:
            out.append(f'{where}: field "{o["name"]}" is{" no longer" if "struct" in o else " now"} a struct')
            return False
        _compare_section(o['struct'], n['struct'], f'{where}/{o["name"]}', out)
    return True


def _compare_section(o, n, where, out):
    if o['vmsd_name'] != n['vmsd_name']:
        out.append(f'{where}: description "{o["vmsd_name"]}" is "{n["vmsd_name"]}" now')
        return
    if n['version'] < o['version']:
        out.append(f'{where}: version {o["version"]} in the baseline, {n["version"]} now '
                   '(a destination never loads a newer version)')
        return
    bumped = n['version'] > o['version']
    of, nf = o['fields'], n['fields']
    if not bumped:
        # Same version: the very same fields in the same order.
        for i, f in enumerate(of):
            if i >= len(nf):
                out.append(f'{where}: field {_describe(f)} is gone, version still '
                           f'{o["version"]}')
                return
            if not _same_field(f, nf[i], where, False, out):
                return
        for f in nf[len(of):]:
            out.append(f'{where}: field {_describe(f)} added without a version bump '
                       f'(version {o["version"]}) or a subsection')
    else:
        # Bumped: the old fields must still come in their order (new ones,
        # read only from the new version on, may come between them).
        j = 0
        for f in of:
            while j < len(nf) and nf[j]['name'] != f['name']:
                j += 1
            if j == len(nf):
                out.append(f'{where}: field {_describe(f)} of version {o["version"]} '
                           f'is gone (or out of order) in version {n["version"]}: '
                           'a stream of the old version no longer loads')
                return
            if not _same_field(f, nf[j], where, True, out):
                return
            j += 1
    nsubs = {s['vmsd_name']: s for s in n.get('subsections', [])}
    for s in o.get('subsections', []):
        if s['vmsd_name'] not in nsubs:
            out.append(f'{where}: subsection "{s["vmsd_name"]}" is no longer sent; '
                       'the destination must still accept it')
        else:
            _compare_section(s, nsubs[s['vmsd_name']],
                             f'{where}/{s["vmsd_name"]}', out)


def compare_vmdesc(old, new):
    """Baseline {label: {section: layout}} against the current build's; a
    list of messages, empty when every baseline stream still loads."""
    out = []
    for label, secs in old.items():
        if label not in new:
            out.append(f'{label}: device not checked any more (DEVICES in '
                       'tests/migration/vmstate_compat.py)')
            continue
        for name, o in secs.items():
            if name not in new[label]:
                out.append(f'{label}: section "{name}" is gone (its streams no '
                           'longer load)')
                continue
            _compare_section(o, new[label][name], f'{label}: {name}', out)
        for name in new[label]:
            if name not in secs:
                out.append(f'{label}: new section "{name}" not in the baseline '
                           '(a stream without it must still load: run '
                           'tests/migration/update-baseline once it does)')
    for label in new:
        if label not in old:
            out.append(f'{label}: not in the baseline (run '
                       'tests/migration/update-baseline)')
    return out


def write_json(path, data):
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write('\n')
