/**
 * OSTree object types, repository modes and loose-object paths.
 *
 * Facts from upstream `src/libostree/ostree-core.h` (`OstreeObjectType`,
 * `OSTREE_OBJECT_TYPE_IS_META`), `src/libostree/ostree-core.c` (`ostree_object_type_to_string()`,
 * `_ostree_loose_path()`, `_ostree_get_relative_object_path()`, `ostree_object_to_string()`) and
 * `src/libostree/ostree-repo.c` (`ostree_repo_mode_from_string()`, `list_loose_objects_at()`).
 *
 * @module
 */

import { OstreeError } from '../errors.js';
import { isChecksum, validateChecksum } from './checksum.js';

/** `OstreeObjectType`: the numeric object type (values are stable and appear on disk/in deltas). */
export enum ObjectType {
  /** Content object (`.file` / `.filez`). */
  FILE = 1,
  /** Directory listing (`.dirtree`). */
  DIR_TREE = 2,
  /** Directory metadata (`.dirmeta`). */
  DIR_META = 3,
  /** Commit (`.commit`). */
  COMMIT = 4,
  /** Marker left where a commit was deleted (`.tombstone-commit`). */
  TOMBSTONE_COMMIT = 5,
  /** Detached commit metadata (`.commitmeta`). */
  COMMIT_META = 6,
  /** Symlink from a content payload hash to the file object (`.payload-link`). */
  PAYLOAD_LINK = 7,
  /** bare-split-xattrs xattr object (`.file-xattrs`). */
  FILE_XATTRS = 8,
  /** bare-split-xattrs link to the xattr object (`.file-xattrs-link`). */
  FILE_XATTRS_LINK = 9,
}

/** Lowest valid {@link ObjectType} value. */
export const OBJECT_TYPE_FIRST = 1;
/** Highest valid {@link ObjectType} value (`OSTREE_OBJECT_TYPE_LAST`). */
export const OBJECT_TYPE_LAST = 9;

const NAMES: readonly string[] = [
  '',
  'file',
  'dirtree',
  'dirmeta',
  'commit',
  'tombstone-commit',
  'commitmeta',
  'payload-link',
  'file-xattrs',
  'file-xattrs-link',
];

/** True when `t` is an integer in 1..9. */
export function isObjectType(t: unknown): t is ObjectType {
  return typeof t === 'number' && Number.isInteger(t) && t >= OBJECT_TYPE_FIRST && t <= OBJECT_TYPE_LAST;
}

/**
 * Name of an object type, also its loose-file extension (`ostree_object_type_to_string()`).
 *
 * @throws RangeError when `t` is not an object type
 */
export function objectTypeName(t: ObjectType): string {
  if (!isObjectType(t)) throw new RangeError(`objectTypeName: invalid object type ${String(t)}`);
  return NAMES[t]!;
}

/** The object type named `name` (`ostree_object_type_from_string()`), or `undefined`. */
export function objectTypeFromName(name: string): ObjectType | undefined {
  const i = NAMES.indexOf(name);
  return i >= 1 ? (i as ObjectType) : undefined;
}

/** `OSTREE_OBJECT_TYPE_IS_META`: dirtree, dirmeta, commit, tombstone-commit and commitmeta. */
export function isMeta(t: ObjectType): boolean {
  return t >= ObjectType.DIR_TREE && t <= ObjectType.COMMIT_META;
}

/** Canonical repository modes (`OstreeRepoMode`); `archive` is written `archive-z2` in config. */
export type RepoMode = 'bare' | 'archive' | 'bare-user' | 'bare-user-only' | 'bare-split-xattrs';

/**
 * Parse a `[core] mode` string (`ostree_repo_mode_from_string()`): `archive` and `archive-z2`
 * both mean {@link RepoMode} `'archive'`.
 *
 * @throws OstreeError `UNSUPPORTED_REPO_MODE` for anything else
 */
export function repoModeFromString(s: string): RepoMode {
  switch (s) {
    case 'bare':
    case 'bare-user':
    case 'bare-user-only':
    case 'bare-split-xattrs':
      return s;
    case 'archive':
    case 'archive-z2':
      return 'archive';
    default:
      throw new OstreeError('UNSUPPORTED_REPO_MODE', `Invalid mode '${s}' in repository configuration`, {
        data: { mode: s },
      });
  }
}

/** The config spelling of a mode (`ostree_repo_mode_to_string()`): `'archive'` → `'archive-z2'`. */
export function repoModeToString(mode: RepoMode): string {
  return mode === 'archive' ? 'archive-z2' : mode;
}

/**
 * Loose-file extension of an object: the type name, plus `z` for non-meta types in archive mode
 * (so content objects are `.filez` there).
 */
export function looseExtension(type: ObjectType, repoMode: RepoMode): string {
  const name = objectTypeName(type);
  return !isMeta(type) && repoMode === 'archive' ? `${name}z` : name;
}

/**
 * Path of a loose object relative to the repository root (`_ostree_get_relative_object_path()`):
 * `objects/XX/<62 hex>.<ext>`.
 *
 * @throws OstreeError `INVALID_CHECKSUM` for a malformed checksum; RangeError for a bad type
 */
export function loosePath(checksum: string, type: ObjectType, repoMode: RepoMode): string {
  validateChecksum(checksum);
  return `objects/${checksum.slice(0, 2)}/${checksum.slice(2)}.${looseExtension(type, repoMode)}`;
}

/** A loose object recognized from its path. */
export interface LooseObjectName {
  /** Hex checksum (the object's name). */
  readonly checksum: string;
  /** Object type from the extension. */
  readonly type: ObjectType;
  /** True when the extension carries the archive `z` suffix (`.filez`). */
  readonly compressed: boolean;
}

const LOOSE_RE = /^(?:objects\/)?([0-9a-f]{2})\/([0-9a-f]{62})\.([a-z-]+)$/;

/**
 * Recognize a loose object path, `objects/XX/<62 hex>.<ext>` or `XX/<62 hex>.<ext>` (the reverse
 * of {@link loosePath}). The `z` suffix is accepted only on non-meta types.
 *
 * @returns the parsed name, or `null` when the path is not a loose object (listings skip those)
 */
export function parseLoosePath(path: string): LooseObjectName | null {
  const m = LOOSE_RE.exec(path);
  if (!m) return null;
  const ext = m[3]!;
  let type = objectTypeFromName(ext);
  let compressed = false;
  if (type === undefined && ext.endsWith('z')) {
    type = objectTypeFromName(ext.slice(0, -1));
    if (type === undefined || isMeta(type)) return null;
    compressed = true;
  }
  if (type === undefined) return null;
  return { checksum: m[1]! + m[2]!, type, compressed };
}

/**
 * `ostree_object_to_string()`: `"<checksum>.<typename>"`, the key used in object sets.
 *
 * @throws OstreeError `INVALID_CHECKSUM` for a malformed checksum
 */
export function objectToString(checksum: string, type: ObjectType): string {
  validateChecksum(checksum);
  return `${checksum}.${objectTypeName(type)}`;
}

/**
 * `ostree_object_from_string()`: the reverse of {@link objectToString}.
 *
 * @throws OstreeError `INVALID_CHECKSUM` or `WRONG_OBJECT_TYPE` on malformed input
 */
export function objectFromString(s: string): { checksum: string; type: ObjectType } {
  const dot = s.indexOf('.');
  const checksum = dot < 0 ? s : s.slice(0, dot);
  if (!isChecksum(checksum)) validateChecksum(checksum);
  const type = dot < 0 ? undefined : objectTypeFromName(s.slice(dot + 1));
  if (type === undefined) {
    throw new OstreeError('WRONG_OBJECT_TYPE', `Invalid object name '${s}'`, { data: { object: s } });
  }
  return { checksum, type };
}
