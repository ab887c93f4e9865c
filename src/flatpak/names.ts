/**
 * Flatpak names, branches, arches and refs (`app/ID/ARCH/BRANCH`, `runtime/ID/ARCH/BRANCH`).
 *
 * Rules from flatpak 1.14 `common/flatpak-ref-utils.c` (`flatpak_is_valid_name()`,
 * `flatpak_is_valid_branch()`) and `common/flatpak-utils.c` (`flatpak_get_arch()`).
 *
 * @module
 */
import { OstreeError } from '../errors.js';

/** The kind of a flatpak ref. */
export type RefKind = 'app' | 'runtime';

/** A parsed flatpak ref. */
export interface FlatpakRef {
  kind: RefKind;
  id: string;
  arch: string;
  branch: string;
}

const isAlpha = (c: string): boolean => (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c === '_';
const isDigit = (c: string): boolean => c >= '0' && c <= '9';

/**
 * Why `name` is not a valid application/runtime ID, or `null` when it is: 1–255 characters, at
 * least three dot-separated segments, each starting with `[A-Za-z_]` and continuing with
 * `[A-Za-z0-9_]`; `-` is allowed only in the last segment (`flatpak_is_valid_name()`).
 */
export function nameProblem(name: string): string | null {
  if (name.length === 0) return "Name can't be empty";
  if (name.length > 255) return "Name can't be longer than 255 characters";
  if (name[0] === '.') return "Name can't start with a period";
  const lastDot = name.lastIndexOf('.');
  let last = false;
  if (!isAlpha(name[0]!)) return `Name can't start with ${name[0]}`;
  let dots = 0;
  for (let i = 1; i < name.length; i++) {
    const c = name[i]!;
    if (c === '.') {
      if (i === lastDot) last = true;
      i++;
      if (i === name.length) return "Name can't end with a period";
      const d = name[i]!;
      if (!(isAlpha(d) || (last && d === '-'))) return d === '-' ? 'Only last name segment can contain -' : `Name segment can't start with ${d}`;
      dots++;
    } else if (!(isAlpha(c) || isDigit(c) || (last && c === '-'))) {
      return c === '-' ? 'Only last name segment can contain -' : `Name can't contain ${c}`;
    }
  }
  if (dots < 2) return 'Names must contain at least 2 periods';
  return null;
}

/** Whether `name` is a valid flatpak application/runtime ID. */
export function isValidName(name: string): boolean {
  return nameProblem(name) === null;
}

/**
 * Why `branch` is not a valid branch, or `null`: non-empty, first character `[A-Za-z0-9_-]`, the
 * rest may also contain `.` (`flatpak_is_valid_branch()`).
 */
export function branchProblem(branch: string): string | null {
  if (branch.length === 0) return "Branch can't be empty";
  const ok0 = (c: string) => isAlpha(c) || isDigit(c) || c === '-';
  if (!ok0(branch[0]!)) return `Branch can't start with ${branch[0]}`;
  for (const c of branch.slice(1)) if (!(ok0(c) || c === '.')) return `Branch can't contain ${c}`;
  return null;
}

/** Whether `branch` is a valid flatpak branch name. */
export function isValidBranch(branch: string): boolean {
  return branchProblem(branch) === null;
}

/** Why `arch` is not a valid arch (`[A-Za-z0-9_-]+`), or `null`. */
export function archProblem(arch: string): string | null {
  if (arch.length === 0) return "Arch can't be empty";
  for (const c of arch) if (!(isAlpha(c) || isDigit(c) || c === '-')) return `Arch can't contain ${c}`;
  return null;
}

/**
 * The flatpak arch of this process (`flatpak_get_arch()`: the build arch; Node's `process.arch`
 * mapped to flatpak's names).
 */
export function hostArch(arch: string = process.arch): string {
  const map: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ia32: 'i386', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loongarch64' };
  return map[arch] ?? arch;
}

/** Format a ref `KIND/ID/ARCH/BRANCH`. */
export function formatRef(r: FlatpakRef): string {
  return `${r.kind}/${r.id}/${r.arch}/${r.branch}`;
}

/**
 * Parse `app/ID/ARCH/BRANCH` or `runtime/ID/ARCH/BRANCH` (`flatpak_decomposed_new_from_ref()`).
 *
 * @throws OstreeError `INVALID_REF` naming the problem
 */
export function parseRef(ref: string): FlatpakRef {
  const parts = ref.split('/');
  const bad = (why: string) => new OstreeError('INVALID_REF', `Invalid flatpak ref ${JSON.stringify(ref)}: ${why}`, { data: { ref } });
  if (parts.length !== 4) throw bad('expected KIND/ID/ARCH/BRANCH');
  const [kind, id, arch, branch] = parts as [string, string, string, string];
  if (kind !== 'app' && kind !== 'runtime') throw bad('kind must be app or runtime');
  const p = nameProblem(id) ?? archProblem(arch) ?? branchProblem(branch);
  if (p) throw bad(p);
  return { kind, id, arch, branch };
}

/** `parseRef` returning `null` instead of throwing. */
export function tryParseRef(ref: string): FlatpakRef | null {
  try {
    return parseRef(ref);
  } catch {
    return null;
  }
}

/**
 * `flatpak_path_match_prefix()` (common/flatpak-utils.c): whether the glob `pattern` (`*` within
 * one path element, `?` one character, `*` before `/` skips an element) matches a leading run of
 * whole path elements of `path`; leading slashes of both are ignored. Returns the index in `path`
 * where the unmatched rest begins, or `-1`.
 */
export function pathMatchPrefix(pattern: string, path: string): number {
  // Memoized on (pattern position, path position): the same answers as the recursive C
  // function, in O(|pattern| × |path|) instead of exponential time on patterns like `*a*a*a…b`.
  return matchAt(pattern, 0, path, 0, new Map());
}

function matchAt(pat: string, p0: number, str: string, s0: number, memo: Map<number, number>): number {
  const key = p0 * (str.length + 1) + s0;
  const hit = memo.get(key);
  if (hit !== undefined) return hit;
  const r = matchFrom(pat, p0, str, s0, memo);
  memo.set(key, r);
  return r;
}

function matchFrom(pat: string, p: number, str: string, s: number, memo: Map<number, number>): number {
  while (pat[p] === '/') p++;
  while (str[s] === '/') s++;
  for (;;) {
    const c = pat[p++];
    if (c === undefined) return s >= str.length || str[s] === '/' ? s : -1;
    if (c === '?') {
      if (s >= str.length || str[s] === '/') return -1;
      s++;
    } else if (c === '*') {
      while (pat[p] === '*') p++;
      const next = pat[p];
      if (next === undefined) {
        const slash = str.indexOf('/', s);
        return slash >= 0 ? slash : str.length;
      }
      if (next === '/') {
        const slash = str.indexOf('/', s);
        if (slash < 0) return -1;
        s = slash;
        continue;
      }
      while (s < str.length) {
        const r = matchAt(pat, p, str, s, memo);
        if (r >= 0) return r;
        if (str[s] === '/') break;
        s++;
      }
      return -1;
    } else {
      if (str[s] !== c) return -1;
      s++;
    }
  }
}
