/**
 * What the tests that run kevy as a child process share: where the binaries
 * are (they run the compiled dist/, built once per run by
 * test/global-setup.ts or by `npm test`'s pretest), and the clean-up of the
 * children a test started.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.join(__dirname, '..', '..');
export const BIN = path.join(ROOT, 'bin', 'kevy-server');

/** SIGKILLs every child in procs still running, empties the list, and resolves once they have exited. */
export async function killAll(procs: ChildProcess[]): Promise<void> {
  await Promise.all(
    procs.splice(0).map((p) => {
      if (p.exitCode !== null || p.signalCode !== null) return undefined;
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGKILL');
      return gone;
    }),
  );
}
