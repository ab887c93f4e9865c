import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import {
  bytesToHex,
  hexToBytes,
  isChecksum,
  validateChecksum,
  checksumToBytes,
  checksumFromBytes,
  checksumToB64,
  checksumFromB64,
} from '../../src/format/checksum.js';
import { codeOf } from '../util/errors.js';

const code = codeOf;

describe('checksum hex', () => {
  it('round-trips bytes and hex', () => {
    const b = new Uint8Array(256).map((_, i) => i);
    const h = bytesToHex(b);
    expect(h).toBe(Buffer.from(b).toString('hex'));
    expect(hexToBytes(h)).toEqual(b);
  });
  it('validates checksum strings', () => {
    const c = '39677580cdcc26007bce18424914ea695798261860338a3ad3cfb7bc9f2521c7';
    expect(isChecksum(c)).toBe(true);
    expect(() => validateChecksum(c)).not.toThrow();
    for (const bad of ['', c.slice(1), c + '0', c.toUpperCase(), c.slice(0, 63) + 'g', c.slice(0, 63) + '\u00e9', 'x'.repeat(1000)]) {
      expect(isChecksum(bad)).toBe(false);
      expect(code(() => validateChecksum(bad))).toBe('INVALID_CHECKSUM');
      expect(code(() => checksumToBytes(bad))).toBe('INVALID_CHECKSUM');
    }
    expect(checksumFromBytes(checksumToBytes(c))).toBe(c);
    expect(code(() => checksumFromBytes(new Uint8Array(31)))).toBe('INVALID_CHECKSUM');
    expect(code(() => hexToBytes('abc'))).toBe('INVALID_CHECKSUM');
    expect(code(() => hexToBytes('zz'))).toBe('INVALID_CHECKSUM');
  });
});

describe('modified base64 (§4.5)', () => {
  it('matches the documented delta names', () => {
    // §4.5 example: to 4da85ad8…1fef → Taha2ACnckF589himOrZ93nY5ItOg95FIOsIL82DH+8
    const to = checksumFromB64('Taha2ACnckF589himOrZ93nY5ItOg95FIOsIL82DH+8');
    expect(to.startsWith('4da85ad8')).toBe(true);
    expect(to.endsWith('1fef')).toBe(true);
    expect(checksumToB64(to)).toBe('Taha2ACnckF589himOrZ93nY5ItOg95FIOsIL82DH+8');
    const from = checksumFromB64('ByYhgPLek_9DCU5kUzr5t9SRoQRqHogjOubkkGRLjj4');
    expect(from.startsWith('07262180')).toBe(true);
    expect(from.endsWith('8e3e')).toBe(true);
  });
  it('agrees with node base64 on random checksums', () => {
    for (let i = 0; i < 200; i++) {
      const bytes = createHash('sha256').update(String(i)).digest();
      const expected = bytes.toString('base64').replace(/\//g, '_').replace(/=$/, '');
      expect(checksumToB64(bytes)).toBe(expected);
      expect(checksumToB64(bytes.toString('hex'))).toBe(expected);
      expect(checksumFromB64(expected)).toBe(bytes.toString('hex'));
    }
  });
  it('rejects malformed input', () => {
    const ok = 'Taha2ACnckF589himOrZ93nY5ItOg95FIOsIL82DH+8';
    for (const bad of ['', ok.slice(1), ok + 'A', ok.replace('+', '/'), ok.replace('T', '='), ok.slice(0, 42) + '9']) {
      expect(code(() => checksumFromB64(bad))).toBe('INVALID_CHECKSUM');
    }
  });
});
