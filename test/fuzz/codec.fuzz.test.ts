/** Fuzz: xz streams and bspatch patches. */
import { describe } from 'vitest';
import { fuzzCases } from './suite.js';

describe('fuzz codec', () => {
  fuzzCases(['xz', 'bspatch']);
});
