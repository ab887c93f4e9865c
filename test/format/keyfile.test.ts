import { describe, expect, it } from 'vitest';
import { formatDouble, isValidGroupName, isValidKeyName, KeyFile, localeVariants } from '../../src/format/keyfile.js';
import { OstreeError } from '../../src/errors.js';
import { Prng } from '../util/prng.js';

function parseError(input: string | Uint8Array): OstreeError {
  try {
    KeyFile.parse(input);
  } catch (e) {
    expect(e).toBeInstanceOf(OstreeError);
    expect((e as OstreeError).code).toBe('KEYFILE_INVALID');
    return e as OstreeError;
  }
  throw new Error(`parse accepted ${JSON.stringify(input)}`);
}

describe('KeyFile parsing', () => {
  it('returns the input byte-identically while unmodified', () => {
    for (const t of [
      '[core]\nrepo_version=1\nmode=bare\n',
      '# c\r\n[a]\r\n  key =  v  \r\n\n\n[b]\nx=1',
      '',
      '\n\n',
      '[a]\n[a]\nx=1\nx=2\n',
    ]) {
      const kf = KeyFile.parse(t);
      expect(kf.modified).toBe(false);
      expect(kf.toString()).toBe(t);
      kf.getString('a', 'x');
      expect(kf.toString()).toBe(t);
    }
  });

  it('renders like g_key_file_to_data() after a modification', () => {
    const kf = KeyFile.parse('# repo\n[core]\nrepo_version = 1\nmode=bare\n[remote "origin"]\nurl=https://x/\n');
    kf.setString('core', 'collection-id', 'org.example.Os');
    expect(kf.modified).toBe(true);
    expect(kf.toString()).toBe(
      '# repo\n\n[core]\nrepo_version=1\nmode=bare\ncollection-id=org.example.Os\n\n[remote "origin"]\nurl=https://x/\n',
    );
  });

  it('reads ostree config and remote groups', () => {
    const kf = KeyFile.parse(
      '[core]\nrepo_version=1\nmode=archive-z2\n\n[remote "origin"]\nurl=file:///srv/repo\ngpg-verify=false\nbranches=main;stable;\n',
    );
    expect(kf.groups()).toEqual(['core', 'remote "origin"']);
    expect(kf.keys('remote "origin"')).toEqual(['url', 'gpg-verify', 'branches']);
    expect(kf.keys('nope')).toBeUndefined();
    expect(kf.getInteger('core', 'repo_version')).toBe(1);
    expect(kf.getBoolean('remote "origin"', 'gpg-verify')).toBe(false);
    expect(kf.getBoolean('remote "origin"', 'gpg-verify-summary', true)).toBe(true);
    expect(kf.getStringList('remote "origin"', 'branches')).toEqual(['main', 'stable']);
    expect(kf.getString('core', 'missing')).toBeUndefined();
    expect(kf.getString('core', 'missing', 'dflt')).toBe('dflt');
    expect(kf.hasKey('core', 'mode')).toBe(true);
    expect(kf.hasGroup('remote "origin"')).toBe(true);
    expect(kf.startGroup()).toBe('core');
  });

  it('later duplicate keys win; duplicate groups merge', () => {
    const kf = KeyFile.parse('[a]\nx=1\n[b]\ny=1\n[a]\nx=2\n');
    expect(kf.groups()).toEqual(['a', 'b']);
    expect(kf.getString('a', 'x')).toBe('2');
    expect(kf.keys('a')).toEqual(['x', 'x']);
    expect(kf.toData()).toBe('[a]\nx=1\nx=2\n\n[b]\ny=1\n');
  });

  it('rejects malformed input with KEYFILE_INVALID naming the line', () => {
    expect(parseError('[a]\nx=1\ngarbage\n').data).toMatchObject({ line: 3 });
    expect(parseError('x=1\n').message).toMatch(/does not start with a group/);
    expect(parseError('[a]\n[]\n').data).toMatchObject({ line: 2 });
    expect(parseError('[a\x01]\n').message).toMatch(/Invalid group name/);
    expect(parseError('[a]\n x[=1\n').data).toMatchObject({ line: 2, key: 'x[', group: 'a' });
    expect(parseError('[a]\nEncoding=latin1\n').data).toMatchObject({ key: 'Encoding' });
    parseError(new Uint8Array([0x5b, 0x61, 0x5d, 0x0a, 0x78, 0x3d, 0xff, 0x0a]));
    parseError('[a]\nx=\0\n');
    parseError('\uFEFF[a]\n'); // GLib does not skip a BOM either
    parseError('[a]\nx=\uD800\n');
  });

  it('accepts UTF-8 bytes', () => {
    const kf = KeyFile.parse(new TextEncoder().encode('[é]\nName[de]=Grüße\n'));
    expect(kf.getLocaleString('é', 'Name', 'de_DE.UTF-8')).toBe('Grüße');
  });
});

describe('KeyFile values', () => {
  it('unescapes strings and reports bad escapes', () => {
    const kf = KeyFile.parse('[a]\ns=\\sa\\tb\\nc\\rd\\\\e\nbad=a\\q\nend=a\\\nlst=a\\;b;c;;\n');
    expect(kf.getString('a', 's')).toBe(' a\tb\nc\rd\\e');
    expect(() => kf.getString('a', 'bad')).toThrow(OstreeError);
    expect(() => kf.getString('a', 'end')).toThrow(/end of line/);
    expect(() => kf.getString('a', 'lst')).toThrow(OstreeError); // \; is only valid in lists
    expect(kf.getStringList('a', 'lst')).toEqual(['a;b', 'c', '']);
    expect(kf.getRaw('a', 'bad')).toBe('a\\q');
  });

  it('escapes like g_key_file_set_string / set_string_list', () => {
    const kf = new KeyFile();
    kf.setString('g', 'k', '  a\tb\nc\\ ');
    expect(kf.getRaw('g', 'k')).toBe('\\s\\sa\tb\\nc\\\\ ');
    kf.setString('g', 't', '\tx');
    expect(kf.getRaw('g', 't')).toBe('\\tx');
    kf.setStringList('g', 'l', ['a;b', ' c', '']);
    expect(kf.getRaw('g', 'l')).toBe('a\\;b;\\sc;;');
    expect(kf.getStringList('g', 'l')).toEqual(['a;b', ' c', '']);
    expect(kf.toString()).toBe('[g]\nk=\\s\\sa\tb\\nc\\\\ \nt=\\tx\nl=a\\;b;\\sc;;\n');
  });

  it('booleans accept true/false/1/0 with trailing whitespace only', () => {
    const kf = KeyFile.parse('[a]\nt=true\no=1 \nf=false\\s\nz=0\nbad=yes\n');
    expect(kf.getBoolean('a', 't')).toBe(true);
    expect(kf.getBoolean('a', 'o')).toBe(true);
    expect(kf.getBoolean('a', 'z')).toBe(false);
    expect(() => kf.getBoolean('a', 'f')).toThrow(OstreeError);
    const err = (() => {
      try {
        kf.getBoolean('a', 'bad');
      } catch (e) {
        return e as OstreeError;
      }
    })();
    expect(err?.code).toBe('KEYFILE_INVALID');
    expect(err?.data).toMatchObject({ group: 'a', key: 'bad' });
    kf.setBoolean('a', 'bad', true);
    expect(kf.getRaw('a', 'bad')).toBe('true');
  });

  it('integers follow strtol / g_ascii_strtoll', () => {
    const kf = KeyFile.parse(
      '[a]\ni=-42\nsp=7 trailing\nbig=2147483648\nhex=0x10\ni64=-9223372036854775808\nsat=99999999999999999999\nneg=-1\n',
    );
    expect(kf.getInteger('a', 'i')).toBe(-42);
    expect(kf.getInteger('a', 'sp')).toBe(7);
    expect(() => kf.getInteger('a', 'big')).toThrow(/out of range/);
    expect(() => kf.getInteger('a', 'hex')).toThrow(OstreeError);
    expect(kf.getInt64('a', 'i64')).toBe(-9223372036854775808n);
    expect(kf.getInt64('a', 'sat')).toBe(9223372036854775807n);
    expect(() => kf.getInt64('a', 'sp')).toThrow(OstreeError);
    expect(kf.getUint64('a', 'neg')).toBe(18446744073709551615n);
    kf.setInt64('a', 'x', -5n);
    kf.setUint64('a', 'y', 18446744073709551615n);
    kf.setInteger('a', 'z', -2147483648);
    expect(kf.getRaw('a', 'x')).toBe('-5');
    expect(kf.getRaw('a', 'y')).toBe('18446744073709551615');
    expect(() => kf.setInteger('a', 'z', 2 ** 31)).toThrow(RangeError);
    expect(() => kf.setUint64('a', 'z', -1n)).toThrow(RangeError);
  });

  it('doubles parse like g_ascii_strtod and print as %.17g', () => {
    const kf = KeyFile.parse('[a]\nd=1.5e3\nh=0x1.8p1\ni=-inf\nn=nan\nbad=1.5x\n');
    expect(kf.getDouble('a', 'd')).toBe(1500);
    expect(kf.getDouble('a', 'h')).toBe(3);
    expect(kf.getDouble('a', 'i')).toBe(-Infinity);
    expect(kf.getDouble('a', 'n')).toBeNaN();
    expect(() => kf.getDouble('a', 'bad')).toThrow(OstreeError);
    expect(formatDouble(0.1)).toBe('0.10000000000000001');
    expect(formatDouble(1e21)).toBe('1e+21');
    expect(formatDouble(1e-5)).toBe('1.0000000000000001e-05');
    expect(formatDouble(5e-324)).toBe('4.9406564584124654e-324');
    expect(formatDouble(1234567890123456.2)).toBe('1234567890123456.2'); // exact …56.25: ties to even
    expect(formatDouble(-0)).toBe('-0');
    expect(formatDouble(100)).toBe('100');
  });

  it('typed lists', () => {
    const kf = new KeyFile();
    kf.setBooleanList('a', 'b', [true, false]);
    kf.setIntegerList('a', 'i', [1, -2]);
    kf.setDoubleList('a', 'd', [0.5, 2]);
    expect(kf.toString()).toBe('[a]\nb=true;false;\ni=1;-2;\nd=0.5;2;\n');
    expect(kf.getBooleanList('a', 'b')).toEqual([true, false]);
    expect(kf.getIntegerList('a', 'i')).toEqual([1, -2]);
    expect(kf.getDoubleList('a', 'd')).toEqual([0.5, 2]);
  });

  it('locale keys', () => {
    expect(localeVariants('en_GB.UTF-8@euro')).toEqual([
      'en_GB.UTF-8@euro', 'en_GB@euro', 'en.UTF-8@euro', 'en@euro', 'en_GB.UTF-8', 'en_GB', 'en.UTF-8', 'en',
    ]);
    const kf = KeyFile.parse('[Desktop Entry]\nName=Files\nName[de]=Dateien\nKeywords[de]=a;b;\n');
    expect(kf.getLocaleString('Desktop Entry', 'Name', 'de_AT.UTF-8')).toBe('Dateien');
    expect(kf.getLocaleString('Desktop Entry', 'Name', 'fr')).toBe('Files');
    expect(kf.getLocaleString('Desktop Entry', 'Name')).toBe('Files');
    expect(kf.getLocaleStringList('Desktop Entry', 'Keywords', 'de')).toEqual(['a', 'b']);
    kf.setLocaleString('Desktop Entry', 'Name', 'fr', 'Fichiers');
    expect(kf.getRaw('Desktop Entry', 'Name[fr]')).toBe('Fichiers');
    kf.setLocaleStringList('Desktop Entry', 'Keywords', 'fr', ['x']);
    expect(kf.getRaw('Desktop Entry', 'Keywords[fr]')).toBe('x;');
  });
});

describe('KeyFile editing', () => {
  it('adds, removes and orders groups and keys like GLib', () => {
    const kf = KeyFile.parse('[a]\nx=1\n# trailing\n\n[b]\ny=2\n');
    kf.setString('a', 'z', '3'); // GLib 2.74 appends after trailing comments and blank lines
    kf.addGroup('c');
    kf.addGroup('a');
    kf.setString('c', 'k', 'v');
    expect(kf.removeKey('b', 'y')).toBe(true);
    expect(kf.removeKey('b', 'y')).toBe(false);
    expect(kf.toString()).toBe('[a]\nx=1\n# trailing\n\nz=3\n\n[b]\n\n[c]\nk=v\n');
    expect(kf.removeGroup('a')).toBe(true);
    expect(kf.removeGroup('a')).toBe(false);
    expect(kf.groups()).toEqual(['b', 'c']);
    expect(kf.toString()).toBe('[b]\n\n[c]\nk=v\n');
  });

  it('removing a duplicated key leaves the earlier line, as GLib does', () => {
    const kf = KeyFile.parse('[a]\nx=1\nx=2\n');
    kf.removeKey('a', 'x');
    expect(kf.hasKey('a', 'x')).toBe(false);
    expect(kf.toString()).toBe('[a]\nx=1\n');
  });

  it('rejects invalid names and values at the API edge', () => {
    const kf = new KeyFile();
    expect(() => kf.setString('a]', 'k', 'v')).toThrow(RangeError);
    expect(() => kf.setString('', 'k', 'v')).toThrow(RangeError);
    expect(() => kf.setString('a', ' k', 'v')).toThrow(RangeError);
    expect(() => kf.setString('a', 'k=', 'v')).toThrow(RangeError);
    expect(() => kf.setRaw('a', 'k', 'x\ny')).toThrow(RangeError);
    expect(() => kf.setString('a', 'k', 'x\0')).toThrow(RangeError);
    expect(kf.modified).toBe(true); // a new KeyFile has no source text
    expect(kf.toString()).toBe('');
    expect(isValidGroupName('remote "origin"')).toBe(true);
    expect(isValidKeyName('Name[sr@latin]')).toBe(true);
    expect(isValidKeyName('Name[sr latin]')).toBe(false);
  });
});

describe('KeyFile fuzz (seeded)', () => {
  const SEEDS = [
    '[core]\nrepo_version=1\nmode=bare\n\n[remote "o"]\nurl=https://e/\nbranches=a;b;\n',
    '# c\n[Application]\nname=org.x.App\nName[de]=X\n\n[Context]\nshared=network;ipc;\n',
  ];

  function mutate(p: Prng, src: Uint8Array): Uint8Array {
    const b = Array.from(src);
    const n = 1 + p.int(6);
    for (let i = 0; i < n; i++) {
      const r = p.int(4);
      const at = p.int(b.length + 1);
      if (r === 0) b.splice(at, 0, p.pick([0x5b, 0x5d, 0x3d, 0x0a, 0x0d, 0x5c, 0x3b, 0x23, 0x20, 0x00, 0xff, 0xc3, p.int(256)]));
      else if (r === 1) b.splice(at, 1);
      else if (r === 2 && b.length) b[at % b.length] = p.int(256);
      else b.splice(at, 0, ...b.slice(p.int(b.length), p.int(b.length)));
    }
    return Uint8Array.from(b);
  }

  it('random bytes and mutations only ever throw OstreeError', () => {
    const p = new Prng('keyfile-fuzz');
    const enc = new TextEncoder();
    let ok = 0;
    for (let i = 0; i < 4000; i++) {
      const input = i % 4 === 0 ? p.bytes(p.int(64)) : mutate(p, enc.encode(p.pick(SEEDS)));
      let kf: KeyFile;
      try {
        kf = KeyFile.parse(input);
      } catch (e) {
        if (!(e instanceof OstreeError) || e.code !== 'KEYFILE_INVALID') throw e;
        continue;
      }
      ok++;
      expect(enc.encode(kf.toString())).toEqual(input);
      for (const g of kf.groups()) {
        for (const k of kf.keys(g) ?? []) {
          for (const f of [
            () => kf.getString(g, k),
            () => kf.getStringList(g, k),
            () => kf.getBoolean(g, k),
            () => kf.getInteger(g, k),
            () => kf.getInt64(g, k),
            () => kf.getUint64(g, k),
            () => kf.getDouble(g, k),
            () => kf.getLocaleStringList(g, k, 'de_DE'),
          ]) {
            try {
              f();
            } catch (e) {
              if (!(e instanceof OstreeError)) throw e;
            }
          }
        }
      }
      // The GLib rendering is a fixed point (values ending in CR are the one lossy case).
      const data = kf.toData();
      if (!data.includes('\r\n')) expect(KeyFile.parse(data).toData()).toBe(data);
    }
    expect(ok).toBeGreaterThan(500);
  });
});
