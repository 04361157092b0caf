/**
 * A disk that fills up under the AOF: kevy-server (a child process) keeps
 * its AOF on a small tmpfs, a filler file takes the free space, and then:
 *  - writes are refused with "-MISCONF Errors writing to the AOF file: No
 *    space left on device", reads still work, the server does not exit;
 *  - under appendfsync always the write that hit the full disk gets no reply
 *    until its bytes are on disk ("ack-after-fsync"), nor does a read run
 *    meanwhile (it could show that write); refusals come back at once
 *    (Redis 7.0 exits on an AOF write error under always; kevy waits);
 *  - once the filler is deleted the pending bytes are written, writes are
 *    accepted again, and after a SIGKILL and restart every acknowledged
 *    write is there and no refused one;
 *  - a BGREWRITEAOF on the full disk fails (aof_last_bgrewrite_status:err)
 *    without touching the AOF in use, and succeeds once space is back.
 * Needs root to mount the tmpfs; without it the tests are skipped. (A tmpfs
 * rather than `ulimit -f`: a file size limit cannot be raised again for a
 * running process, so "space comes back" could not be tested.)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { freePort, waitForPort } from './helpers/servers';
import { RawClient } from './helpers/resp';
import { BIN, killAll } from './helpers/child';

const running: ChildProcess[] = [];
const clients: RawClient[] = [];
// Mounted when the file is collected, so that skipIf knows.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kevy-diskfull-'));
const mnt = path.join(tmp, 'mnt');
fs.mkdirSync(mnt);
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', mnt], { stdio: 'ignore' }).status === 0;

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  // Wait for the children to be gone: a process still exiting keeps files on
  // the tmpfs open, and the unmount below would then fail with EBUSY.
  await killAll(running);
  if (mounted) for (const f of fs.readdirSync(mnt)) fs.rmSync(path.join(mnt, f), { recursive: true, force: true });
});

afterAll(async () => {
  if (mounted) {
    let ok = false;
    for (let i = 0; i < 20 && !ok; i++) {
      ok = spawnSync('umount', [mnt], { stdio: 'ignore' }).status === 0;
      if (!ok) await new Promise((r) => setTimeout(r, 100));
    }
    if (!ok) spawnSync('umount', ['-l', mnt], { stdio: 'ignore' }); // lazy: detached once no longer busy
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Proc {
  proc: ChildProcess;
  port: number;
  exited: Promise<unknown>;
  out: () => string;
}

async function start(policy: string): Promise<Proc> {
  const port = await freePort();
  const args = [BIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', mnt, '--save', '', '--appendonly', 'yes', '--appendfsync', policy];
  const proc = spawn(process.execPath, args, { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(proc);
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  await Promise.race([waitForPort(port, 30000), exited.then(() => Promise.reject(new Error(`kevy-server exited early:\n${out}`)))]);
  return { proc, port, exited, out: () => out };
}

async function connect(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  clients.push(c);
  return c;
}

const FILLER = () => path.join(mnt, 'filler');

/** Takes every free byte of the tmpfs. */
function fillDisk(): void {
  const fd = fs.openSync(FILLER(), 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  }
  // The last partial block too.
  try {
    for (;;) fs.writeSync(fd, chunk, 0, 512);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  }
  fs.closeSync(fd);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MISCONF = '-MISCONF Errors writing to the AOF file: No space left on device\r\n';
const VALUE = 'v'.repeat(4000);

async function infoField(c: RawClient, field: string): Promise<string> {
  const s = await c.send(['INFO', 'persistence']);
  return new RegExp(`${field}:(\\S+)`).exec(s)?.[1] ?? '';
}

/** A reply within ms, or null when none came (held). */
function within<T>(p: Promise<T>, ms: number): Promise<T | null> {
  return Promise.race([p, sleep(ms).then(() => null)]);
}

describe.skipIf(!mounted)('AOF on a full disk (a tmpfs: needs root)', () => {
  test.each(['everysec', 'always'])('appendfsync %s: MISCONF, no crash, nothing acknowledged lost, writes resume', async (policy) => {
    const p = await start(policy);
    const w = await connect(p.port);
    const r = await connect(p.port);
    const acked: string[] = [];
    for (let i = 0; i < 20; i++) {
      expect(await w.send(['SET', `k${i}`, VALUE])).toBe('+OK\r\n');
      acked.push(`k${i}`);
    }
    fillDisk();
    // Write until the disk refuses: a write whose bytes did not reach the file is either
    // acknowledged later (everysec: written after the reply) or not at all before space is back (always).
    let held: Promise<string> | null = null;
    let refused = 0;
    const maybe: string[] = [];
    for (let i = 20; i < 400 && refused === 0 && held === null; i++) {
      const reply = w.send(['SET', `k${i}`, VALUE]);
      const got = await within(reply, 1500);
      if (got === null) {
        held = reply;
        maybe.push(`k${i}`);
      } else if (got === '+OK\r\n') acked.push(`k${i}`);
      else {
        expect(got).toBe(MISCONF);
        refused++;
      }
    }
    if (policy === 'always') {
      // The write that met the full disk stays unanswered; other clients are refused.
      expect(held).not.toBeNull();
    }
    const refusedKeys: string[] = [];
    for (let i = 0; i < 3; i++) {
      const reply = await within(r.send(['SET', `refused${i}`, 'x']), 3000);
      expect(reply).toBe(MISCONF);
      refusedKeys.push(`refused${i}`);
    }
    expect(await within(r.send(['PING']), 3000)).toBe(MISCONF);
    expect(await within(r.send(['DEL', 'k0']), 3000)).toBe(MISCONF);
    expect(p.out()).toContain('Error writing to the AOF file: No space left on device');
    if (policy === 'everysec') expect(await infoField(await connect(p.port), 'aof_last_write_status')).toBe('err');
    // A read runs; under always its reply waits too, since un-synced data could show in it.
    const read = r.send(['STRLEN', 'k0']);
    expect(await within(read, policy === 'always' ? 500 : 3000)).toBe(policy === 'always' ? null : ':4000\r\n');
    expect(p.proc.exitCode).toBeNull();

    // Space comes back: the held write is answered, writes are accepted again.
    fs.rmSync(FILLER());
    if (held !== null) {
      expect(await within(held, 5000)).toBe('+OK\r\n');
      acked.push(...maybe);
    }
    expect(await within(read, 5000)).toBe(':4000\r\n');
    let ok = false;
    for (let t = 0; t < 50 && !ok; t++) {
      ok = (await r.send(['SET', 'after', 'space'])) === '+OK\r\n';
      if (!ok) await sleep(100);
    }
    expect(ok).toBe(true);
    acked.push('after');
    expect(await infoField(r, 'aof_last_write_status')).toBe('ok');
    // Under always the reply means it is on disk; everysec: give the writer a second.
    if (policy === 'everysec') await sleep(1200);

    p.proc.kill('SIGKILL');
    await p.exited;
    const p2 = await start(policy);
    const c = await connect(p2.port);
    for (const k of acked) expect(await c.send(['EXISTS', k]), k).toBe(':1\r\n');
    for (const k of refusedKeys) expect(await c.send(['EXISTS', k]), k).toBe(':0\r\n');
    expect(await c.send(['GET', 'after'])).toBe('$5\r\nspace\r\n');
  }, 60000);

  test('appendfsync always with room for the data but not for more padding: writes go on without it', async () => {
    const p = await start('always');
    const c = await connect(p.port);
    for (let i = 0; i < 20; i++) expect(await c.send(['SET', `k${i}`, VALUE])).toBe('+OK\r\n');
    fillDisk();
    const room = 300 * 1024;
    fs.truncateSync(FILLER(), fs.statSync(FILLER()).size - room);
    // ~1.2 MB: past the end of the padding (1 MB), whose extension by another 1 MB cannot fit.
    for (let i = 20; i < 320; i++) expect(await c.send(['SET', `k${i}`, VALUE]), `k${i}`).toBe('+OK\r\n');
    expect(p.out()).not.toContain('Error writing to the AOF file');
    p.proc.kill('SIGKILL');
    await p.exited;
    fs.rmSync(FILLER());
    const p2 = await start('always');
    const c2 = await connect(p2.port);
    expect(await c2.send(['DBSIZE'])).toBe(':320\r\n');
    expect(await c2.send(['STRLEN', 'k319'])).toBe(':4000\r\n');
  }, 60000);

  test('BGREWRITEAOF on a full disk fails and keeps the AOF in use; succeeds once space is back', async () => {
    const p = await start('everysec');
    const c = await connect(p.port);
    // Incompressible values: the new base (an RDB) is as big as the data.
    for (let i = 0; i < 200; i++) expect(await c.send(['SET', `k${i}`, randomBytes(4000).toString('latin1')])).toBe('+OK\r\n');
    // Leave room for the incr file's appends, not for a new base of 800 KB.
    fillDisk();
    const room = 300 * 1024;
    const filler = fs.statSync(FILLER()).size;
    fs.truncateSync(FILLER(), filler - room);
    expect(await c.send(['BGREWRITEAOF'])).toMatch(/^\+Background append only file rewriting/);
    let status = '';
    for (let t = 0; t < 100; t++) {
      if ((await infoField(c, 'aof_rewrite_in_progress')) === '0') {
        status = await infoField(c, 'aof_last_bgrewrite_status');
        break;
      }
      await sleep(50);
    }
    expect(status).toBe('err');
    expect(p.proc.exitCode).toBeNull();
    // The AOF in use still takes writes (there is room for them), and nothing is left of the failed base.
    expect(await c.send(['SET', 'during', 'x'])).toBe('+OK\r\n');
    expect(fs.readdirSync(path.join(mnt, 'appendonlydir')).filter((f) => f.startsWith('temp-'))).toEqual([]);

    fs.rmSync(FILLER());
    expect(await c.send(['BGREWRITEAOF'])).toMatch(/^\+Background append only file rewriting/);
    for (let t = 0; t < 100; t++) {
      if ((await infoField(c, 'aof_rewrite_in_progress')) === '0') break;
      await sleep(50);
    }
    expect(await infoField(c, 'aof_last_bgrewrite_status')).toBe('ok');
    expect(await c.send(['SET', 'after', 'y'])).toBe('+OK\r\n');
    await sleep(1200);
    p.proc.kill('SIGKILL');
    await p.exited;
    const p2 = await start('everysec');
    const c2 = await connect(p2.port);
    expect(await c2.send(['DBSIZE'])).toBe(':202\r\n');
    expect(await c2.send(['GET', 'during'])).toBe('$1\r\nx\r\n');
    expect(await c2.send(['STRLEN', 'k199'])).toBe(':4000\r\n');
  }, 60000);
});
