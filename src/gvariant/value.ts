/**
 * The JavaScript representation of GVariant values — the contract every layer codes against.
 *
 * | GVariant type            | JS value                                   |
 * |--------------------------|--------------------------------------------|
 * | `b`                      | `boolean`                                  |
 * | `y n q i u h d`          | `number`                                   |
 * | `x t`                    | `bigint`                                   |
 * | `s o g`                  | `string`                                   |
 * | `v`                      | {@link Variant}                            |
 * | `ay`                     | `Uint8Array` (only `ay`; `aay` is `Uint8Array[]`) |
 * | `aT` (T ≠ `y`)           | `GVValue[]`                                |
 * | `(T1T2…)`, `()`          | `GVValue[]` of the member count (`()` is `[]`) |
 * | `{KV}` (dict entry)      | `[key, value]`                             |
 * | `a{KV}`                  | `Array<[key, value]>` in serialized order  |
 * | `mT`                     | `null` (Nothing) or `{ just: value }`      |
 *
 * Dictionaries stay arrays of pairs because GVariant keeps their order and allows duplicates; use
 * {@link dictGet} for lookups.
 *
 * @module
 */

/** Any GVariant value (see the module table for the mapping). */
export type GVValue =
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | Variant
  | GVMaybe
  | null
  | GVValue[];

/** A present maybe value (`Just x`); Nothing is `null`. */
export interface GVMaybe {
  readonly just: GVValue;
}

/** A boxed value of type `v`: the child's type string plus the child value. */
export class Variant {
  /**
   * @param type - the child's GVariant type string, e.g. `'s'` or `'a{sv}'`
   * @param value - the child value in the representation of that type
   */
  constructor(
    readonly type: string,
    readonly value: GVValue,
  ) {}
}

/** A dictionary entry as it appears in an `a{KV}` array. */
export type DictEntry<K extends GVValue = GVValue, V extends GVValue = GVValue> = [K, V];

/** First value for `key` in an `a{KV}` array (linear, as GLib's `g_variant_lookup_value`). */
export function dictGet<V extends GVValue = GVValue>(
  dict: ReadonlyArray<readonly [GVValue, GVValue]>,
  key: string,
): V | undefined {
  for (const [k, v] of dict) if (k === key) return v as V;
  return undefined;
}

/** Shorthand: `new Variant(type, value)`. */
export function variant(type: string, value: GVValue): Variant {
  return new Variant(type, value);
}
