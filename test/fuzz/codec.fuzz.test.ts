/** Fuzz: xz streams, bspatch patches and tar archives. */
import { describe } from 'vitest';
import { fuzzCases } from './suite.js';

describe('fuzz codec', () => {
  fuzzCases(['xz', 'bspatch', 'tar']);
});
