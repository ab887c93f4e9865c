/**
 * V8 settings for the CLI process. A library never changes the JIT of the process it is loaded
 * into, so these apply only where the CLI owns the process: `bin/ostree-ts.js` passes
 * {@link tuneCliRuntime} to `run()` (`RunOptions.tuneRuntime`), which applies it once the
 * command's modules are loaded — or, for `commit`, once its content workers are up.
 *
 * Why that late: any non-default V8 flag changes V8's flag hash, and Node's code cache for its own
 * modules (embedded in the binary, made with default flags) is then rejected. Modules loaded and
 * workers started after the change compile from source: requiring zlib, crypto, worker_threads,
 * child_process, readline and http took 12–16 instead of 4–5 ms, and starting two workers 95
 * instead of 60 ms of CPU.
 *
 * @module
 */
import { setFlagsFromString } from 'node:v8';

/**
 * V8's interrupt budget, 16 × its default (67 584 on Node 20's V8 11.3): how much bytecode a
 * function runs between two looks at whether to compile it with TurboFan. A CLI run lasts a
 * fraction of a second to a few seconds; with the default, TurboFan compiles the walk, the
 * serialisers and Node's own `fs` wrappers in the main thread and again in every worker, ≈ 150 ms
 * of CPU on the bench's bare-user-only commit, more than that code then runs. With 16 × the
 * budget only code that stays hot for longer (deflate, xz, bsdiff loops) is compiled. Measured in
 * docs/performance.md ("Session 7: JIT and start-up costs, and a CLI bench").
 */
export const CLI_INTERRUPT_BUDGET = 16 * 67_584;

let tuned = false;

/**
 * Apply the CLI's V8 settings to this process (flags are process-wide: workers inherit them).
 * Calling it again does nothing.
 */
export function tuneCliRuntime(): void {
  if (tuned) return;
  tuned = true;
  setFlagsFromString(`--interrupt-budget=${CLI_INTERRUPT_BUDGET}`);
}
