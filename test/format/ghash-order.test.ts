import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ghashOrder, ghashOrderEntries, gStrHash } from '../../src/format/ghash-order.js';

const PY = '/usr/bin/python3';
const SCRIPT = `
import sys, json
from gi.repository import GLib
out = []
for keys in json.load(sys.stdin):
    d = GLib.VariantDict.new(None)
    for k in keys:
        d.insert_value(k, GLib.Variant('s', ''))
    v = d.end()
    out.append([v.get_child_value(i).get_child_value(0).get_string() for i in range(v.n_children())])
json.dump(out, sys.stdout)
`;

function haveGi(): boolean {
  if (!existsSync(PY)) return false;
  return spawnSync(PY, ['-c', 'from gi.repository import GLib'], { encoding: 'utf8' }).status === 0;
}
const gi = haveGi();
if (!gi && !process.env.CI) console.log('ghash-order: skipping GLib comparison: /usr/bin/python3 with gi not available');

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('GHashTable order emulation (§6.4)', () => {
  it('hashes like g_str_hash (signed chars)', () => {
    expect(gStrHash('')).toBe(5381);
    expect(gStrHash('a')).toBe((5381 * 33 + 97) >>> 0);
    expect(gStrHash('\u00e9')).toBe(((((5381 * 33) >>> 0) + (0xc3 - 256)) * 33 + (0xa9 - 256)) >>> 0);
  });
  it('matches the order observed in real summaries', () => {
    expect(
      ghashOrder([
        'ostree.static-deltas',
        'ostree.summary.last-modified',
        'ostree.summary.mode',
        'ostree.summary.tombstone-commits',
        'ostree.summary.indexed-deltas',
      ]),
    ).toEqual([
      'ostree.summary.mode',
      'ostree.summary.last-modified',
      'ostree.summary.tombstone-commits',
      'ostree.static-deltas',
      'ostree.summary.indexed-deltas',
    ]);
    expect(ghashOrder(['ostree.commit.timestamp', 'ostree.commit.version'])).toEqual(['ostree.commit.version', 'ostree.commit.timestamp']);
  });
  it('last write wins in place', () => {
    const r = ghashOrderEntries([
      ['a', 1],
      ['b', 2],
      ['a', 3],
    ]);
    expect(r.length).toBe(2);
    expect(r.find((e) => e[0] === 'a')![1]).toBe(3);
    expect(ghashOrder(['a', 'b', 'a'])).toEqual(ghashOrder(['a', 'b']));
  });
  it.skipIf(!gi && !process.env.CI)('matches GLib VariantDict on 400 random key sets', () => {
    const r = rng(12345);
    const alphabet = ['a', 'b', 'z', '.', '-', '_', '0', '9', 'é', '日', '\u{1F600}', 'ostree.', 'K'];
    const sets: string[][] = [];
    for (let n = 0; n < 400; n++) {
      const count = n < 50 ? n : 1 + Math.floor(r() * (n % 3 === 0 ? 1500 : 120));
      const keys: string[] = [];
      for (let i = 0; i < count; i++) {
        const len = 1 + Math.floor(r() * 12);
        let k = '';
        for (let j = 0; j < len; j++) k += alphabet[Math.floor(r() * alphabet.length)];
        keys.push(k);
        if (r() < 0.05 && keys.length > 1) keys.push(keys[Math.floor(r() * keys.length)]!);
      }
      sets.push(keys);
    }
    const res = spawnSync(PY, ['-c', SCRIPT], { input: JSON.stringify(sets), encoding: 'utf8', maxBuffer: 1 << 28 });
    expect(res.status, res.stderr).toBe(0);
    const expected = JSON.parse(res.stdout) as string[][];
    for (let i = 0; i < sets.length; i++) expect(ghashOrder(sets[i]!), `set ${i}`).toEqual(expected[i]);
  });
});
