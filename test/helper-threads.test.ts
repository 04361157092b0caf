/**
 * kevy-server lowers V8's helper threads to nice 19 at startup
 * (src/server/helper-threads.ts) so they stop preempting the event loop;
 * the event loop itself and libuv's thread pool (file writes, the AOF's
 * fsync), which starts later, keep their priority. Linux only (/proc).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { freePort, waitForPort } from './helpers/servers';
import { RawClient } from './helpers/resp';
import { BIN, killAll } from './helpers/child';

const running: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await killAll(running);
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Thread id -> nice value (field 19 of /proc/<pid>/task/<tid>/stat, counted after the command name). */
function niceOfThreads(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/task/${t}/stat`, 'latin1');
    } catch {
      continue; // the thread ended meanwhile
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(Number(t), Number(fields[16]));
  }
  return out;
}

test.skipIf(!fs.existsSync('/proc/self/task'))('V8 helper threads run at nice 19, the event loop and the libuv pool at 0', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kevy-threads-'));
  dirs.push(dir);
  const port = await freePort();
  const proc = spawn(process.execPath, [BIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''], { stdio: 'ignore' });
  running.push(proc);
  await waitForPort(port, 30000);
  const pid = proc.pid!;

  const atStart = niceOfThreads(pid);
  expect(atStart.get(pid)).toBe(0);
  const helpers = [...atStart].filter(([tid]) => tid !== pid);
  expect(helpers.length).toBeGreaterThan(0);
  expect(helpers.filter(([, nice]) => nice !== 19)).toEqual([]);

  // A BGSAVE writes its file through libuv's pool, whose threads start now.
  const c = await RawClient.connect(port);
  try {
    expect(await c.send(['SET', 'k', 'v'])).toBe('+OK\r\n');
    expect(await c.send(['BGSAVE'])).toBe('+Background saving started\r\n');
    for (let i = 0; i < 200 && fs.existsSync(path.join(dir, 'dump.rdb')) === false; i++) await new Promise((r) => setTimeout(r, 25));
    expect(fs.existsSync(path.join(dir, 'dump.rdb'))).toBe(true);
  } finally {
    c.close();
  }
  const later = [...niceOfThreads(pid)].filter(([tid]) => !atStart.has(tid));
  expect(later.length).toBeGreaterThan(0);
  expect(later.filter(([, nice]) => nice !== 0)).toEqual([]);
  expect(niceOfThreads(pid).get(pid)).toBe(0);
});
