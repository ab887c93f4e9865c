/** Fuzz: object, summary, summary.idx, subsummary diff, key-file and .flatpakref/.flatpakrepo parsers. */
import { describe } from 'vitest';
import { fuzzCases } from './suite.js';

describe('fuzz format', () => {
  fuzzCases(['commit', 'commit-sizes', 'dirtree', 'dirmeta', 'commitmeta', 'tombstone', 'filez', 'content-stream', 'summary', 'summary-sig', 'delta-index', 'keyfile', 'summary-idx', 'subsummary-delta', 'flatpakref', 'flatpakrepo']);
});
