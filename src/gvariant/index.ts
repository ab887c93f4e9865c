/**
 * GVariant: type grammar, normal-form binary codec and text format.
 *
 * @module
 */
export { parseType, typeString, type GVType } from './type.js';
export { encode, decode, isNormalForm, offsetWidth, putFramingOffset, type DecodeOptions } from './codec.js';
export { print, parse } from './text.js';
export * from './value.js';
