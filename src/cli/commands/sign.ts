/**
 * `ostree-ts sign` with `ostree sign`'s options (`src/ostree/ot-builtin-sign.c`): ed25519 commit
 * signatures. `COMMIT KEY…` signs with base64 secret keys (or `--keys-file`, or
 * `OSTREE_TS_ED25519_KEY`); `--verify COMMIT [KEY…]` checks against base64 public keys (or
 * `--keys-file` with public keys) and prints ostree's success line; `--delete COMMIT KEY…` removes
 * the signatures made by the given keys (public, or secret keys whose public half is used) — ostree
 * 2022.7 accepts `--delete` but does nothing with it.
 * @module
 */
import { OstreeError } from '../../errors.js';
import { Repo } from '../../store/repo.js';
import { decodeBase64Key, ED25519_SECRET_KEY_SIZE, ED25519_SEED_SIZE, toBase64 } from '../../sign/ed25519.js';
import { deleteCommitSignature, loadEd25519Verifier, signCommit, verifyCommit } from '../../ops/sign.js';
import { one, type Command } from '../command.js';
import { signersFromArgs } from '../signing-options.js';
import { resolve } from 'node:path';

function checkType(t: string | undefined): void {
  if (t !== undefined && t !== 'ed25519') {
    throw new OstreeError('INVALID_ARGUMENT', `Requested signature type is not implemented: ${t} (ostree-ts supports ed25519; use gpg-sign for GPG)`);
  }
}

/** A base64 ed25519 key as the public key (a 64-byte secret key gives its public half). */
function publicKeyText(k: string): string {
  const b = decodeBase64Key(k);
  return b.length === ED25519_SECRET_KEY_SIZE ? toBase64(b.subarray(ED25519_SEED_SIZE)) : k.trim();
}

/** `sign` */
export const signCommand: Command = {
  name: 'sign',
  usage: '[OPTION…] COMMIT KEY-ID…',
  summary: 'Sign a commit (ed25519)',
  repo: true,
  options: {
    delete: { type: 'boolean', short: 'd', description: 'Delete signatures having any of the KEY-IDs' },
    verify: { type: 'boolean', description: 'Verify signatures' },
    'sign-type': { type: 'string', short: 's', arg: 'NAME', description: "Signature type to use (defaults to 'ed25519')" },
    'keys-file': { type: 'string', arg: 'NAME', description: 'Read key(s) from file' },
    'revoked-file': { type: 'string', arg: 'NAME', description: 'With --verify: never accept the public keys in this file' },
  },
  async run(args, io, ctx) {
    const v = args.values;
    const [rev, ...keys] = args.positionals;
    if (rev === undefined) throw new OstreeError('INVALID_ARGUMENT', 'Need a COMMIT to sign or verify');
    checkType(one(v['sign-type']));
    const keysFile = one(v['keys-file']);
    if (!v.verify && !v.delete && keysFile === undefined && keys.length === 0 && !io.env.OSTREE_TS_ED25519_KEY) {
      throw new OstreeError('INVALID_ARGUMENT', 'Need at least one KEY-ID to sign with');
    }
    const repo = await Repo.open(ctx.repoPath());
    const checksum = (await repo.resolveRev(rev, false))!;

    if (v.verify) {
      if (keys.length === 0 && keysFile === undefined) throw new OstreeError('INVALID_ARGUMENT', 'Need a public KEY-ID or --keys-file to verify with');
      const revoked = one(v['revoked-file']);
      const verifier = await loadEd25519Verifier({
        keys,
        keysFiles: keysFile !== undefined ? [resolve(io.cwd, keysFile)] : [],
        revokedFiles: revoked !== undefined ? [resolve(io.cwd, revoked)] : [],
      });
      const result = await verifyCommit(repo, checksum, { verifier });
      const good = result.checks.find((c) => c.valid);
      if (!good) {
        const why = [...new Set(result.checks.map((c) => c.reason ?? 'not valid'))].join('; ');
        throw new OstreeError('BAD_SIGNATURE', `No valid signatures found (${why})`, { data: { result } });
      }
      io.stdout.write(`ed25519: Signature verified successfully with key '${good.keyId}'\n`);
      return 0;
    }

    if (v.delete) {
      if (keys.length === 0) throw new OstreeError('INVALID_ARGUMENT', 'Need at least one KEY-ID to delete');
      const n = await deleteCommitSignature(repo, checksum, keys.map(publicKeyText), { engine: 'ed25519' });
      io.stdout.write(`Signatures deleted: ${n}\n`);
      return 0;
    }

    const signers = await signersFromArgs(
      { 'sign-type': 'ed25519', sign: keys, 'keys-file': keysFile },
      io,
    );
    await signCommit(repo, checksum, signers);
    return 0;
  },
};
