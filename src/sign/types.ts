/**
 * Engine-neutral signing and verification interfaces.
 *
 * This layer works on bytes only: a {@link Signer} signs the exact bytes it is given (a `.commit`
 * object, a `summary` file, an unsigned delta superblock) and a {@link Verifier} checks detached
 * signatures over such bytes. Where the signatures live (`ostree.gpgsigs` / `ostree.sign.ed25519` in
 * commitmeta or `summary.sig`) is the business of `src/ops`.
 *
 * Mirrors libostree's `OstreeSign` interface (`src/libostree/ostree-sign.h`) and the GPG signing in
 * `ostree-repo.c` (`sign_data()`).
 *
 * @module
 */

/** The signature engines ostree-ts implements (ostree's `gpg` and `ed25519`). */
export type SignEngine = 'gpg' | 'ed25519';

/** Something that makes one detached signature over given bytes. */
export interface Signer {
  /** The engine, which decides the metadata key the signature is stored under. */
  readonly engine: SignEngine;
  /**
   * Identifier of the signing key: for GPG the long key ID (16 upper-case hex digits) of the
   * (sub)key that signs; for ed25519 the base64 public key, as ostree prints it.
   */
  readonly keyId: string;
  /**
   * Sign `data`. GPG: one complete binary detached OpenPGP signature (packet sequence);
   * ed25519: the 64-byte signature.
   */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** The outcome for one signature. */
export interface SignatureCheck {
  /** GPG: issuer long key ID (16 upper-case hex digits); ed25519: the base64 public key that verified
   * (or `''` when none did). */
  keyId: string;
  /** GPG: the 40-hex fingerprint of the issuing (sub)key, when known. */
  fingerprint?: string;
  /** True when the signature is good, made by a trusted key that is neither expired nor revoked. */
  valid: boolean;
  /** The signing key (or its primary key) has expired. */
  expired: boolean;
  /** The signing key (or its primary key) is revoked (ed25519: listed as revoked). */
  revoked: boolean;
  /** No trusted key with the issuer's key ID is known. */
  keyMissing: boolean;
  /** Signature creation time (GPG only). */
  signedAt?: Date;
  /** Why the signature is not valid, in words. */
  reason?: string;
}

/** The outcome of verifying all signatures found for one piece of data. */
export interface VerifyResult {
  /** The engine that verified. */
  engine: SignEngine;
  /** One entry per signature (GPG: per signature packet; ed25519: per 64-byte signature). */
  checks: SignatureCheck[];
  /** True when at least one check is valid (ostree accepts data when any signature is valid). */
  anyValid: boolean;
}

/** Something that verifies detached signatures over given bytes against a set of trusted keys. */
export interface Verifier {
  /** The engine. */
  readonly engine: SignEngine;
  /**
   * Verify `signatures` over `data`. Each element is one complete detached signature (one element of
   * the `aay` ostree stores). Never throws for bad or unknown signatures: they are reported in
   * {@link VerifyResult.checks}.
   */
  verify(data: Uint8Array, signatures: Uint8Array[]): Promise<VerifyResult>;
}
