/**
 * Test helper: GLib's GVariant through python3-gi (Debian's /usr/bin/python3), driven in one batch.
 *
 * Values cross the process boundary as tagged JSON (see {@link toJson}); the Python side rebuilds
 * them with the `g_variant_new_*` constructors, so GLib's serializer — not ours — produces the bytes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Variant, type GVValue } from '../../src/gvariant/value.js';

export const PYTHON = '/usr/bin/python3';

/** Why GLib is unusable here, or undefined when it is available. */
export function glibUnavailable(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ['-c', 'from gi.repository import GLib'], { encoding: 'utf8' });
  if (r.status !== 0) return `python3-gi missing: ${r.stderr.trim().split('\n').pop()}`;
  return undefined;
}

/** Tagged JSON: bigint → {n:"…"}, Uint8Array → {h:"hex"}, Variant → {t, v}, double specials → {d}. */
export function toJson(v: GVValue): unknown {
  if (typeof v === 'bigint') return { n: v.toString() };
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return { d: 'nan' };
    if (v === Infinity) return { d: 'inf' };
    if (v === -Infinity) return { d: '-inf' };
    if (Object.is(v, -0)) return { d: '-0' };
    return v;
  }
  if (v instanceof Uint8Array) return { h: Buffer.from(v).toString('hex') };
  if (v instanceof Variant) return { t: v.type, v: toJson(v.value) };
  if (Array.isArray(v)) return v.map(toJson);
  if (v !== null && typeof v === 'object') return { j: toJson(v.just) };
  return v;
}

const SCRIPT = String.raw`
import sys, json, math
from gi.repository import GLib

def num(v):
    if isinstance(v, dict):
        d = v['d']
        return {'nan': math.nan, 'inf': math.inf, '-inf': -math.inf, '-0': -0.0}[d]
    return float(v)

def tend(s, i):
    c = s[i]
    if c in 'am': return tend(s, i + 1)
    if c in '({':
        j = i + 1
        while s[j] not in ')}': j = tend(s, j)
        return j + 1
    return i + 1

def build(t, v):
    c = t[0]
    if c == 'b': return GLib.Variant.new_boolean(v)
    if c == 'y': return GLib.Variant.new_byte(v)
    if c == 'n': return GLib.Variant.new_int16(v)
    if c == 'q': return GLib.Variant.new_uint16(v)
    if c == 'i': return GLib.Variant.new_int32(v)
    if c == 'u': return GLib.Variant.new_uint32(v)
    if c == 'h': return GLib.Variant.new_handle(v)
    if c == 'x': return GLib.Variant.new_int64(int(v['n']))
    if c == 't': return GLib.Variant.new_uint64(int(v['n']))
    if c == 'd': return GLib.Variant.new_double(num(v))
    if c == 's': return GLib.Variant.new_string(v)
    if c == 'o': return GLib.Variant.new_object_path(v)
    if c == 'g': return GLib.Variant.new_signature(v)
    if c == 'v': return GLib.Variant.new_variant(build(v['t'], v['v']))
    vt = GLib.VariantType.new(t)
    if c == 'a':
        et = t[1:]
        if et == 'y':
            return GLib.Variant.new_from_bytes(GLib.VariantType.new('ay'), GLib.Bytes.new(bytes.fromhex(v['h'])), True)
        return GLib.Variant.new_array(vt.element(), [build(et, x) for x in v])
    if c == 'm':
        et = t[1:]
        return GLib.Variant.new_maybe(vt.element(), None if v is None else build(et, v['j']))
    members = []
    j = 1
    while t[j] not in ')}':
        k = tend(t, j)
        members.append(t[j:k])
        j = k
    kids = [build(mt, x) for mt, x in zip(members, v)]
    if c == '{': return GLib.Variant.new_dict_entry(kids[0], kids[1])
    return GLib.Variant.new_tuple(*kids)

out = sys.stdout
for line in sys.stdin:
    req = json.loads(line)
    try:
        if 'v' in req:
            g = build(req['type'], req['v'])
            res = {'hex': g.get_data_as_bytes().get_data().hex(), 'p0': g.print_(False), 'p1': g.print_(True)}
        elif 'hex' in req:
            g = GLib.Variant.new_from_bytes(GLib.VariantType.new(req['type']), GLib.Bytes.new(bytes.fromhex(req['hex'])), False)
            res = {'normal': g.is_normal_form(), 'nf': g.get_normal_form().get_data_as_bytes().get_data().hex()}
            if req.get('print'):
                res['p0'] = g.print_(False)
        else:
            try:
                g = GLib.Variant.parse(GLib.VariantType.new(req['ptype']) if req.get('ptype') else None, req['text'], None, None)
                res = {'type': g.get_type_string(), 'hex': g.get_data_as_bytes().get_data().hex()}
            except GLib.Error as e:
                res = {'error': str(e.message)}
    except Exception as e:
        res = {'exc': repr(e)}
    out.write(json.dumps(res) + '\n')
`;

/** One request: build a value, load bytes, or parse text. */
export type OracleRequest =
  | { type: string; v: unknown }
  | { type: string; hex: string; print?: boolean }
  | { text: string; ptype?: string };

/** Runs all requests through one python3-gi process; returns one parsed JSON reply per request. */
export function runOracle(reqs: OracleRequest[]): Array<Record<string, unknown>> {
  const input = reqs.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const r = spawnSync(PYTHON, ['-c', SCRIPT], { input, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`oracle failed: ${r.stderr}`);
  const lines = r.stdout.split('\n').filter((l) => l.length > 0);
  if (lines.length !== reqs.length) throw new Error(`oracle returned ${lines.length} lines for ${reqs.length}: ${r.stderr}`);
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}
