/**
 * Where appendfsync always runs its fdatasync (src/persistence/aof-pipeline.ts):
 * in the thread pool while commands can run meanwhile, on the main thread
 * when every connected client (or the only client held) waits for it
 * ("nothing to overlap"). Either way the invariant "ack-after-fsync" holds:
 * a reply arrives only once the bytes of its write are covered by an fsync,
 * and a failed fsync keeps the reply until a retry succeeds.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, test, vi } from 'vitest';
import { startServer, type RunningServer } from '../src/index';
import { aofOf } from '../src/persistence/aof-setup';
import { RawClient } from './helpers/resp';

const running: RunningServer[] = [];
const clients: RawClient[] = [];
const dirs: string[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  for (const c of clients.splice(0)) c.close();
  for (const s of running.splice(0)) await s.server.shutdown(100);
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function startAlways(): Promise<{ srv: RunningServer; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kevy-aof-fsync-'));
  dirs.push(dir);
  const srv = await startServer({ port: 0, bind: '127.0.0.1', dir, config: { appendonly: 'yes', appendfsync: 'always' } });
  running.push(srv);
  return { srv, dir };
}

async function connect(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  clients.push(c);
  return c;
}

test('a lone writer: each fsync runs on the main thread, and each reply comes after the fsync covering its write', async () => {
  const { srv, dir } = await startAlways();
  const aof = aofOf(srv.server)!;
  const onMain = vi.spyOn(fs, 'fdatasyncSync');
  const inPool = vi.spyOn(fs, 'fdatasync');
  const c = await connect(srv.port);
  // An idle second connection does not matter: only one client is held.
  await connect(srv.port);
  for (let i = 0; i < 20; i++) {
    expect(await c.send(['SET', `k${i}`, 'v'])).toBe('+OK\r\n');
    expect(aof.synced).toBe(aof.appended);
    expect(fs.readFileSync(path.join(dir, 'appendonlydir', aof.incrName), 'latin1')).toContain(`$${`k${i}`.length}\r\nk${i}\r\n`);
  }
  expect(onMain.mock.calls.length).toBeGreaterThanOrEqual(20);
  expect(inPool).not.toHaveBeenCalled();
});

test('every connected client held: one fsync on the main thread covers them all', async () => {
  const { srv } = await startAlways();
  const aof = aofOf(srv.server)!;
  const cs = await Promise.all(Array.from({ length: 8 }, () => connect(srv.port)));
  const onMain = vi.spyOn(fs, 'fdatasyncSync');
  for (let round = 0; round < 5; round++) {
    const replies = await Promise.all(cs.map((c, i) => c.send(['SET', `k${i}`, String(round)])));
    expect(replies).toEqual(cs.map(() => '+OK\r\n'));
    expect(aof.synced).toBe(aof.appended);
  }
  // Group commit still: fewer fsyncs than writes, and some of them on the main thread.
  expect(aof.fsyncs).toBeLessThan(40);
  expect(onMain).toHaveBeenCalled();
});

test('a failed main-thread fsync: the reply waits, the error is reported, the retry succeeds and releases it', async () => {
  const { srv } = await startAlways();
  const aof = aofOf(srv.server)!;
  const c = await connect(srv.port);
  expect(await c.send(['SET', 'before', '1'])).toBe('+OK\r\n');
  vi.spyOn(fs, 'fdatasyncSync').mockImplementationOnce(() => {
    throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
  });
  let replied = false;
  const reply = c.send(['SET', 'k', 'v']).then((r) => {
    replied = true;
    return r;
  });
  while (aof.writeError === null) await new Promise((r) => setTimeout(r, 5));
  expect(aof.writeError).toBe('Input/output error');
  expect(replied).toBe(false);
  expect(aof.synced).toBeLessThan(aof.appended);
  expect(await reply).toBe('+OK\r\n');
  expect(aof.writeError).toBeNull();
  expect(aof.synced).toBe(aof.appended);
});
