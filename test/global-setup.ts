/**
 * Runs once around the whole test run, in vitest's main process.
 *
 * Build: dist/ is built once before the test files run: several tests start
 * `node bin/kevy-server` or `bin/kevy-check-aof` as a child, and those run
 * the compiled code. `npm test` has just built it (pretest, which also fails
 * on type errors); a direct `npx vitest` builds here, emitting even when some
 * file has a type error. KEVY_NO_BUILD=1 skips it.
 *
 * Temp dirs: every test server gets a data dir from fs.mkdtempSync(os.tmpdir()),
 * and many are never removed (a closed server leaves its dump.rdb for a
 * restart test to load). TMPDIR points, for the whole run (the workers and
 * the servers they start inherit it), at one directory that the teardown
 * removes (this machine had 7,180 of them in /tmp).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './helpers/child';

export default function setup(): () => void {
  if (process.env.npm_lifecycle_event !== 'test' && !process.env.KEVY_NO_BUILD) {
    spawnSync('npx', ['tsc', '-p', '.'], { cwd: ROOT, stdio: 'ignore' });
  }
  const before = process.env.TMPDIR;
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kevy-run-'));
  process.env.TMPDIR = runDir;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    fs.rmSync(runDir, { recursive: true, force: true });
  };
}
