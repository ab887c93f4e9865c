/**
 * Pure parsers for the files of a GnuPG 2.x home directory, so that `--gpg-homedir=DIR
 * --gpg-sign=KEYID` works without gpg or gpg-agent:
 *
 * - `pubring.kbx` (keybox; `kbx/keybox-blob.c` documents the blob layout) and legacy `pubring.gpg`
 *   (a plain OpenPGP keyring, possibly with trust packets);
 * - `private-keys-v1.d/<KEYGRIP>.key` secret keys (`agent/keyformat.txt`): the extended
 *   "Name: value" format (`common/name-value.c`) and the older bare canonical S-expression, unprotected
 *   or protected with `openpgp-s2k3-ocb-aes` / `openpgp-s2k3-sha1-aes-cbc` (`agent/protect.c`);
 * - the libgcrypt keygrip (`cipher/rsa.c`, `cipher/ecc.c` `compute_keygrip`) that names those files;
 * - rebuilding an OpenPGP transferable secret key from a public keyblock plus the agent's secret
 *   parameters (v4 secret-key packets, RFC 4880 §5.5.3), which OpenPGP.js then reads.
 *
 * No I/O here: `src/store/gpg-home.ts` reads the files.
 *
 * @module
 */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { OstreeError } from '../errors.js';
import { atomText, canonicalSexp, findList, parseSexp, type Sexp } from './sexp.js';

function invalid(msg: string, data: Record<string, unknown> = {}): never {
  throw new OstreeError('KEY_INVALID', msg, { data });
}

// ---------------------------------------------------------------------------------------------
// OpenPGP packets

/** One OpenPGP packet. */
export interface OpenPgpPacket {
  /** Packet tag (6 public key, 14 public subkey, 13 user ID, 2 signature, 12 trust, …). */
  tag: number;
  /** The packet body. */
  body: Uint8Array;
}

/**
 * Split bytes into OpenPGP packets (old and new header formats; partial lengths are refused, keys
 * never use them).
 * @throws OstreeError `KEY_INVALID`.
 */
export function readPackets(bytes: Uint8Array): OpenPgpPacket[] {
  const out: OpenPgpPacket[] = [];
  let i = 0;
  while (i < bytes.length) {
    const h = bytes[i];
    if (!(h & 0x80)) invalid(`Invalid OpenPGP packet header at offset ${i}`, { offset: i });
    let tag: number;
    let len: number;
    let p = i + 1;
    const need = (n: number) => { if (p + n > bytes.length) invalid(`Truncated OpenPGP packet at offset ${i}`, { offset: i }); };
    if (h & 0x40) {
      tag = h & 0x3f;
      need(1);
      const b0 = bytes[p];
      if (b0 < 192) { len = b0; p += 1; }
      else if (b0 < 224) { need(2); len = ((b0 - 192) << 8) + bytes[p + 1] + 192; p += 2; }
      else if (b0 === 255) { need(5); len = ((bytes[p + 1] << 24) >>> 0) + (bytes[p + 2] << 16) + (bytes[p + 3] << 8) + bytes[p + 4]; p += 5; }
      else invalid(`Partial-length OpenPGP packet at offset ${i} in a key`, { offset: i });
    } else {
      tag = (h >> 2) & 0x0f;
      const lt = h & 3;
      if (lt === 0) { need(1); len = bytes[p]; p += 1; }
      else if (lt === 1) { need(2); len = (bytes[p] << 8) | bytes[p + 1]; p += 2; }
      else if (lt === 2) { need(4); len = ((bytes[p] << 24) >>> 0) + (bytes[p + 1] << 16) + (bytes[p + 2] << 8) + bytes[p + 3]; p += 4; }
      else len = bytes.length - p;
    }
    need(len);
    out.push({ tag, body: bytes.subarray(p, p + len) });
    i = p + len;
  }
  return out;
}

/** Serialize one packet with a new-format header. */
export function writePacket(tag: number, body: Uint8Array): Uint8Array {
  const n = body.length;
  let hdr: number[];
  if (n < 192) hdr = [0xc0 | tag, n];
  else if (n < 8384) hdr = [0xc0 | tag, ((n - 192) >> 8) + 192, (n - 192) & 0xff];
  else hdr = [0xc0 | tag, 255, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  const out = new Uint8Array(hdr.length + n);
  out.set(hdr, 0);
  out.set(body, hdr.length);
  return out;
}

const TAG_PUBLIC_KEY = 6;
const TAG_PUBLIC_SUBKEY = 14;
const TAG_SECRET_KEY = 5;
const TAG_SECRET_SUBKEY = 7;
const TAG_TRUST = 12;

/**
 * Split a legacy keyring (`pubring.gpg`, or any concatenation of exported keys) into keyblocks, one
 * per primary key, dropping GnuPG's local trust packets.
 * @throws OstreeError `KEY_INVALID`.
 */
export function splitKeyring(bytes: Uint8Array): Uint8Array[] {
  const blocks: OpenPgpPacket[][] = [];
  for (const pkt of readPackets(bytes)) {
    if (pkt.tag === TAG_TRUST) continue;
    if (pkt.tag === TAG_PUBLIC_KEY || pkt.tag === TAG_SECRET_KEY) blocks.push([]);
    if (blocks.length === 0) invalid('Keyring does not start with a key packet');
    blocks[blocks.length - 1].push(pkt);
  }
  return blocks.map((b) => new Uint8Array(Buffer.concat(b.map((p) => writePacket(p.tag, p.body)))));
}

// ---------------------------------------------------------------------------------------------
// Keybox

/**
 * Extract the OpenPGP keyblocks of a keybox file (`pubring.kbx`). X.509 and empty blobs are
 * skipped. Blob layout from gnupg's `kbx/keybox-blob.c`: `u32 length, u8 type (1 first, 2 OpenPGP,
 * 3 X.509), u8 version, u16 flags, u32 keyblock offset, u32 keyblock length, …`, all big-endian,
 * offsets from the start of the blob.
 * @throws OstreeError `KEY_INVALID`.
 */
export function parseKeybox(bytes: Uint8Array): Uint8Array[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Uint8Array[] = [];
  let off = 0;
  let first = true;
  while (off < bytes.length) {
    if (off + 5 > bytes.length) invalid(`Truncated keybox blob at offset ${off}`, { offset: off });
    const len = dv.getUint32(off);
    const type = bytes[off + 4];
    if (len < 5 || off + len > bytes.length) invalid(`Bad keybox blob length ${len} at offset ${off}`, { offset: off });
    if (first) {
      if (type !== 1 || len < 12 || Buffer.from(bytes.subarray(off + 8, off + 12)).toString('latin1') !== 'KBXf') {
        invalid('Not a keybox file (no KBXf header blob)');
      }
      first = false;
    } else if (type === 2) {
      if (len < 16) invalid(`Truncated keybox OpenPGP blob at offset ${off}`, { offset: off });
      const kbOff = dv.getUint32(off + 8);
      const kbLen = dv.getUint32(off + 12);
      if (kbOff + kbLen > len) invalid(`Keyblock outside its keybox blob at offset ${off}`, { offset: off });
      out.push(bytes.slice(off + kbOff, off + kbOff + kbLen));
    }
    off += len;
  }
  if (first) invalid('Empty keybox file');
  return out;
}

/** True when the bytes look like a keybox (first blob has the `KBXf` magic). */
export function isKeybox(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && bytes[4] === 1 && Buffer.from(bytes.subarray(8, 12)).toString('latin1') === 'KBXf';
}

// ---------------------------------------------------------------------------------------------
// Public key packets: fingerprint and keygrip

const OID_ED25519 = '2b06010401da470f01'; // 1.3.6.1.4.1.11591.15.1

/** Facts about one key packet of a keyblock. */
export interface KeyPacketInfo {
  /** Index of the packet within the keyblock. */
  index: number;
  /** True for a subkey. */
  subkey: boolean;
  /** OpenPGP public-key algorithm number. */
  algorithm: number;
  /** V4 fingerprint, upper-case hex. */
  fingerprint: string;
  /** Long key ID, upper-case hex. */
  keyId: string;
  /** Libgcrypt keygrip, upper-case hex, or null for algorithms we cannot compute it for. */
  keygrip: string | null;
}

function readMpi(body: Uint8Array, p: number): { value: Uint8Array; end: number } {
  if (p + 2 > body.length) invalid('Truncated MPI in key packet');
  const bits = (body[p] << 8) | body[p + 1];
  const n = (bits + 7) >> 3;
  if (p + 2 + n > body.length) invalid('Truncated MPI in key packet');
  return { value: body.subarray(p + 2, p + 2 + n), end: p + 2 + n };
}

// Ed25519 domain parameters as libgcrypt hashes them for the keygrip (`cipher/ecc-curves.c`; `a`
// and `b` are stored negated, so their magnitudes are hashed).
const ED25519_GRIP_PARAMS: [string, string][] = [
  ['p', '7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFED'],
  ['a', '01'],
  ['b', '2DFC9311D490018C7338BF8688861767FF8FF5B2BEBE27548A14B235ECA6874A'],
  ['g', '04216936D3CD6E53FEC0A4E231FDD6DC5C692CC7609525A7B2C9562D608F25D51A6666666666666666666666666666666666666666666666666666666666666658'],
  ['n', '1000000000000000000000000000000014DEF9DEA2F79CD65812631A5CF5D3ED'],
];

/** Keygrip of an RSA key: SHA-1 of `n` as libgcrypt stores it (a 0x00 prefix when the top bit is set). */
export function rsaKeygrip(n: Uint8Array): Uint8Array {
  let s = 0;
  while (s < n.length - 1 && n[s] === 0) s++;
  const stripped = n.subarray(s);
  const h = createHash('sha1');
  if (stripped[0] & 0x80) h.update(Uint8Array.of(0));
  h.update(stripped);
  return new Uint8Array(h.digest());
}

/** Keygrip of an Ed25519 key from its 32-byte public key (libgcrypt `compute_keygrip` for ECC). */
export function ed25519Keygrip(pub: Uint8Array): Uint8Array {
  if (pub.length !== 32) invalid('Ed25519 public key must be 32 bytes');
  const h = createHash('sha1');
  for (const [name, hex] of [...ED25519_GRIP_PARAMS, ['q', Buffer.from(pub).toString('hex')] as [string, string]]) {
    const v = Buffer.from(hex, 'hex');
    h.update(`(1:${name}${v.length}:`);
    h.update(v);
    h.update(')');
  }
  return new Uint8Array(h.digest());
}

/**
 * Fingerprint, key ID and keygrip of a v4 public-key packet body. Keygrips are computed for RSA
 * (algorithms 1–3) and Ed25519 (EdDSA legacy, algorithm 22, and algorithm 27); other algorithms get
 * `null`.
 * @throws OstreeError `KEY_INVALID` for a malformed packet or a non-v4 key.
 */
export function describeKeyPacket(body: Uint8Array): Omit<KeyPacketInfo, 'index' | 'subkey'> {
  if (body.length < 6) invalid('Truncated public key packet');
  if (body[0] !== 4) invalid(`Unsupported key packet version ${body[0]}`);
  const algorithm = body[5];
  const fpr = createHash('sha1').update(Uint8Array.of(0x99, body.length >> 8, body.length & 0xff)).update(body).digest('hex').toUpperCase();
  let grip: Uint8Array | null = null;
  if (algorithm === 1 || algorithm === 2 || algorithm === 3) {
    grip = rsaKeygrip(readMpi(body, 6).value);
  } else if (algorithm === 22) {
    const oidLen = body[6];
    if (oidLen === undefined || 7 + oidLen > body.length) invalid('Truncated EdDSA key packet');
    const oid = Buffer.from(body.subarray(7, 7 + oidLen)).toString('hex');
    const q = readMpi(body, 7 + oidLen).value;
    if (oid === OID_ED25519 && q.length === 33 && q[0] === 0x40) grip = ed25519Keygrip(q.subarray(1));
  } else if (algorithm === 27) {
    if (body.length < 6 + 32) invalid('Truncated Ed25519 key packet');
    grip = ed25519Keygrip(body.subarray(6, 38));
  }
  return {
    algorithm, fingerprint: fpr, keyId: fpr.slice(-16),
    keygrip: grip ? Buffer.from(grip).toString('hex').toUpperCase() : null,
  };
}

/** The key packets (primary and subkeys) of a keyblock with their fingerprints and keygrips. */
export function keyblockKeys(keyblock: Uint8Array): KeyPacketInfo[] {
  const out: KeyPacketInfo[] = [];
  readPackets(keyblock).forEach((p, index) => {
    if (p.tag === TAG_PUBLIC_KEY || p.tag === TAG_PUBLIC_SUBKEY) {
      out.push({ index, subkey: p.tag === TAG_PUBLIC_SUBKEY, ...describeKeyPacket(p.body) });
    }
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// private-keys-v1.d/*.key

/** A secret key from gpg-agent's store, unprotected. */
export interface AgentSecretKey {
  /** Libgcrypt algorithm token: `rsa`, `ecc`, `ecdsa`, `eddsa`, … */
  algorithm: string;
  /** Named parameters (`n`, `e`, `d`, `p`, `q`, `u` for RSA; `curve`, `q`, `d` for ECC). */
  params: Record<string, Uint8Array>;
}

/** Options for {@link parseAgentKeyFile}. */
export interface ParseAgentKeyOptions {
  /** Passphrase for a protected key. */
  passphrase?: string;
}

/**
 * Extract the `Key:` value of an extended-format key file (continuation lines start with
 * whitespace; one leading blank is dropped and lines are joined without separator, a blank line
 * encodes a newline — `assert_value()` in gnupg's `common/name-value.c`).
 */
function extendedKeyValue(text: string): string {
  const lines = text.split(/\r?\n/);
  let value: string[] | null = null;
  let found: string[] | null = null;
  const finish = () => { if (value && found === null && currentIsKey) found = value; };
  let currentIsKey = false;
  for (const line of lines) {
    const trimmed = line.replace(/^[ \t]+/, '');
    if (value && (/^[ \t]/.test(line) || trimmed === '')) {
      value.push(line);
      continue;
    }
    finish();
    value = null;
    currentIsKey = false;
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon < 0) invalid('Invalid extended key file: a line without a name');
    const name = line.slice(0, colon);
    if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(name)) invalid('Invalid extended key file: bad name');
    if (name.toLowerCase() === 'key') {
      if (found !== null) invalid('Invalid extended key file: several Key: entries');
      currentIsKey = true;
    }
    value = [line.slice(colon + 1)];
  }
  finish();
  if (found === null) invalid('Extended key file has no Key: entry');
  let out = '';
  let swallow = false;
  for (const raw of found as string[]) {
    let s = raw;
    // blanks only: quoted strings may hold raw bytes such as 0xA0, which `\s` would eat
    if (swallow) s = s.replace(/^[ \t]+/, '');
    else if (/^[ \t]/.test(s)) s = s.slice(1);
    s = s.replace(/[ \t]+$/, '');
    if (s === '') { out += '\n'; swallow = true; } else { out += s; swallow = false; }
  }
  return out;
}

/** The key S-expression of a `.key` file, extended or bare format. */
export function agentKeySexp(file: Uint8Array): Sexp {
  if (!(file instanceof Uint8Array)) throw new TypeError('file must be a Uint8Array');
  let i = 0;
  while (i < file.length && (file[i] === 0x20 || file[i] === 0x0a || file[i] === 0x0d || file[i] === 0x09)) i++;
  if (i >= file.length) invalid('Empty key file');
  if (file[i] === 0x28) return parseSexp(file, i).value;
  // Byte-for-byte (latin1), never UTF-8: gpg-agent writes quoted strings with raw bytes ≥ 0x80 in
  // them (a salt or IV that its printer found "printable enough"), which a UTF-8 decode would
  // replace with U+FFFD — about one key in ten failed that way.
  const text = Buffer.from(file.buffer, file.byteOffset, file.byteLength).toString('latin1');
  return parseSexp(new Uint8Array(Buffer.from(extendedKeyValue(text), 'latin1'))).value;
}

function paramsOf(algList: Sexp[]): Record<string, Uint8Array> {
  const params: Record<string, Uint8Array> = {};
  for (const e of algList.slice(1)) {
    if (Array.isArray(e) && e.length >= 2 && e[0] instanceof Uint8Array && e[1] instanceof Uint8Array) {
      const k = atomText(e[0])!;
      if (!(k in params)) params[k] = e[1];
    }
  }
  return params;
}

/** SHA-1 iterated+salted S2K (RFC 4880 §3.7.1.3) as gpg-agent's `hash_passphrase()` uses it. */
export function s2kSha1Iterated(passphrase: string, salt: Uint8Array, count: number, keyLen: number, preloadZeros = 0): Uint8Array {
  const pass = Buffer.from(passphrase, 'utf8');
  const unit = Buffer.concat([salt, pass]);
  const total = Math.max(count, unit.length);
  const h = createHash('sha1');
  if (preloadZeros > 0) h.update(new Uint8Array(preloadZeros));
  // Hash a large repeated block to keep the number of update() calls small.
  const reps = Math.max(1, Math.floor(65536 / unit.length));
  const block = Buffer.alloc(unit.length * reps);
  for (let r = 0; r < reps; r++) unit.copy(block, r * unit.length);
  let left = total;
  while (left >= block.length) { h.update(block); left -= block.length; }
  if (left > 0) h.update(block.subarray(0, left));
  const d = h.digest();
  if (keyLen > d.length) throw new RangeError('keyLen larger than SHA-1 output');
  return new Uint8Array(d.subarray(0, keyLen));
}

// Upper bound for the S2K byte count so that a hostile file cannot make us hash for minutes.
const MAX_S2K_COUNT = 2 ** 32;

/**
 * Parse (and, when protected, decrypt) a `private-keys-v1.d/<KEYGRIP>.key` file.
 * @throws OstreeError `KEY_INVALID` (malformed), `KEY_UNSUPPORTED` (shadowed/smartcard keys,
 *   `openpgp-native` protection, unknown modes), `PASSPHRASE_REQUIRED`, `BAD_PASSPHRASE`.
 */
export function parseAgentKeyFile(file: Uint8Array, options: ParseAgentKeyOptions = {}): AgentSecretKey {
  const top = agentKeySexp(file);
  if (!Array.isArray(top) || top.length < 2 || !Array.isArray(top[1])) invalid('Key file does not hold a key');
  const kind = atomText(top[0]);
  const algList = top[1] as Sexp[];
  const algorithm = atomText(algList[0]);
  if (!algorithm) invalid('Key file does not name an algorithm');
  if (kind === 'private-key') return { algorithm, params: paramsOf(algList) };
  if (kind === 'shadowed-private-key') {
    throw new OstreeError('KEY_UNSUPPORTED', 'The secret key is stored on a smartcard/token (shadowed key); ostree-ts cannot use it');
  }
  if (kind !== 'protected-private-key') invalid(`Unknown key file type ${kind ?? '?'}`);
  const protIndex = algList.findIndex((e) => Array.isArray(e) && atomText(e[0]) === 'protected');
  if (protIndex < 0) invalid('Protected key without a protected list');
  const prot = algList[protIndex] as Sexp[];
  const mode = atomText(prot[1]);
  const isOcb = mode === 'openpgp-s2k3-ocb-aes';
  const isCbc = mode === 'openpgp-s2k3-sha1-aes-cbc' || mode === 'openpgp-s2k3-sha1-aes256-cbc';
  if (!isOcb && !isCbc) throw new OstreeError('KEY_UNSUPPORTED', `Unsupported key protection mode ${mode ?? '?'}`);
  // ((sha1 SALT COUNT) IV) ENCRYPTED
  const parms = prot[2];
  const enc = prot[3];
  if (!Array.isArray(parms) || !(enc instanceof Uint8Array) || !Array.isArray(parms[0]) || !(parms[1] instanceof Uint8Array)) {
    invalid('Malformed protected list');
  }
  const s2k = parms[0] as Sexp[];
  const iv = parms[1] as Uint8Array;
  if (atomText(s2k[0]) !== 'sha1' || !(s2k[1] instanceof Uint8Array) || s2k[1].length !== 8) invalid('Malformed S2K parameters');
  const countText = atomText(s2k[2]) ?? '';
  if (!/^[0-9]{1,12}$/.test(countText)) invalid('Malformed S2K count');
  let count = Number(countText);
  if (count < 256) count = (16 + (count & 15)) << ((count >> 4) + 6); // old coded-count form
  if (count < 65536 || count > MAX_S2K_COUNT) invalid(`S2K count ${count} out of range`);
  if (isOcb ? iv.length !== 12 || enc.length < 20 : iv.length !== 16 || enc.length < 16 || enc.length % 16 !== 0) {
    invalid('Malformed protected key data');
  }
  if (options.passphrase === undefined) {
    throw new OstreeError('PASSPHRASE_REQUIRED', 'The secret key is protected by a passphrase and none was given');
  }
  const keyLen = mode === 'openpgp-s2k3-sha1-aes256-cbc' ? 32 : 16;
  // SHA-1 gives only 20 bytes; gpg-agent's S2K extends for longer keys by hashing with preloaded zeros.
  const key = keyLen === 16
    ? s2kSha1Iterated(options.passphrase, s2k[1], count, 16)
    : s2kLong(options.passphrase, s2k[1], count, keyLen);
  const badPass = () => new OstreeError('BAD_PASSPHRASE', 'Wrong passphrase for the secret key');
  let plain: Uint8Array;
  if (isOcb) {
    // AAD: the canonical algorithm list without the (protected …) element (`do_decryption()`).
    const aad = canonicalSexp(algList.filter((_, i) => i !== protIndex));
    try {
      const d = createDecipheriv('aes-128-ocb', key, iv, { authTagLength: 16 });
      d.setAAD(aad);
      d.setAuthTag(enc.subarray(enc.length - 16));
      plain = new Uint8Array(Buffer.concat([d.update(enc.subarray(0, enc.length - 16)), d.final()]));
    } catch {
      throw badPass();
    }
  } else {
    const d = createDecipheriv(keyLen === 16 ? 'aes-128-cbc' : 'aes-256-cbc', key, iv);
    d.setAutoPadding(false);
    plain = new Uint8Array(Buffer.concat([d.update(enc), d.final()]));
  }
  // Decrypted: ((PARAM…)[(hash sha1 MIC)]) followed by padding.
  let decoded: Sexp;
  try {
    if (plain[0] !== 0x28 || plain[1] !== 0x28) throw badPass();
    decoded = parseSexp(plain).value;
  } catch {
    throw badPass();
  }
  if (!Array.isArray(decoded) || !Array.isArray(decoded[0])) throw badPass();
  const secretParams = (decoded[0] as Sexp[]).filter((e): e is Sexp[] => Array.isArray(e));
  if (isCbc) {
    const hashList = findList(decoded, 'hash');
    const mic = hashList?.[2];
    if (!(mic instanceof Uint8Array) || atomText(hashList![1]) !== 'sha1') throw badPass();
    const merged = [...algList.slice(0, protIndex), ...secretParams, ...algList.slice(protIndex + 1)];
    const calc = createHash('sha1').update(canonicalSexp(merged)).digest();
    if (!calc.equals(Buffer.from(mic))) throw badPass();
  }
  const params = paramsOf([algList[0], ...algList.filter((_, i) => i !== protIndex).slice(1), ...secretParams]);
  return { algorithm, params };
}

function s2kLong(passphrase: string, salt: Uint8Array, count: number, keyLen: number): Uint8Array {
  // RFC 4880 §3.7.1: each further 20 bytes come from a hash preloaded with one more zero byte.
  const out = new Uint8Array(keyLen);
  for (let pass = 0, done = 0; done < keyLen; pass++) {
    const d = s2kSha1Iterated(passphrase, salt, count, 20, pass);
    const n = Math.min(20, keyLen - done);
    out.set(d.subarray(0, n), done);
    done += n;
  }
  return out;
}

/**
 * Protect an unprotected key S-expression the way gpg-agent 2.2 does with
 * `openpgp-s2k3-ocb-aes` or `openpgp-s2k3-sha1-aes-cbc` — used by tests to make protected files
 * and kept beside the decryption code it mirrors. Returns the canonical protected key.
 */
export function protectAgentKey(
  plain: Uint8Array, passphrase: string, mode: 'ocb' | 'cbc', salt: Uint8Array, iv: Uint8Array, count = 65536,
  protectedAt = '20240101T000000',
): Uint8Array {
  const top = agentKeySexp(plain) as Sexp[];
  const algList = top[1] as Sexp[];
  const publicNames = new Set(atomText(algList[0]) === 'rsa' ? ['n', 'e'] : ['curve', 'flags', 'q', 'p', 'a', 'b', 'g', 'n', 'h']);
  const pub = algList.slice(1).filter((e) => Array.isArray(e) && publicNames.has(atomText(e[0]) ?? ''));
  const sec = algList.slice(1).filter((e) => Array.isArray(e) && !publicNames.has(atomText(e[0]) ?? ''));
  const enc = (s: string) => new TextEncoder().encode(s);
  const key = s2kSha1Iterated(passphrase, salt, count, 16);
  const protAt: Sexp = [enc('protected-at'), enc(protectedAt)];
  let data: Uint8Array;
  if (mode === 'ocb') {
    const aad = canonicalSexp([algList[0], ...pub, protAt]);
    const inner = canonicalSexp([sec]);
    const c = createCipheriv('aes-128-ocb', key, iv, { authTagLength: 16 });
    c.setAAD(aad);
    data = new Uint8Array(Buffer.concat([c.update(inner), c.final(), c.getAuthTag()]));
  } else {
    const mic = createHash('sha1').update(canonicalSexp([algList[0], ...pub, ...sec, protAt])).digest();
    let inner = canonicalSexp([sec, [enc('hash'), enc('sha1'), new Uint8Array(mic)]]);
    const padded = new Uint8Array(Math.ceil(inner.length / 16) * 16);
    padded.set(inner);
    inner = padded;
    const c = createCipheriv('aes-128-cbc', key, iv);
    c.setAutoPadding(false);
    data = new Uint8Array(Buffer.concat([c.update(inner), c.final()]));
  }
  const modeName = mode === 'ocb' ? 'openpgp-s2k3-ocb-aes' : 'openpgp-s2k3-sha1-aes-cbc';
  const protList: Sexp = [enc('protected'), enc(modeName), [[enc('sha1'), salt, enc(String(count))], iv], data];
  return canonicalSexp([enc('protected-private-key'), [algList[0], ...pub, protList, protAt]]);
}

// ---------------------------------------------------------------------------------------------
// Rebuilding an OpenPGP secret key

function mpi(v: Uint8Array): Uint8Array {
  let s = 0;
  while (s < v.length && v[s] === 0) s++;
  const b = v.subarray(s);
  const bits = b.length === 0 ? 0 : (b.length - 1) * 8 + (32 - Math.clz32(b[0]));
  const out = new Uint8Array(2 + b.length);
  out[0] = bits >> 8;
  out[1] = bits & 0xff;
  out.set(b, 2);
  return out;
}

/** The secret MPIs of an OpenPGP v4 secret-key packet for `algorithm`, from agent parameters. */
function secretMaterial(algorithm: number, key: AgentSecretKey): Uint8Array {
  const need = (...names: string[]) => names.map((n) => {
    const v = key.params[n];
    if (!v) invalid(`Secret key lacks parameter ${n}`);
    return v;
  });
  if (algorithm === 1 || algorithm === 2 || algorithm === 3) {
    if (key.algorithm !== 'rsa') invalid(`Secret key is ${key.algorithm}, the public key RSA`);
    const [d, p, q, u] = need('d', 'p', 'q', 'u');
    return new Uint8Array(Buffer.concat([mpi(d), mpi(p), mpi(q), mpi(u)]));
  }
  if (algorithm === 22) {
    if (key.algorithm !== 'ecc' && key.algorithm !== 'eddsa') invalid(`Secret key is ${key.algorithm}, the public key EdDSA`);
    const [d] = need('d');
    return mpi(d);
  }
  if (algorithm === 27) {
    const [d] = need('d');
    if (d.length !== 32) invalid('Ed25519 secret key must be 32 bytes');
    return d;
  }
  throw new OstreeError('KEY_UNSUPPORTED', `Unsupported public-key algorithm ${algorithm} for a GnuPG home secret key`);
}

/**
 * Build a binary OpenPGP transferable secret key from a public keyblock: every key packet whose
 * keygrip has an entry in `secrets` becomes an unprotected v4 secret-key packet (RFC 4880 §5.5.3:
 * public body, usage octet 0, secret MPIs, 16-bit checksum); the others become GnuPG "dummy"
 * secret packets (S2K mode 101, as `gpg --export-secret-subkeys` writes for absent keys).
 * @throws OstreeError `KEY_INVALID`, `KEY_UNSUPPORTED`.
 */
export function buildSecretKeyblock(keyblock: Uint8Array, secrets: ReadonlyMap<string, AgentSecretKey>): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const p of readPackets(keyblock)) {
    if (p.tag === TAG_TRUST) continue;
    if (p.tag !== TAG_PUBLIC_KEY && p.tag !== TAG_PUBLIC_SUBKEY) {
      parts.push(writePacket(p.tag, p.body));
      continue;
    }
    const info = describeKeyPacket(p.body);
    const secret = info.keygrip ? secrets.get(info.keygrip) : undefined;
    let tail: Uint8Array;
    if (secret) {
      const m = secretMaterial(info.algorithm, secret);
      let sum = 0;
      for (const b of m) sum = (sum + b) & 0xffff;
      tail = new Uint8Array(Buffer.concat([Uint8Array.of(0), m, Uint8Array.of(sum >> 8, sum & 0xff)]));
    } else {
      tail = Uint8Array.of(254, 0, 101, 0, 0x47, 0x4e, 0x55, 1);
    }
    const tag = p.tag === TAG_PUBLIC_KEY ? TAG_SECRET_KEY : TAG_SECRET_SUBKEY;
    parts.push(writePacket(tag, new Uint8Array(Buffer.concat([p.body, tail]))));
  }
  return new Uint8Array(Buffer.concat(parts));
}
