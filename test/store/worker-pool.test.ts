import { describe, it, expect } from 'vitest';
import { WorkerPool } from '../../src/store/worker-pool.js';

const ECHO = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => parentPort.postMessage({ id: m.id, result: m.job * 2 }));
`;

describe('WorkerPool.onReady', () => {
  it('fires once every worker has said it is ready, and at once after that', async () => {
    const pool = new WorkerPool<number, number>({ name: 't', source: `${ECHO}parentPort.postMessage({ ready: true });`, size: 2, idleMs: 50 });
    let calls = 0;
    pool.onReady(() => calls++);
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBe(0); // no worker started yet
    pool.warm();
    await new Promise<void>((r) => pool.onReady(r));
    expect(calls).toBe(1);
    let late = 0;
    pool.onReady(() => late++);
    expect(late).toBe(1);
    // the ready message is not taken for a job's answer
    expect(await pool.run(21)).toBe(42);
    expect(calls).toBe(1);
  });

  it('never fires for workers that do not say so', async () => {
    const pool = new WorkerPool<number, number>({ name: 't', source: ECHO, size: 1, idleMs: 50 });
    let calls = 0;
    pool.onReady(() => calls++);
    expect(await pool.run(2)).toBe(4);
    expect(calls).toBe(0);
  });
});
