/**
 * Differential tests of src/format/keyfile.ts against GLib's GKeyFile (python3-gi, one process).
 *
 * Generated key files and operation sequences go to Python as JSON; GLib's results (values, errors,
 * `to_data()` text) come back and are compared with ours operation by operation.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KeyFile } from '../../src/format/keyfile.js';
import { OstreeError } from '../../src/errors.js';
import { Prng } from '../util/prng.js';

const PYTHON = '/usr/bin/python3';

function glibUnavailable(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ['-c', 'import gi; gi.require_version("GLib", "2.0"); from gi.repository import GLib'], {
    encoding: 'utf8',
  });
  if (r.status !== 0) return `python3-gi missing: ${r.stderr.trim().split('\n').pop()}`;
  return undefined;
}

const SCRIPT = String.raw`
import sys, json, struct, math
import gi
gi.require_version('GLib', '2.0')
from gi.repository import GLib
F = GLib.KeyFileFlags.KEEP_COMMENTS | GLib.KeyFileFlags.KEEP_TRANSLATIONS

def dbl(v):
    if math.isnan(v): return 'nan'
    return struct.pack('>d', v).hex()

def run_op(k, op):
    name = op[0]; a = op[1:]
    if name == 'to_data': return k.to_data()[0]
    if name == 'groups': return list(k.get_groups()[0])
    if name == 'keys': return list(k.get_keys(a[0])[0])
    if name == 'has_group': return k.has_group(a[0])
    if name == 'get_value': return k.get_value(a[0], a[1])
    if name == 'get_string': return k.get_string(a[0], a[1])
    if name == 'get_string_list': return list(k.get_string_list(a[0], a[1]))
    if name == 'get_locale_string': return k.get_locale_string(a[0], a[1], a[2])
    if name == 'get_locale_string_list': return list(k.get_locale_string_list(a[0], a[1], a[2]))
    if name == 'get_boolean': return k.get_boolean(a[0], a[1])
    if name == 'get_boolean_list': return list(k.get_boolean_list(a[0], a[1]))
    if name == 'get_integer': return k.get_integer(a[0], a[1])
    if name == 'get_integer_list': return list(k.get_integer_list(a[0], a[1]))
    if name == 'get_int64': return str(k.get_int64(a[0], a[1]))
    if name == 'get_uint64': return str(k.get_uint64(a[0], a[1]))
    if name == 'get_double': return dbl(k.get_double(a[0], a[1]))
    if name == 'get_double_list': return [dbl(x) for x in k.get_double_list(a[0], a[1])]
    if name == 'set_value': return k.set_value(a[0], a[1], a[2])
    if name == 'set_string': return k.set_string(a[0], a[1], a[2])
    if name == 'set_string_list': return k.set_string_list(a[0], a[1], a[2])
    if name == 'set_locale_string': return k.set_locale_string(a[0], a[1], a[2], a[3])
    if name == 'set_boolean': return k.set_boolean(a[0], a[1], a[2])
    if name == 'set_boolean_list': return k.set_boolean_list(a[0], a[1], a[2])
    if name == 'set_integer': return k.set_integer(a[0], a[1], a[2])
    if name == 'set_integer_list': return k.set_integer_list(a[0], a[1], a[2])
    if name == 'set_int64': return k.set_int64(a[0], a[1], int(a[2]))
    if name == 'set_uint64': return k.set_uint64(a[0], a[1], int(a[2]))
    if name == 'set_double': return k.set_double(a[0], a[1], struct.unpack('>d', bytes.fromhex(a[2]))[0])
    if name == 'remove_key': return k.remove_key(a[0], a[1])
    if name == 'remove_group': return k.remove_group(a[0])
    raise Exception('unknown op ' + name)

out = []
for case in json.load(sys.stdin):
    k = GLib.KeyFile()
    try:
        k.load_from_bytes(GLib.Bytes.new(case['data'].encode('utf-8')), F if case.get('keep', True) else GLib.KeyFileFlags.NONE)
    except GLib.Error as e:
        out.append({'load': 'err', 'msg': e.message}); continue
    res = []
    for op in case['ops']:
        try:
            r = run_op(k, op)
            res.append({'ok': r})
        except GLib.Error as e:
            res.append({'err': e.message})
    out.append({'load': 'ok', 'res': res, 'data': k.to_data()[0]})
json.dump(out, sys.stdout)
`;

type Op = [string, ...unknown[]];
interface Case {
  data: string;
  /** false: load with G_KEY_FILE_NONE (as ostree does for its config) in the C locale. */
  keep?: boolean;
  ops: Op[];
}
type PyResult = { load: 'err'; msg: string } | { load: 'ok'; res: Array<{ ok?: unknown; err?: string }>; data: string };

function runGlib(cases: Case[]): PyResult[] {
  const env: Record<string, string> = { ...process.env, LC_ALL: 'C' } as Record<string, string>;
  delete env.LANGUAGE;
  const r = spawnSync(PYTHON, ['-c', SCRIPT], { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 1 << 28, env });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as PyResult[];
}

function dbl(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, v);
  return Buffer.from(b.buffer).toString('hex');
}

function undefErr<T>(v: T | undefined): T {
  if (v === undefined) throw new OstreeError('NOT_FOUND', 'absent');
  return v;
}

/** Apply one op to our KeyFile, returning the same shape as the Python side. */
function ourOp(k: KeyFile, op: Op): { ok?: unknown; err?: string } {
  const [name, ...a] = op as [string, ...any[]];
  try {
    const r = ((): unknown => {
      switch (name) {
        case 'to_data':
          return k.toData();
        case 'groups':
          return k.groups();
        case 'keys':
          return undefErr(k.keys(a[0]));
        case 'has_group':
          return k.hasGroup(a[0]);
        case 'get_value':
          return undefErr(k.getRaw(a[0], a[1]));
        case 'get_string':
          return undefErr(k.getString(a[0], a[1]));
        case 'get_string_list':
          return undefErr(k.getStringList(a[0], a[1]));
        case 'get_locale_string':
          return undefErr(k.getLocaleString(a[0], a[1], a[2]));
        case 'get_locale_string_list':
          return undefErr(k.getLocaleStringList(a[0], a[1], a[2]));
        case 'get_boolean':
          return undefErr(k.getBoolean(a[0], a[1]));
        case 'get_boolean_list':
          return undefErr(k.getBooleanList(a[0], a[1]));
        case 'get_integer':
          return undefErr(k.getInteger(a[0], a[1]));
        case 'get_integer_list':
          return undefErr(k.getIntegerList(a[0], a[1]));
        case 'get_int64':
          return String(undefErr(k.getInt64(a[0], a[1])));
        case 'get_uint64':
          return String(undefErr(k.getUint64(a[0], a[1])));
        case 'get_double':
          return dbl(undefErr(k.getDouble(a[0], a[1])));
        case 'get_double_list':
          return undefErr(k.getDoubleList(a[0], a[1])).map(dbl);
        case 'set_value':
          return k.setRaw(a[0], a[1], a[2]) ?? null;
        case 'set_string':
          return k.setString(a[0], a[1], a[2]) ?? null;
        case 'set_string_list':
          return k.setStringList(a[0], a[1], a[2]) ?? null;
        case 'set_locale_string':
          return k.setLocaleString(a[0], a[1], a[2], a[3]) ?? null;
        case 'set_boolean':
          return k.setBoolean(a[0], a[1], a[2]) ?? null;
        case 'set_boolean_list':
          return k.setBooleanList(a[0], a[1], a[2]) ?? null;
        case 'set_integer':
          return k.setInteger(a[0], a[1], a[2]) ?? null;
        case 'set_integer_list':
          return k.setIntegerList(a[0], a[1], a[2]) ?? null;
        case 'set_int64':
          return k.setInt64(a[0], a[1], BigInt(a[2])) ?? null;
        case 'set_uint64':
          return k.setUint64(a[0], a[1], BigInt(a[2])) ?? null;
        case 'set_double': {
          return k.setDouble(a[0], a[1], Buffer.from(a[2], 'hex').readDoubleBE(0)) ?? null;
        }
        case 'remove_key':
          if (!k.removeKey(a[0], a[1])) throw new OstreeError('NOT_FOUND', 'absent');
          return true;
        case 'remove_group':
          if (!k.removeGroup(a[0])) throw new OstreeError('NOT_FOUND', 'absent');
          return true;
      }
      throw new Error(`unknown op ${name}`);
    })();
    return { ok: r };
  } catch (e) {
    if (e instanceof OstreeError) return { err: e.message };
    throw e;
  }
}

// ---------- generators ----------

const GROUPS = ['a', 'b', 'core', 'remote "origin"', ' sp ', 'é', 'Desktop Entry'];
const BAD_GROUP_LINES = ['[]', '[a', '[a]x', '[a[b]', '[a]]', '[x\x01]', '[a]\v', '[a]\f', '[b] \t ', '[ a ]'];
const KEYS = ['x', 'y', 'Name', 'Name[de]', 'Name[de_DE]', 'Name[de_DE.UTF-8@euro]', 'k y', 'é', 'Encoding', 'url', 'Name[]'];
const BAD_KEYS = [' x', 'x[', 'x[a b]', 'x[de]y', 'x]', '\x01', 'a\x7fb', 'x[ü]'];
const VALUES = [
  '1', '0', 'true', 'false', 'true ', 'tru', ' 0 ', 'a\\sb', '\\q', 'a;b;', 'a\\;b', ';', ';;', '', '12abc', '12 abc',
  '-5', '+7', '2147483647', '2147483648', '-2147483649', '99999999999999999999', '-9223372036854775808',
  '-9223372036854775809', '18446744073709551615', '18446744073709551616', '-1', '-18446744073709551616', '0x10',
  '1e3', '1.5', '.5', '5.', '-0', 'inf', '-Infinity', 'nan', 'NaN(123)', '0x1p3', '0x.8', '0x1.8p-1', '1e400', '1e-400',
  '  lead', 'trail  ', 'a\\', '\\\\', 'é;ü;', '1;0;true;', '1;2;3', ' 1;2 ;x', 'a\\tb\\nc\\r', '\\s\\s', 'a \\; b;c\\;;',
  '4.9406564584124654e-324', '0.1', '1;2.5;', 'a=b', '#notcomment', '[x]',
];
const COMMENTS = ['#c', '  # indented', '', '  ', '\t', '#', '# é'];
const SET_STRINGS = [
  'plain', ' lead', '  two', 'trail ', '\tt', 'a\tb', 'a\nb', '\r', 'x\\y', 'a;b', ';', '', ' \n x', '\\', 'é ü', '\n ',
  '\t\tx', ' ;x', 'line\r\n',
];
const LOCALES = ['de', 'de_DE', 'de_DE.UTF-8@euro', 'fr', 'C', 'de@euro', 'en_GB.UTF-8'];

function randLine(p: Prng): string {
  const r = p.float();
  if (r < 0.18) return p.pick(COMMENTS);
  if (r < 0.32) return `[${p.pick(GROUPS)}]`;
  if (r < 0.35) return p.pick(BAD_GROUP_LINES);
  if (r < 0.37) return p.pick(['garbage', '=x', ' =y', 'x', '\x01']);
  const key = p.chance(0.04) ? p.pick(BAD_KEYS) : p.pick(KEYS);
  const sep = p.pick(['=', '=', '=', ' = ', '=\t', ' =', '\t=  ']);
  return `${p.chance(0.1) ? ' ' : ''}${key}${sep}${p.pick(VALUES)}`;
}

function randFile(p: Prng): string {
  const lines: string[] = [];
  if (p.chance(0.8) && !p.chance(0.1)) {
    const pre = p.int(3);
    for (let i = 0; i < pre; i++) lines.push(p.pick(COMMENTS));
    lines.push(`[${p.pick(GROUPS)}]`);
  }
  const n = p.int(14);
  for (let i = 0; i < n; i++) lines.push(randLine(p));
  let text = '';
  const crlf = p.chance(0.1);
  for (let i = 0; i < lines.length; i++) {
    const last = i === lines.length - 1;
    text += lines[i] + (last && p.chance(0.15) ? '' : crlf && p.chance(0.7) ? '\r\n' : '\n');
  }
  return text;
}

function dblHex(v: number): string {
  return dbl(v) === 'nan' ? '7ff8000000000000' : dbl(v);
}

function randOp(p: Prng): Op {
  const g = p.pick(GROUPS);
  const k = p.pick(KEYS);
  const r = p.int(30);
  switch (r) {
    case 0: return ['groups'];
    case 1: return ['keys', g];
    case 2: return ['get_value', g, k];
    case 3: case 4: return ['get_string', g, k];
    case 5: return ['get_string_list', g, k];
    case 6: return ['get_locale_string', g, p.pick(['Name', 'x']), p.pick(LOCALES)];
    case 7: return ['get_locale_string_list', g, p.pick(['Name', 'x']), p.pick(LOCALES)];
    case 8: return ['get_boolean', g, k];
    case 9: return ['get_integer', g, k];
    case 10: return ['get_int64', g, k];
    case 11: return ['get_uint64', g, k];
    case 12: return ['get_double', g, k];
    case 13: return ['get_boolean_list', g, k];
    case 14: return ['get_integer_list', g, k];
    case 15: return ['get_double_list', g, k];
    case 16: case 17: return ['set_string', g, k, p.pick(SET_STRINGS)];
    case 18: return ['set_string_list', g, k, Array.from({ length: p.int(4) }, () => p.pick(SET_STRINGS))];
    case 19: return ['set_locale_string', g, 'Name', p.pick(['de', 'de_DE', 'fr']), p.pick(SET_STRINGS)];
    case 20: return ['set_boolean', g, k, p.chance(0.5)];
    case 21: return ['set_integer', g, k, p.pick([0, -1, 42, 2147483647, -2147483648])];
    case 22: return ['set_int64', g, k, p.pick(['0', '-9223372036854775808', '9223372036854775807', '-5'])];
    case 23: return ['set_uint64', g, k, p.pick(['0', '18446744073709551615', '5'])];
    case 24: {
      const d = p.pick([0, -0, 0.1, 1 / 3, 1e21, 1e-5, 1e-4, 123456789012345680000, 5e-324, Infinity, -Infinity, 1.5, 1e16, 1e17, 1234567890123456.2, 1234567890123456.8, p.float() * 10 ** p.range(-30, 30)]);
      return ['set_double', g, k, dblHex(d)];
    }
    case 25: return ['set_boolean_list', g, k, [true, false, p.chance(0.5)]];
    case 26: return ['set_integer_list', g, k, [1, -2, p.int(1000)]];
    case 27: return ['remove_key', g, k];
    case 28: return ['remove_group', g];
    default: return ['set_value', g, k, p.pick(['raw', 'a\\qb', ' lead', 'trail ', '', 'x;y'])];
  }
}

const MUTATING = /^(set_|remove_)/;

const skip = process.env.CI ? undefined : glibUnavailable();
if (skip) console.log(`skipping GLib differential key file tests: ${skip}`);

describe.skipIf(!!skip)('KeyFile vs GLib GKeyFile (differential)', () => {
  function check(cases: Case[]): number {
    const glib = runGlib(cases);
    let mismatches = 0;
    const report: string[] = [];
    cases.forEach((c, i) => {
      const g = glib[i];
      let ours: KeyFile;
      try {
        ours = c.keep === false ? KeyFile.parse(c.data, { keepComments: false, translations: ['C'] }) : KeyFile.parse(c.data);
      } catch (e) {
        if (!(e instanceof OstreeError)) throw e;
        expect(e.code).toBe('KEYFILE_INVALID');
        if (g.load !== 'err') {
          mismatches++;
          report.push(`case ${i}: we reject (${e.message}) but GLib loads ${JSON.stringify(c.data)}`);
        }
        return;
      }
      if (g.load === 'err') {
        mismatches++;
        report.push(`case ${i}: GLib rejects (${g.msg}) but we load ${JSON.stringify(c.data)}`);
        return;
      }
      let mutated = false;
      c.ops.forEach((op, j) => {
        const mine = ourOp(ours, op);
        const theirs = g.res[j];
        if (MUTATING.test(op[0]) && theirs.err === undefined) mutated = true;
        const same = theirs.err !== undefined ? mine.err !== undefined : JSON.stringify(mine.ok) === JSON.stringify(theirs.ok);
        if (!same) {
          mismatches++;
          report.push(
            `case ${i} op ${j} ${JSON.stringify(op)} on ${JSON.stringify(c.data)}: ours ${JSON.stringify(mine)} glib ${JSON.stringify(theirs)}`,
          );
        }
      });
      if (ours.toData() !== g.data) {
        mismatches++;
        report.push(`case ${i}: to_data differs for ${JSON.stringify(c.data)} ops ${JSON.stringify(c.ops)}:\n ours ${JSON.stringify(ours.toData())}\n glib ${JSON.stringify(g.data)}`);
      }
      const expected = mutated ? g.data : !c.ops.some((o) => MUTATING.test(o[0])) ? c.data : ours.toString();
      if (ours.toString() !== expected) {
        mismatches++;
        report.push(`case ${i}: toString() ${JSON.stringify(ours.toString())} expected ${JSON.stringify(expected)}`);
      }
    });
    expect(report.slice(0, 15).join('\n')).toBe('');
    expect(mismatches).toBe(0);
    return glib.filter((g) => g.load === 'ok').length;
  }

  it('hand-picked files and operations agree', () => {
    const files = [
      '[a]\nx=1\n[b]\ny=2\n',
      '#top\n[a]\nx=1\n#c\n\n[b]\n',
      '[a]\nx=1\nx=2\n',
      '[a]\nx=1\n[b]\n[a]\n#cc\nx=2\ny=3\n',
      '  \n[ a ] \n k = v  \n',
      '[a]\r\nx=1\r\n',
      '[core]\nrepo_version=1\nmode=archive-z2\n',
      '[core]\nrepo_version=1\nmode=bare\n\n[remote "origin"]\nurl=https://example.com/repo\ngpg-verify=false\n',
      '\n[a]\nx=1',
      '#only comment',
      '',
      '[a]\nx=1\n\n\n[b]\n',
      '[a]\nEncoding=UTF-8\n',
      '[a]\nencoding=latin1\n',
      '[a]\n[b]\nEncoding=latin1\n',
      '[Application]\nname=org.example.App\nruntime=org.freedesktop.Platform/x86_64/23.08\n\n[Context]\nshared=network;ipc;\n',
      '[a]\nName=Plain\nName[de]=Deutsch\nName[de_DE]=DE\nName[fr]=a\\qb\nName[C]=c\nName[c]=lc\n',
    ];
    const ops: Op[] = [
      ['groups'], ['keys', 'a'], ['get_string', 'a', 'x'], ['get_string_list', 'a', 'x'],
      ['get_locale_string', 'a', 'Name', 'de_DE.UTF-8'], ['get_locale_string', 'a', 'Name', 'fr'],
      ['get_locale_string_list', 'a', 'Name', 'de'],
      ['set_string', 'a', 'y', ' x\ty\n'], ['set_string_list', 'c', 'l', ['a;b', ' c', '']], ['remove_key', 'a', 'x'],
      ['to_data'], ['remove_group', 'b'], ['set_boolean', 'remote "origin"', 'gpg-verify', true],
    ];
    const cases: Case[] = [];
    for (const f of files) {
      cases.push({ data: f, ops: [] });
      cases.push({ data: f, ops });
      cases.push({ data: f, ops: [['remove_key', 'a', 'x'], ['keys', 'a'], ['get_value', 'a', 'x']] });
    }
    check(cases);
    check(cases.map((c) => ({ ...c, keep: false })));
  });

  it('2000 generated files with random operation sequences agree', () => {
    const p = new Prng(process.env.KF_SEED ?? 'keyfile-glib');
    const cases: Case[] = [];
    for (let i = 0; i < Number(process.env.KF_N ?? 2000); i++) {
      const nops = p.int(8);
      cases.push({ data: randFile(p), ops: Array.from({ length: nops }, () => randOp(p)).concat([['to_data']]) });
    }
    const loaded = check(cases);
    // The same files loaded as ostree loads its config: G_KEY_FILE_NONE in the C locale.
    check(cases.slice(0, 1000).map((c) => ({ ...c, keep: false })));
    // The generator must exercise both paths: most files load, a fair share is rejected.
    expect(loaded).toBeGreaterThan(cases.length * 0.3);
    expect(loaded).toBeLessThan(cases.length * 0.95);
  });
});

const ostreeMissing = spawnSync('ostree', ['--version']).status === 0 ? undefined : 'ostree CLI not found';
if (ostreeMissing && !process.env.CI) console.log(`skipping ostree config interop test: ${ostreeMissing}`);

describe.skipIf(!!ostreeMissing && !process.env.CI)('KeyFile vs `ostree config set`', () => {
  it('reproduces the rewritten repo config byte for byte', async () => {
    const { mkdtempSync, readFileSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'kf-ostree-'));
    try {
      const repo = join(dir, 'repo');
      expect(spawnSync('ostree', ['init', `--repo=${repo}`, '--mode=archive']).status).toBe(0);
      const before =
        '# my comment\n[core]\nrepo_version=1\nmode=archive-z2\n\n[remote "origin"]\nurl = https://example.com/repo\nName[de]=a\n';
      writeFileSync(join(repo, 'config'), before);
      const env = { ...process.env, LC_ALL: 'C' } as Record<string, string>;
      delete env.LANGUAGE;
      const r = spawnSync('ostree', ['config', `--repo=${repo}`, 'set', 'core.foo', ' two  words'], { env, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      const kf = KeyFile.parse(before, { keepComments: false, translations: ['C'] });
      kf.setString('core', 'foo', ' two  words');
      expect(kf.toString()).toBe(readFileSync(join(repo, 'config'), 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
