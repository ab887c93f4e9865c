/**
 * `ostree-ts gpg-sign` with `ostree gpg-sign`'s options (`src/ostree/ot-builtin-gpg-sign.c`):
 * `COMMIT KEY-ID…` signs, `--delete` removes the signatures of the given keys. ostree-ts adds the key
 * sources of every signing command (`--gpg-key-file`, `--gpg-passphrase-file`, `OSTREE_TS_GPG_KEY`)
 * and `--verify` (with `--keyring`, `--gpg-homedir`, `--gpg-verify-remote`).
 * @module
 */
import { OstreeError } from '../../errors.js';
import { Repo } from '../../store/repo.js';
import { GpgVerifier } from '../../sign/gpg.js';
import { loadGpgHomePublicKeys } from '../../store/gpg-home.js';
import { deleteCommitSignature, signCommit, verifyCommit } from '../../ops/sign.js';
import { one, type Command } from '../command.js';
import { GPG_SIGN_OPTIONS, GPG_VERIFY_OPTIONS, formatVerifyResult, signersFromArgs, trustedKeysFromArgs } from '../signing-options.js';
import { resolve } from 'node:path';

/** `gpg-sign` */
export const gpgSignCommand: Command = {
  name: 'gpg-sign',
  usage: '[OPTION…] COMMIT KEY-ID…',
  summary: 'Sign a commit',
  repo: true,
  options: {
    delete: { type: 'boolean', short: 'd', description: 'Delete signatures having any of the GPG KEY-IDs' },
    verify: { type: 'boolean', description: 'Verify the commit signatures (KEY-IDs, if given, must be among the valid signers)' },
    'gpg-homedir': GPG_SIGN_OPTIONS['gpg-homedir'],
    'gpg-key-file': GPG_SIGN_OPTIONS['gpg-key-file'],
    'gpg-passphrase-file': GPG_SIGN_OPTIONS['gpg-passphrase-file'],
    ...GPG_VERIFY_OPTIONS,
  },
  async run(args, io, ctx) {
    const v = args.values;
    const [rev, ...keyIds] = args.positionals;
    if (rev === undefined) throw new OstreeError('INVALID_ARGUMENT', 'Need a COMMIT to sign');
    const repo = await Repo.open(ctx.repoPath());
    const checksum = (await repo.resolveRev(rev, false))!;

    if (v.verify) {
      const keys = await trustedKeysFromArgs(v, io, repo);
      const result = await verifyCommit(repo, checksum, { verifier: new GpgVerifier(keys) });
      io.stdout.write(formatVerifyResult(result, keys));
      const valid = result.checks.filter((c) => c.valid);
      const wanted = keyIds.map((k) => k.replace(/^0x/i, '').replace(/\s+/g, '').toUpperCase());
      const ok = wanted.length === 0
        ? valid.length > 0
        : valid.some((c) => wanted.some((w) => c.keyId.endsWith(w) || (c.fingerprint ?? '') === w));
      if (!ok) {
        io.stderr.write(`error: No valid GPG signature${wanted.length ? ` by ${keyIds.join(', ')}` : ''} on commit ${checksum}\n`);
        return 1;
      }
      return 0;
    }

    if (v.delete) {
      if (keyIds.length === 0) throw new OstreeError('INVALID_ARGUMENT', 'Need at least one GPG KEY-ID to delete');
      const home = one(v['gpg-homedir']);
      const gpgKeys = home !== undefined ? await loadGpgHomePublicKeys(resolve(io.cwd, home)) : await trustedKeysFromArgs(v, io, repo);
      const n = await deleteCommitSignature(repo, checksum, keyIds, { gpgKeys });
      io.stdout.write(`Signatures deleted: ${n}\n`);
      return 0;
    }

    if (keyIds.length === 0 && one(v['gpg-key-file']) === undefined) {
      throw new OstreeError('INVALID_ARGUMENT', 'Need at least one GPG KEY-ID to sign with');
    }
    const signers = await signersFromArgs({ ...v, 'gpg-sign': keyIds }, io);
    await signCommit(repo, checksum, signers);
    return 0;
  },
};
