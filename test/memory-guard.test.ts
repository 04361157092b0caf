/**
 * The heap guard (src/server/memory-guard.ts), as a user meets it: kevy-server
 * as a child process with a small V8 heap (NODE_OPTIONS=--max-old-space-size),
 * written to until the heap is nearly full.
 *  - writes are refused with -OOM (the limit named), the process stays up,
 *    reads, DEL and FLUSHALL run; MULTI follows Redis's OOM rules;
 *  - after a SIGKILL the restart loads every acknowledged write and starts
 *    refusing writes again; FLUSHALL frees the heap and writes resume;
 *  - a dump or AOF bigger than the heap stops the start with the file, the
 *    offset and the flag to raise, instead of V8's "heap out of memory" abort.
 * Without the guard the first test's process died of V8's heap limit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { freePort, waitForPort } from './helpers/servers';
import { RawClient } from './helpers/resp';
import { BIN, killAll } from './helpers/child';

const running: ChildProcess[] = [];
const clients: RawClient[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await killAll(running);
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

interface Proc {
  proc: ChildProcess;
  port: number;
  exited: Promise<number | null>;
  out: () => string;
}

function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kevy-oom-'));
  dirs.push(d);
  return d;
}

/** kevy-server with an old generation of heapMb; resolves once it listens, or once it exited (port 0). */
async function start(dir: string, heapMb: number, args: string[]): Promise<Proc> {
  const port = await freePort();
  const argv = [BIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...args];
  const env = { ...process.env, NODE_OPTIONS: `--max-old-space-size=${heapMb}` };
  const proc = spawn(process.execPath, argv, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(proc);
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const up = await Promise.race([waitForPort(port, 60000).then(() => true), exited.then(() => false)]);
  return { proc, port: up ? port : 0, exited, out: () => out };
}

async function connect(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  clients.push(c);
  return c;
}

const OOM = '-OOM command not allowed when used memory is near the V8 heap limit (128 MB): free memory, or restart kevy with NODE_OPTIONS=--max-old-space-size=<MB>.\r\n';
const VALUE = 'v'.repeat(1000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * SETs <prefix>0, <prefix>1, ... in pipelined batches of 500 until three
 * batches in a row, 200 ms apart, are refused whole; returns the names of
 * the acknowledged keys. (Garbage counts until a GC runs, so the first
 * refusals may be followed by acceptances; once what a major GC leaves is
 * past the line, refusals stay.) Every reply is +OK or the OOM error.
 */
async function fillUntilRefused(c: RawClient, prefix: string): Promise<string[]> {
  const acked: string[] = [];
  let next = 0;
  let refusedBatches = 0;
  const deadline = Date.now() + 60000;
  while (refusedBatches < 3 && Date.now() < deadline) {
    let bytes = '';
    const keys: string[] = [];
    for (let i = 0; i < 500; i++) {
      const k = `${prefix}${next++}`;
      keys.push(k);
      bytes += `*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$${VALUE.length}\r\n${VALUE}\r\n`;
    }
    const replies = await c.sendMany(bytes, 500);
    replies.forEach((r, i) => {
      if (r === '+OK\r\n') acked.push(keys[i]);
      else expect(r).toBe(OOM);
    });
    refusedBatches = replies.every((r) => r === OOM) ? refusedBatches + 1 : 0;
    if (refusedBatches > 0) await sleep(200);
  }
  expect(refusedBatches).toBe(3);
  return acked;
}

async function until(what: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await what()) return true;
    await sleep(100);
  }
  return false;
}

describe('a nearly full V8 heap', () => {
  test('writes get -OOM, the server stays up; a restart loads every acknowledged write; FLUSHALL frees', async () => {
    const dir = tmpDir();
    const p = await start(dir, 128, ['--appendonly', 'yes', '--appendfsync', 'everysec']);
    expect(p.port).not.toBe(0);
    const c = await connect(p.port);
    // A transaction queued while there was room, executed once the heap is full.
    const m = await connect(p.port);
    expect(await m.send(['MULTI'])).toBe('+OK\r\n');
    expect(await m.send(['SET', 'queued', '1'])).toBe('+QUEUED\r\n');
    const acked = await fillUntilRefused(c, 'k');
    // 128 MB of old generation hold about 100k such keys; the guard keeps 80 MB of it (young generation + 32 MB).
    expect(acked.length).toBeGreaterThan(20000);
    expect(p.out()).toContain('The V8 heap is nearly full');
    const last = acked[acked.length - 1];

    // Still serving: reads, non-denyoom writes, and the same refusal for every denyoom command.
    expect(await c.send(['PING'])).toBe('+PONG\r\n');
    expect(await c.send(['DBSIZE'])).toBe(`:${acked.length}\r\n`);
    expect(await c.send(['GET', 'k0'])).toBe(`$1000\r\n${VALUE}\r\n`);
    expect(await c.send(['STRLEN', last])).toBe(':1000\r\n');
    expect(await c.send(['SET', 'x', '1'])).toBe(OOM);
    expect(await c.send(['LPUSH', 'l', 'a'])).toBe(OOM);
    expect(await c.send(['APPEND', 'k0', 'more'])).toBe(OOM);
    expect(await c.send(['EXPIRE', 'k1', '1000'])).toBe(':1\r\n'); // not denyoom
    // MULTI, as Redis: every command but EXEC/DISCARD/QUIT/RESET is refused, and the transaction aborts.
    expect(await c.send(['MULTI'])).toBe('+OK\r\n');
    expect(await c.send(['GET', 'k0'])).toBe(OOM);
    expect(await c.send(['EXEC'])).toBe('-EXECABORT Transaction discarded because of previous errors.\r\n');
    expect(await c.send(['MULTI'])).toBe('+OK\r\n');
    expect(await c.send(['DISCARD'])).toBe('+OK\r\n');
    expect(await c.send(['DEL', 'k2'])).toBe(':1\r\n');
    // EXEC of a queue holding a denyoom command is refused, as Redis's execCommandAbort words it.
    expect(await m.send(['EXEC'])).toBe(`-EXECABORT Transaction discarded because of: ${OOM.slice(1)}`);
    expect(await m.send(['EXISTS', 'queued'])).toBe(':0\r\n');

    // Every acknowledged write is in the AOF (written each event-loop turn): SIGKILL, restart with the same heap.
    p.proc.kill('SIGKILL');
    await p.exited;
    const q = await start(dir, 128, ['--appendonly', 'yes', '--appendfsync', 'everysec']);
    expect(q.port, q.out()).not.toBe(0);
    const d = await connect(q.port);
    expect(await d.send(['DBSIZE'])).toBe(`:${acked.length - 1}\r\n`);
    expect(await d.send(['GET', last])).toBe(`$1000\r\n${VALUE}\r\n`);
    expect(await d.send(['TTL', 'k1'])).toMatch(/^:\d+\r\n$/);
    expect(await d.send(['EXISTS', 'k2'])).toBe(':0\r\n');

    // Full again (the loaded data is more compact than the running server's heap was, so there may be room first).
    await fillUntilRefused(d, 'again');
    // FLUSHALL is not denyoom; the guard then sees the freed heap (a GC it forces) and accepts writes again.
    expect(await d.send(['FLUSHALL'])).toBe('+OK\r\n');
    expect(await until(async () => (await d.send(['SET', 'x', '1'])) === '+OK\r\n', 5000)).toBe(true);
    expect(q.out()).toContain('The V8 heap has room again');
    expect(await d.send(['GET', 'x'])).toBe('$1\r\n1\r\n');
  }, 120000);

  test.each([
    ['rdb', 200000, 1000],
    ['aof', 200000, 1000],
    // 1024 keys of 100 KB would overshoot the heap between two looks: the loader also looks every few MB of the file.
    ['rdb', 2000, 100000],
  ] as const)('a %s bigger than the heap (%i keys of %i bytes) stops the start with the file, the offset and the flag', async (kind, keys, size) => {
    const dir = tmpDir();
    const persistence = kind === 'aof' ? ['--appendonly', 'yes'] : ['--appendonly', 'no'];
    const big = await start(dir, 512, [...persistence, '--enable-debug-command', 'yes']);
    expect(big.port).not.toBe(0);
    const c = await connect(big.port);
    // About 200 MB of values; DEBUG POPULATE is not propagated, so the AOF gets it through a rewrite (its RDB base).
    expect(await c.send(['DEBUG', 'POPULATE', String(keys), 'key', String(size)])).toBe('+OK\r\n');
    if (kind === 'aof') {
      expect(await c.send(['BGREWRITEAOF'])).toBe('+Background append only file rewriting started\r\n');
      expect(await until(async () => /aof_rewrite_in_progress:0/.test(await c.send(['INFO', 'persistence'])), 30000)).toBe(true);
      expect(await c.send(['INFO', 'persistence'])).toContain('aof_last_bgrewrite_status:ok');
    } else {
      expect(await c.send(['SAVE'])).toBe('+OK\r\n');
    }
    big.proc.kill('SIGKILL');
    await big.exited;
    const files = () => fs.readdirSync(dir, { recursive: true }).map(String).sort();
    const before = files();

    const small = await start(dir, 128, persistence);
    expect(small.port).toBe(0);
    expect(await small.exited).toBe(1);
    const out = small.out();
    expect(out).not.toContain('heap out of memory');
    const file = kind === 'aof' ? /appendonlydir\/appendonly\.aof\.\d+\.base\.rdb/ : /dump\.rdb/;
    expect(out).toMatch(new RegExp(`The data in \\S*${file.source} does not fit in this process's V8 heap: \\d+ MB of its 128 MB limit are in use at offset \\d+\\.`));
    expect(out).toContain('NODE_OPTIONS=--max-old-space-size=');
    expect(files()).toEqual(before);

    // With the heap it was written with, it loads.
    const again = await start(dir, 512, persistence);
    expect(again.port, again.out()).not.toBe(0);
    const d = await connect(again.port);
    expect(await d.send(['DBSIZE'])).toBe(`:${keys}\r\n`);
  }, 120000);
});
