/**
 * `ostree config get|set|unset`: read and edit the repository `config` (`src/ostree/ot-builtin-config.c`).
 *
 * Writes reproduce ostree's rewrite byte for byte: ostree copies its `GKeyFile` (loaded without
 * `G_KEY_FILE_KEEP_COMMENTS`/`KEEP_TRANSLATIONS`) and writes `g_key_file_to_data()`, so comments,
 * blank lines and translations for other locales disappear on the first `set`/`unset`.
 *
 * @module
 */
import { OstreeError } from '../errors.js';
import { KeyFile, localeVariants } from '../format/keyfile.js';
import type { Repo } from '../store/repo.js';

/** Options shared by the writing operations. */
export interface ConfigWriteOptions {
  /**
   * What `g_get_language_names()` returns for the caller's locale (translations for other locales
   * are dropped, as GLib does). Default `['C']`. See {@link languageNames}.
   */
  languages?: readonly string[];
}

/**
 * Split `section.key` at the first dot (`split_key_string()`).
 *
 * @throws OstreeError `INVALID_ARGUMENT` ('Key must be of the form "sectionname.keyname"')
 */
export function splitConfigKey(k: string): [section: string, key: string] {
  const dot = k.indexOf('.');
  if (dot < 0) throw new OstreeError('INVALID_ARGUMENT', 'Key must be of the form "sectionname.keyname"');
  return [k.slice(0, dot), k.slice(dot + 1)];
}

/**
 * `ostree config get`: the unescaped string value.
 *
 * @throws OstreeError `NOT_FOUND` with GLib's messages ("Key file does not have group “G”",
 *   "Key file does not have key “K” in group “G”")
 */
export function configGet(repo: Repo, section: string, key: string): string {
  if (!repo.config.hasGroup(section)) throw new OstreeError('NOT_FOUND', `Key file does not have group “${section}”`, { data: { section } });
  const v = repo.config.getString(section, key);
  if (v === undefined) throw new OstreeError('NOT_FOUND', `Key file does not have key “${key}” in group “${section}”`, { data: { section, key } });
  return v;
}

/** The config as ostree holds it in memory before a write (`ostree_repo_copy_config()`). */
export async function loadConfigForWrite(repo: Repo, opts: ConfigWriteOptions = {}): Promise<KeyFile> {
  const data = await repo.storage.read('config');
  if (data === null) throw new OstreeError('REPO_NOT_FOUND', `No config file in ${repo.storage.location}`);
  return KeyFile.parse(data, { keepComments: false, translations: opts.languages ?? ['C'] });
}

/** Replace the repository's config with `kf` and write it atomically. */
export async function saveConfig(repo: Repo, kf: KeyFile): Promise<void> {
  repo.config = kf;
  await repo.writeConfig();
}

/** `ostree config set SECTION.KEY VALUE` (`g_key_file_set_string()`). */
export async function configSet(repo: Repo, section: string, key: string, value: string, opts: ConfigWriteOptions = {}): Promise<void> {
  const kf = await loadConfigForWrite(repo, opts);
  kf.setString(section, key, value);
  await saveConfig(repo, kf);
}

/**
 * `ostree config unset SECTION.KEY`: remove the key; a missing group or key is not an error and
 * leaves the file untouched. Returns whether the key existed.
 */
export async function configUnset(repo: Repo, section: string, key: string, opts: ConfigWriteOptions = {}): Promise<boolean> {
  const kf = await loadConfigForWrite(repo, opts);
  if (!kf.hasKey(section, key)) return false;
  kf.removeKey(section, key);
  await saveConfig(repo, kf);
  return true;
}

/**
 * GLib's `g_get_language_names()` for an environment: the first of `LANGUAGE` (a `:` list),
 * `LC_ALL`, `LC_MESSAGES`, `LANG` that is set, each expanded to its variants, then `C`.
 */
export function languageNames(env: Record<string, string | undefined>): string[] {
  let value: string | undefined;
  for (const k of ['LANGUAGE', 'LC_ALL', 'LC_MESSAGES', 'LANG']) {
    const v = env[k];
    if (v) {
      value = v;
      break;
    }
  }
  const out: string[] = [];
  for (const raw of (value ?? 'C').split(':')) {
    if (!raw) continue;
    const variants = localeVariants(raw);
    for (const v of variants) if (!out.includes(v)) out.push(v);
  }
  if (!out.includes('C')) out.push('C');
  return out;
}
