/** Fuzz: object, summary and key-file parsers. */
import { describe } from 'vitest';
import { fuzzCases } from './suite.js';

describe('fuzz format', () => {
  fuzzCases(['commit', 'commit-sizes', 'dirtree', 'dirmeta', 'commitmeta', 'tombstone', 'filez', 'content-stream', 'summary', 'summary-sig', 'delta-index', 'keyfile']);
});
