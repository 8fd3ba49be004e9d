/**
 * Preloaded into every test file's process by `npm test` (`--import`): with `--test-force-exit`
 * and `--test-concurrency`, node's test runner calls process.exit() in a test file's process as
 * soon as its tests finish, and the last results it was still writing to the runner were lost:
 * a run reported fewer tests than ran, still with `fail 0` (seen in this suite: the last 9 tests
 * of one file; nodejs/node#64833). A failing test still failed the run, through the process's
 * exit code, but without its name or error.
 *
 * So in a test file's main thread, process.exit() first lets stdout empty (a few turns of the
 * event loop with nothing left to write, at most a second), then exits. Worker threads (the
 * Lambda runtime's) keep node's process.exit.
 */
import { isMainThread } from 'node:worker_threads';

const MAX_WAIT_MS = 1000;
const QUIET_TURNS = 3;

if (isMainThread && process.env.NODE_TEST_CONTEXT === 'child-v8') {
  const exit = process.exit.bind(process);
  let exiting = false;
  process.exit = ((code?: number | string | null) => {
    if (exiting) return undefined as never;
    exiting = true;
    const deadline = Date.now() + MAX_WAIT_MS;
    let quietTurns = 0;
    const waitForStdout = () => {
      quietTurns = process.stdout.writableLength === 0 ? quietTurns + 1 : 0;
      if (quietTurns >= QUIET_TURNS || Date.now() > deadline) exit(code ?? process.exitCode);
      else setImmediate(waitForStdout);
    };
    setImmediate(waitForStdout);
    return undefined as never;
  }) as typeof process.exit;
}
