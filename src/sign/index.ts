/**
 * Signing and verification over bytes: the engine-neutral interfaces, the OpenPGP ("gpg") engine,
 * the ed25519 engine, GnuPG home-directory parsers and environment-variable key helpers.
 *
 * @module
 */
export type { SignEngine, Signer, SignatureCheck, Verifier, VerifyResult } from './types.js';
export {
  GpgSigner, GpgVerifier, createGpgSigner, findGpgKey, loadGpgPublicKeys, loadGpgSecretKeys, parseGpgKeySpec, unlockGpgKey,
} from './gpg.js';
export type {
  CreateGpgSignerOptions, GpgKey, GpgKeyMatch, GpgKeySpec, GpgPrivateKey, GpgVerifierOptions, LoadGpgSecretKeysOptions,
} from './gpg.js';
export {
  ED25519_PUBLIC_KEY_SIZE, ED25519_SECRET_KEY_SIZE, ED25519_SEED_SIZE, ED25519_SIGNATURE_SIZE, Ed25519Signer, Ed25519Verifier,
  decodeBase64Key, ed25519PublicFromSeed, ed25519SecretFromSeed, parseEd25519KeyFile, parseEd25519PublicKey,
  parseEd25519SecretKey, toBase64,
} from './ed25519.js';
export type { Ed25519VerifierOptions } from './ed25519.js';
export {
  buildSecretKeyblock, describeKeyPacket, ed25519Keygrip, isKeybox, keyblockKeys, parseAgentKeyFile, parseKeybox,
  readPackets, rsaKeygrip, splitKeyring,
} from './gnupg-home.js';
export type { AgentSecretKey, KeyPacketInfo, OpenPgpPacket, ParseAgentKeyOptions } from './gnupg-home.js';
export {
  ED25519_KEY_ENV, GPG_KEY_ENV, GPG_PASSPHRASE_ENV, decodeGpgKeyValue, ed25519SignerFromEnv, gpgKeyFromEnv, gpgSignerFromEnv,
} from './env.js';
export type { EnvLike, GpgEnvKey, GpgEnvOptions } from './env.js';
