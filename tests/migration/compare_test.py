#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Unit tests of tests/migration's comparison, on fixtures: the checked-in
baselines, changed in a scratch copy the way a developer might break a
stream (and the ways that keep it loading). TAP through unittest's runner is
not needed: tests/migration/check runs these and counts each as one line.
Run alone: python3 tests/migration/compare_test.py -v"""
import copy
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vmstate_compat as vc  # noqa: E402


def load(path):
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def field(desc, name):
    return next(f for f in desc['Fields'] if f['field'] == name)


class DumpTest(unittest.TestCase):
    """-dump-vmstate fixtures through QEMU's own static checker and
    compare_dump()."""

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(vc.STATIC_CHECKER):
            raise unittest.SkipTest(f'{vc.STATIC_CHECKER} missing: run scripts/setup')
        cls.base = load(vc.BASELINE_DUMP)

    def check(self, new):
        """(static checker's exit status and output, compare_dump's messages)."""
        with tempfile.TemporaryDirectory(prefix='mdev-vmstate-test-') as tmp:
            path = os.path.join(tmp, 'new.json')
            vc.write_json(path, new)
            rc, out = vc.static_checker(vc.BASELINE_DUMP, path)
        return rc, out, vc.compare_dump(self.base, new)

    def mtty_dev(self, d):
        # mdev-mtty's own description: the mtty/device subsection's struct.
        sub = d['mdev-mtty']['Description']['Subsections'][0]
        return sub['Fields'][0]['Description']

    def test_unchanged_is_compatible(self):
        rc, out, extra = self.check(copy.deepcopy(self.base))
        self.assertEqual(rc, 0, out)
        self.assertEqual(extra, [])

    def test_renamed_field(self):
        new = copy.deepcopy(self.base)
        new['mdev-mtty']['Description']['Fields'][0]['field'] = 'parent_obj.parent_obj'
        rc, out, _ = self.check(new)
        self.assertNotEqual(rc, 0)
        self.assertIn('expected field "parent_obj", got "parent_obj.parent_obj"', out)

    def test_resized_field(self):
        new = copy.deepcopy(self.base)
        port = field(self.mtty_dev(new), 'port')['Description']
        field(port, 'rx_fifo')['num'] = 32
        field(port, 'rx_head')['size'] = 2
        rc, out, _ = self.check(new)
        self.assertNotEqual(rc, 0)
        self.assertIn('size mismatch', out)

    def test_removed_type(self):
        new = copy.deepcopy(self.base)
        del new['mdev-gpio']
        rc, out, _ = self.check(new)
        self.assertNotEqual(rc, 0)
        self.assertIn('"mdev-gpio" does not exist in dest', out)

    def test_removed_subsection(self):
        new = copy.deepcopy(self.base)
        new['mdev-mtty']['Description']['Subsections'] = []
        rc, out, _ = self.check(new)
        self.assertNotEqual(rc, 0)
        self.assertIn('not found', out)

    def test_added_field_without_bump(self):
        # The static checker walks the source's fields only: it passes this,
        # compare_dump() must not.
        new = copy.deepcopy(self.base)
        dev = self.mtty_dev(new)
        dev['Fields'].append({'field': 'new_reg', 'version_id': 0,
                              'field_exists': False, 'size': 4})
        rc, out, extra = self.check(new)
        self.assertEqual(rc, 0, out)
        self.assertEqual(len(extra), 1)
        self.assertIn('"new_reg" added without a version bump', extra[0])

    def test_added_field_with_bump_is_compatible(self):
        new = copy.deepcopy(self.base)
        dev = self.mtty_dev(new)
        dev['version_id'] += 1
        dev['Fields'].append({'field': 'new_reg', 'version_id': dev['version_id'],
                              'field_exists': False, 'size': 4})
        rc, out, extra = self.check(new)
        self.assertEqual(rc, 0, out)
        self.assertEqual(extra, [])

    def test_new_subsection_is_compatible(self):
        new = copy.deepcopy(self.base)
        subs = new['mdev-mtty']['Description']['Subsections']
        subs.append({'name': 'mdev-mtty/extra', 'version_id': 1,
                     'minimum_version_id': 1,
                     'Fields': [{'field': 'x', 'version_id': 0,
                                 'field_exists': False, 'size': 4}]})
        rc, out, extra = self.check(new)
        self.assertEqual(rc, 0, out)
        self.assertEqual(extra, [])

    def test_lower_version(self):
        new = copy.deepcopy(self.base)
        new['mdev-mnvme']['version_id'] = 0
        new['mdev-mnvme']['Description']['version_id'] = 0
        rc, out, _ = self.check(new)
        self.assertNotEqual(rc, 0)
        self.assertIn('version error', out)


class VmdescTest(unittest.TestCase):
    """Realize-time section fixtures through compare_vmdesc()."""

    @classmethod
    def setUpClass(cls):
        cls.base = load(vc.BASELINE_VMDESC)

    def virtio_transport(self, d):
        return next(f for f in d['mtty-virtio']['mdev-virtio-pci']['fields']
                    if f['name'] == 'virtio_state')['struct']

    def test_unchanged_is_compatible(self):
        self.assertEqual(vc.compare_vmdesc(self.base, copy.deepcopy(self.base)), [])

    def test_every_parent_and_class(self):
        self.assertEqual(sorted(self.base),
                         sorted(['machine'] + [l for l, _, _ in vc.DEVICES]))
        self.assertEqual(sorted(self.base['machine']), ['mdev-inventory'])
        for label, secs in self.base.items():
            if label == 'machine':
                continue
            self.assertIn('mdev-identity', secs, label)
            if label.endswith('-virtio'):
                self.assertIn('mdev-virtio-pci', secs, label)

    def test_renamed_field(self):
        new = copy.deepcopy(self.base)
        new['mnvme-vfio']['mdev-vfio-msix']['fields'][0]['name'] = 'state'
        msgs = vc.compare_vmdesc(self.base, new)
        self.assertEqual(len(msgs), 1, msgs)
        self.assertIn('expected field "msix_state"', msgs[0])

    def test_added_field_without_bump(self):
        new = copy.deepcopy(self.base)
        t = self.virtio_transport(new)
        t['fields'].append({'name': 'status', 'type': 'uint8', 'size': 1})
        msgs = vc.compare_vmdesc(self.base, new)
        self.assertEqual(len(msgs), 1, msgs)
        self.assertIn('"status" (uint8, 1 bytes) added without a version bump', msgs[0])

    def test_added_field_with_bump_is_compatible(self):
        new = copy.deepcopy(self.base)
        t = self.virtio_transport(new)
        t['version'] += 1
        t['fields'].insert(3, {'name': 'status', 'type': 'uint8', 'size': 1})
        self.assertEqual(vc.compare_vmdesc(self.base, new), [])

    def test_bump_that_drops_an_old_field(self):
        new = copy.deepcopy(self.base)
        t = self.virtio_transport(new)
        t['version'] += 1
        del t['fields'][0]
        msgs = vc.compare_vmdesc(self.base, new)
        self.assertEqual(len(msgs), 1, msgs)
        self.assertIn('no longer loads', msgs[0])

    def test_resized_array(self):
        new = copy.deepcopy(self.base)
        q = next(f for f in self.virtio_transport(new)['fields'] if f['name'] == 'queue')
        q['array_len'] = 32
        msgs = vc.compare_vmdesc(self.base, new)
        self.assertEqual(len(msgs), 1, msgs)
        self.assertIn('array_len was 64, is 32', msgs[0])

    def test_changed_type(self):
        new = copy.deepcopy(self.base)
        f = new['mtty-vfio']['mdev-identity']['fields'][1]
        f['type'] = 'uint16'
        msgs = vc.compare_vmdesc(self.base, new)
        self.assertEqual(len(msgs), 1, msgs)
        self.assertIn('type was uint8, is uint16', msgs[0])

    def test_removed_section(self):
        new = copy.deepcopy(self.base)
        del new['epf-test-vfio']['mdev-vfio-msix']
        msgs = vc.compare_vmdesc(self.base, new)
        self.assertEqual(len(msgs), 1, msgs)
        self.assertIn('section "mdev-vfio-msix" is gone', msgs[0])

    def test_lower_version(self):
        new = copy.deepcopy(self.base)
        new['gpio-vfio']['mdev-identity']['version'] = 1
        msgs = vc.compare_vmdesc(self.base, new)
        self.assertEqual(len(msgs), 1, msgs)
        self.assertIn('version 2 in the baseline, 1 now', msgs[0])

    def test_new_device_needs_baseline(self):
        new = copy.deepcopy(self.base)
        new['mtty1-vfio'] = copy.deepcopy(new['mtty-vfio'])
        msgs = vc.compare_vmdesc(self.base, new)
        self.assertEqual(len(msgs), 1, msgs)
        self.assertIn('update-baseline', msgs[0])


class CheckTest(unittest.TestCase):
    """tests/migration/check itself against this build, with a scratch
    baseline that this build no longer loads: the issue's own case (a stream
    whose PCI state was "parent_obj.parent_obj") and a realize-time field the
    build no longer sends."""

    def test_check_fails_on_a_stale_baseline(self):
        if not os.access(vc.QEMU, os.X_OK) or not os.path.exists(vc.STATIC_CHECKER):
            self.skipTest('build/qemu not built: run scripts/setup')
        dump = load(vc.BASELINE_DUMP)
        dump['mdev-mtty']['Description']['Fields'][0]['field'] = 'parent_obj.parent_obj'
        vmdesc = load(vc.BASELINE_VMDESC)
        vmdesc['mvnet-virtio']['mdev-identity']['fields'].append(
            {'name': 'old_field', 'type': 'uint32', 'size': 4})
        with tempfile.TemporaryDirectory(prefix='mdev-vmstate-test-') as tmp:
            vc.write_json(os.path.join(tmp, 'baseline-dump.json'), dump)
            vc.write_json(os.path.join(tmp, 'baseline-vmdesc.json'), vmdesc)
            p = subprocess.run([os.path.join(vc.HERE, 'check'), '--no-unit',
                                '--baseline-dir', tmp, '--qemu', vc.QEMU,
                                '--static-checker', vc.STATIC_CHECKER],
                               capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn('not ok 1 - dump', p.stdout)
        self.assertIn('expected field "parent_obj.parent_obj", got "parent_obj"', p.stdout)
        self.assertIn('ok 2 - dump', p.stdout)
        self.assertIn('not ok 3 - vmdesc', p.stdout)
        self.assertIn('mvnet-virtio: mdev-identity: field "old_field" (uint32, 4 bytes) is gone',
                      p.stdout)
        self.assertIn('tests/migration/update-baseline', p.stdout)


if __name__ == '__main__':
    unittest.main()
