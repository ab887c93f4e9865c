/** Fuzz: static-delta superblocks, part files (decompression included) and payload op streams. */
import { describe } from 'vitest';
import { fuzzCases } from './suite.js';

describe('fuzz delta', () => {
  fuzzCases(['delta-superblock', 'delta-part', 'delta-payload']);
  // Executes into a scratch repository (file system work per input): a shorter default run.
  fuzzCases(['delta-execute'], 400);
});
