/** Fuzz: GVariant decoding of every ostree type string, and the GVariant text parser. */
import { describe } from 'vitest';
import { TARGETS } from './targets.js';
import { fuzzCases } from './suite.js';

describe('fuzz gvariant', () => {
  fuzzCases(TARGETS.filter((t) => t.name.startsWith('gvariant-')).map((t) => t.name), 1000);
});
