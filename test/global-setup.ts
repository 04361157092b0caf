/**
 * Builds dist/ once before the test files run: several tests start
 * `node bin/kevy-server` or `bin/kevy-check-aof` as a child, and those run the
 * compiled code. `npm test` has just built it (pretest, which also fails on
 * type errors); a direct `npx vitest` builds here, emitting even when some
 * file has a type error. KEVY_NO_BUILD=1 skips it.
 */
import { spawnSync } from 'node:child_process';
import { ROOT } from './helpers/child';

export default function setup(): void {
  if (process.env.npm_lifecycle_event === 'test' || process.env.KEVY_NO_BUILD) return;
  spawnSync('npx', ['tsc', '-p', '.'], { cwd: ROOT, stdio: 'ignore' });
}
