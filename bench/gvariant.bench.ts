/**
 * GVariant benchmark: encode/decode of a 10 000-entry dirtree `(a(say)a(sayay))` and a 10 000-ref
 * summary `(a(s(taya{sv}))a{sv})`, ours vs GLib through python3-gi on the same values.
 *
 * Rows (best of `--runs=N`, default 5; times are per operation, measured inside each process):
 * - `encode`: ours `encode(type, value)` from prebuilt JS values; GLib builds the GVariant tree with
 *   `g_variant_new_*` from prebuilt Python values and serializes it (`get_data_as_bytes`), so its
 *   number includes PyGI call overhead;
 * - `decode`: ours `decode` (strict, full materialization); GLib `new_from_bytes` +
 *   `is_normal_form` + `unpack()` (full materialization into Python objects);
 * - `normal-form check`: ours `isNormalForm`; GLib `new_from_bytes(…, trusted=False).is_normal_form()`
 *   — pure C on the GLib side, the fairest comparison.
 * The two sides' serializations are compared byte for byte first.
 *
 * Usage: `node bench/run.mjs gvariant [-- --runs=5 --n=10000]`.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { encode, decode, isNormalForm } from '../src/gvariant/codec.js';
import { Variant, type GVValue } from '../src/gvariant/value.js';
import { report, type Row } from './lib.js';

const args = process.argv.slice(2);
const runs = Number(/^--runs=(\d+)$/.exec(args.find((a) => a.startsWith('--runs=')) ?? '')?.[1] ?? 5);
const n = Number(/^--n=(\d+)$/.exec(args.find((a) => a.startsWith('--n=')) ?? '')?.[1] ?? 10000);

const csum = (s: string): Uint8Array => new Uint8Array(createHash('sha256').update(s).digest());
const name = (i: number): string => `file-${String(i).padStart(6, '0')}.txt`;

const DIRTREE = '(a(say)a(sayay))';
const dirtree: GVValue = [
  Array.from({ length: n }, (_, i) => [name(i), csum('f' + i)]),
  [],
];
const SUMMARY = '(a(s(taya{sv}))a{sv})';
const summary: GVValue = [
  Array.from({ length: n }, (_, i) => [
    `app/org.example.App${i}/x86_64/stable`,
    [BigInt(1000 + i), csum('c' + i), [['ostree.commit.timestamp', new Variant('t', BigInt(1_600_000_000 + i))]]],
  ]),
  [
    ['ostree.summary.last-modified', new Variant('t', 1_700_000_000n)],
    ['ostree.summary.mode', new Variant('s', 'archive-z2')],
  ],
];

const PY = String.raw`
import sys, time, json, hashlib
from gi.repository import GLib
n, runs = int(sys.argv[1]), int(sys.argv[2])
def csum(s): return hashlib.sha256(s.encode()).digest()
def name(i): return 'file-%06d.txt' % i
V = GLib.Variant
ay = GLib.VariantType.new('ay')
def bytesv(b): return V.new_from_bytes(ay, GLib.Bytes.new(b), True)
files = [(name(i), csum('f%d' % i)) for i in range(n)]
refs = [('app/org.example.App%d/x86_64/stable' % i, 1000 + i, csum('c%d' % i), 1600000000 + i) for i in range(n)]
def build_dirtree():
    fe = [V.new_tuple(V.new_string(a), bytesv(b)) for a, b in files]
    return V.new_tuple(V.new_array(GLib.VariantType.new('(say)'), fe), V.new_array(GLib.VariantType.new('(sayay)'), []))
sv = GLib.VariantType.new('{sv}')
def build_summary():
    rs = []
    for r, size, c, ts in refs:
        md = V.new_array(sv, [V.new_dict_entry(V.new_string('ostree.commit.timestamp'), V.new_variant(V.new_uint64(ts)))])
        rs.append(V.new_tuple(V.new_string(r), V.new_tuple(V.new_uint64(size), bytesv(c), md)))
    meta = V.new_array(sv, [V.new_dict_entry(V.new_string('ostree.summary.last-modified'), V.new_variant(V.new_uint64(1700000000))),
                            V.new_dict_entry(V.new_string('ostree.summary.mode'), V.new_variant(V.new_string('archive-z2')))])
    return V.new_tuple(V.new_array(GLib.VariantType.new('(s(taya{sv}))'), rs), meta)
out = {}
for key, typ, build in (('dirtree', '(a(say)a(sayay))', build_dirtree), ('summary', '(a(s(taya{sv}))a{sv})', build_summary)):
    best = {'encode': 1e9, 'decode': 1e9, 'normal': 1e9}
    data = None
    vt = GLib.VariantType.new(typ)
    for _ in range(runs):
        t = time.perf_counter(); g = build(); data = g.get_data_as_bytes().get_data(); best['encode'] = min(best['encode'], time.perf_counter() - t)
        t = time.perf_counter(); d = V.new_from_bytes(vt, GLib.Bytes.new(data), False); assert d.is_normal_form(); d.unpack(); best['decode'] = min(best['decode'], time.perf_counter() - t)
        t = time.perf_counter(); d = V.new_from_bytes(vt, GLib.Bytes.new(data), False); assert d.is_normal_form(); best['normal'] = min(best['normal'], time.perf_counter() - t)
    out[key] = {'ms': {k: v * 1000 for k, v in best.items()}, 'sha': hashlib.sha256(data).hexdigest(), 'size': len(data)}
import resource
out['rss'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps(out))
`;

const r = spawnSync('/usr/bin/python3', ['-c', PY, String(n), String(runs)], { encoding: 'utf8', maxBuffer: 1 << 28 });
if (r.status !== 0) throw new Error(`python3-gi failed: ${r.stderr}`);
const glib = JSON.parse(r.stdout) as Record<string, { ms: Record<string, number>; sha: string; size: number }> & { rss: number };

function best(fn: () => unknown): number {
  let b = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    b = Math.min(b, performance.now() - t);
  }
  return b;
}

const rows: Row[] = [];
for (const [key, type, value] of [['dirtree', DIRTREE, dirtree], ['summary', SUMMARY, summary]] as const) {
  const bytes = encode(type, value);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== glib[key]!.sha) throw new Error(`${key}: our serialization differs from GLib's`);
  const rss = process.resourceUsage().maxRSS;
  const g = glib[key]!.ms;
  const mk = (ms: number) => ({ ms, maxRssKiB: rss });
  const theirs = (ms: number) => ({ ms, maxRssKiB: glib.rss });
  const extra = { bytes: bytes.length, identical: 'yes' };
  rows.push({ name: `${key} encode`, ours: mk(best(() => encode(type, value))), theirs: theirs(g.encode!), extra });
  rows.push({ name: `${key} decode`, ours: mk(best(() => decode(type, bytes))), theirs: theirs(g.decode!) });
  rows.push({ name: `${key} normal-form check`, ours: mk(best(() => isNormalForm(type, bytes))), theirs: theirs(g.normal!) });
}
report(`GVariant, n=${n}, best of ${runs} (theirs = GLib via python3-gi)`, rows);
