import { describe, it, expect } from 'vitest';
import { mkdtempSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { Prng } from './prng.js';
import {
  ORDER_TRAPS, compareUtf8, diffManifests, formatManifest, generateTree, generateTreeSpec, manifest, writeTree,
} from './trees.js';

const dirs: string[] = [];
function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), 'ostree-ts-test-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('Prng', () => {
  it('is deterministic and seed-sensitive', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const xa = Array.from({ length: 8 }, () => a.u32());
    expect(Array.from({ length: 8 }, () => b.u32())).toEqual(xa);
    expect(Array.from({ length: 8 }, () => c.u32())).not.toEqual(xa);
    expect(new Prng('s').u32()).toBe(new Prng('s').u32());
  });

  it('pins its output (so generated trees never silently change)', () => {
    expect(Buffer.from(new Prng(1).bytes(16)).toString('hex')).toBe('9e299091277b01c12f52afe305fb717d');
    const s = new Prng('seed');
    expect([s.u32(), s.u32()]).toEqual([1327162122, 3359510752]);
    const f = new Prng(5).bytes(7);
    expect(f.length).toBe(7);
  });
});

describe('writeTree', () => {
  it('writes files, dirs and symlinks with explicit modes regardless of umask', () => {
    const d = scratch();
    const old = process.umask(0o077);
    try {
      writeTree(d, {
        'a/b.txt': 'hi\n',
        'a/run': { type: 'file', content: '#!/bin/sh\n', mode: 0o4755 },
        'e': { type: 'dir', mode: 0o1777 },
        'ro': { type: 'dir', mode: 0o555 },
        'ro/inside': 'x',
        'l': { type: 'symlink', target: 'a/b.txt' },
        'dangling': { type: 'symlink', target: '/nope/nothing' },
      });
    } finally {
      process.umask(old);
    }
    expect(statSync(join(d, 'a/b.txt')).mode & 0o7777).toBe(0o644);
    expect(statSync(join(d, 'a')).mode & 0o7777).toBe(0o755);
    expect(statSync(join(d, 'a/run')).mode & 0o7777).toBe(0o4755);
    expect(statSync(join(d, 'e')).mode & 0o7777).toBe(0o1777);
    expect(statSync(join(d, 'ro')).mode & 0o7777).toBe(0o555);
    expect(readlinkSync(join(d, 'l'))).toBe('a/b.txt');
    expect(readlinkSync(join(d, 'dangling'))).toBe('/nope/nothing');
    const m = manifest(d);
    expect(m[0]).toEqual({ path: '.', type: 'dir', mode: 0o755 });
    expect(m.find((e) => e.path === 'a/b.txt')).toEqual({
      path: 'a/b.txt', type: 'file', mode: 0o644, size: 3,
      sha256: '98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4',
    });
    expect(m.find((e) => e.path === 'l')).toEqual({ path: 'l', type: 'symlink', target: 'a/b.txt' });
  });

  it('rejects escaping paths', () => {
    expect(() => writeTree(scratch(), { '../x': 'no' })).toThrow(RangeError);
    expect(() => writeTree(scratch(), { '/abs': 'no' })).toThrow(RangeError);
  });
});

describe('generateTree', () => {
  it('same seed ⇒ same manifest; different seed ⇒ different', () => {
    const a = scratch();
    const b = scratch();
    const c = scratch();
    generateTree(a, { seed: 99 });
    generateTree(b, { seed: 99 });
    generateTree(c, { seed: 100 });
    const ma = manifest(a);
    expect(diffManifests(ma, manifest(b))).toEqual([]);
    expect(formatManifest(ma)).toBe(formatManifest(manifest(b)));
    expect(diffManifests(ma, manifest(c)).length).toBeGreaterThan(0);
  });

  it('covers the required edge cases', () => {
    const d = scratch();
    generateTree(d, { seed: 3, files: 300 });
    const m = manifest(d);
    const by = new Map(m.map((e) => [e.path, e]));
    // empty file and dir
    expect(by.get('empty-file')).toMatchObject({ type: 'file', size: 0 });
    expect(m.some((e) => e.path.startsWith('empty-dir/'))).toBe(false);
    expect(by.get('empty-dir')?.type).toBe('dir');
    // symlinks
    expect(by.get('links/absolute')).toMatchObject({ type: 'symlink', target: '/etc/hostname' });
    expect(by.get('links/dangling')).toMatchObject({ type: 'symlink', target: 'does/not/exist' });
    expect(by.get('links/relative')).toMatchObject({ type: 'symlink', target: 'target.txt' });
    // modes
    for (const [p, mode] of [
      ['modes/setuid-4755', 0o4755], ['modes/setgid-2755', 0o2755], ['modes/sticky-1644', 0o1644], ['modes/0600', 0o600],
      ['modes/0700', 0o700], ['modes/0444', 0o444], ['modes/dir-0700', 0o700], ['modes/dir-1777', 0o1777],
    ] as const) {
      expect(by.get(p)?.mode, p).toBe(mode);
    }
    // Unicode: NFC and NFD twins both exist as distinct names
    expect(by.has('unicode/caf\u00e9')).toBe(true);
    expect(by.has('unicode/cafe\u0301')).toBe(true);
    expect(by.has('unicode/\u{1F600}')).toBe(true);
    expect(by.has('unicode/日本語')).toBe(true);
    // order traps: JS order and UTF-8 order disagree, manifest uses UTF-8 order
    for (const [utf8First, jsFirst] of ORDER_TRAPS) {
      expect(utf8First < jsFirst).toBe(false);
      expect(compareUtf8(utf8First, jsFirst)).toBeLessThan(0);
      const i = m.findIndex((e) => e.path === `order/${utf8First}`);
      const j = m.findIndex((e) => e.path === `order/${jsFirst}`);
      expect(i).toBeGreaterThanOrEqual(0);
      expect(i).toBeLessThan(j);
    }
    // big file
    expect(by.get('big/large.bin')!.size!).toBeGreaterThan(4 * 1024 * 1024);
    // duplicates
    const sha = by.get('dups/d000/same.txt')!.sha256;
    expect(m.filter((e) => e.sha256 === sha).length).toBeGreaterThanOrEqual(40);
    // depth ≥ 20
    expect(Math.max(...m.map((e) => e.path.split('/').length))).toBeGreaterThanOrEqual(21);
    // many files in one dir
    expect(m.filter((e) => e.path.startsWith('many/')).length).toBe(1500);
    // the random part has files, symlinks and nested dirs
    const rnd = m.filter((e) => e.path.startsWith('random/'));
    expect(rnd.filter((e) => e.type === 'file').length).toBeGreaterThan(200);
    expect(rnd.filter((e) => e.type === 'symlink').length).toBeGreaterThan(5);
    expect(Math.max(...rnd.map((e) => e.path.split('/').length))).toBeGreaterThan(3);
    // sorted by bytes, root first
    expect(m[0]!.path).toBe('.');
    for (let k = 2; k < m.length; k++) expect(compareUtf8(m[k - 1]!.path, m[k]!.path)).toBeLessThan(0);
  });

  it('safeModes only uses bare-user-only modes', () => {
    const spec = generateTreeSpec({ seed: 11, safeModes: true, files: 500, bigFileSize: 0, manyFiles: 0 });
    for (const [p, e] of Object.entries(spec)) {
      if (typeof e === 'string' || e.type === 'symlink') continue;
      expect((e.mode ?? 0o644) & ~0o775, p).toBe(0);
    }
  });

  it('manifest options drop modes, dir modes, root and excluded paths', () => {
    const d = scratch();
    writeTree(d, { 'x/y': { type: 'file', content: 'z', mode: 0o600 }, '.ostree/junk': 'j' });
    expect(manifest(d, { ignoreModes: true, excludeRoot: true, exclude: ['.ostree/'] }).map((e) => e.path)).toEqual(['x', 'x/y']);
    expect(manifest(d, { ignoreDirModes: true }).find((e) => e.path === 'x')!.mode).toBeUndefined();
    expect(manifest(d, { ignoreDirModes: true }).find((e) => e.path === 'x/y')!.mode).toBe(0o600);
    expect(manifest(d, { includeOwnership: true })[0]!.uid).toBe(process.getuid!());
  });
});

describe('bench tree generator', () => {
  it('is deterministic, sized and mixed', async () => {
    const { generateBenchTree } = await import('../../bench/trees.js');
    const a = scratch();
    const b = scratch();
    const size = 6 * 1024 * 1024;
    const sa = generateBenchTree(join(a, 't'), { totalBytes: size, seed: 5 });
    const sb = generateBenchTree(join(b, 't'), { totalBytes: size, seed: 5 });
    expect({ ...sa, ms: 0 }).toEqual({ ...sb, ms: 0 });
    expect(sa.bytes).toBeGreaterThanOrEqual(size);
    expect(sa.bytes).toBeLessThan(size * 1.3);
    expect(sa.files).toBeGreaterThan(150);
    expect(sa.duplicates).toBeGreaterThan(0);
    expect(sa.symlinks).toBeGreaterThan(0);
    const ma = manifest(join(a, 't'));
    expect(diffManifests(ma, manifest(join(b, 't')))).toEqual([]);
    expect(ma.filter((e) => e.type === 'file').length).toBe(sa.files);
    expect(ma.some((e) => e.type === 'file' && e.size! >= 1 << 20)).toBe(true);
  });
});
