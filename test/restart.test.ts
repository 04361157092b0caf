/**
 * Restarts of kevy-server as a child process (`node bin/kevy-server`, built
 * with tsc first): the dump written on SIGTERM is loaded by the next start;
 * writes acknowledged just before SIGTERM survive; FLUSHALL stays flushed;
 * SIGKILL in the middle of a large BGSAVE leaves the old or the new dump,
 * never a torn one ("old-or-new"); a damaged dump stops startup with the
 * file and the offset, exit code 1, and is left as it was.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { freePort, waitForPort } from './helpers/servers';
import { RawClient, openSocket } from './helpers/resp';
import { BIN, killAll } from './helpers/child';

let tmp: string;
const running: ChildProcess[] = [];

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kevy-restart-'));
});

afterEach(() => killAll(running));

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Proc {
  proc: ChildProcess;
  port: number;
  out: () => string;
  exited: Promise<number | null>;
}

/** Starts kevy-server on dir (save points as given) and waits for its port. */
async function start(dir: string, save = '3600 1 300 100 60 10000', extra: string[] = []): Promise<Proc> {
  const port = await freePort();
  const args = [BIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ...(save === '' ? [''] : save.split(' ')), ...extra];
  const proc = spawn(process.execPath, args, { cwd: tmp });
  running.push(proc);
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  await Promise.race([waitForPort(port, 20000), exited.then(() => Promise.reject(new Error(`kevy-server exited early:\n${out}`)))]);
  return { proc, port, out: () => out, exited };
}

function newDir(): string {
  return fs.mkdtempSync(path.join(tmp, 'd-'));
}

function cli(port: number, ...args: string[]): string {
  const r = spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'latin1' });
  return r.stdout.trim();
}

function encodeCmd(args: string[]): Buffer {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return Buffer.from(s, 'latin1');
}

async function term(p: Proc): Promise<number | null> {
  p.proc.kill('SIGTERM');
  return p.exited;
}

test('data written with redis-cli survives SIGTERM and a restart', async () => {
  const dir = newDir();
  let p = await start(dir);
  expect(cli(p.port, 'SET', 'greeting', 'hello world')).toBe('OK');
  expect(cli(p.port, 'HSET', 'user:1', 'name', 'Ada', 'age', '36')).toBe('2');
  expect(cli(p.port, 'RPUSH', 'queue', 'a', 'b', 'c')).toBe('3');
  expect(cli(p.port, 'ZADD', 'board', '10', 'x', '20', 'y')).toBe('2');
  expect(cli(p.port, 'SADD', 'tags', 't1', 't2')).toBe('2');
  expect(cli(p.port, 'SET', 'session', 'abc', 'EX', '1000')).toBe('OK');
  expect(cli(p.port, '-n', '5', 'SET', 'other-db', 'yes')).toBe('OK');
  expect(await term(p)).toBe(0);
  expect(p.out()).toContain('Saving the final RDB snapshot before exiting.');
  expect(p.out()).toContain('DB saved on disk');

  p = await start(dir);
  expect(p.out()).toMatch(/Done loading RDB, keys loaded: 7, keys expired: 0\./);
  expect(p.out()).toMatch(/DB loaded from disk: \d+\.\d{3} seconds/);
  expect(cli(p.port, 'GET', 'greeting')).toBe('hello world');
  expect(cli(p.port, 'HGET', 'user:1', 'age')).toBe('36');
  expect(cli(p.port, 'LRANGE', 'queue', '0', '-1')).toBe('a\nb\nc');
  expect(cli(p.port, 'ZRANGE', 'board', '0', '-1', 'WITHSCORES')).toBe('x\n10\ny\n20');
  expect(cli(p.port, 'SCARD', 'tags')).toBe('2');
  expect(Number(cli(p.port, 'TTL', 'session'))).toBeGreaterThan(990);
  expect(cli(p.port, '-n', '5', 'GET', 'other-db')).toBe('yes');
  expect(cli(p.port, 'INFO', 'persistence')).toContain('rdb_last_load_keys_loaded:7');
  // SIGINT saves the same way.
  p.proc.kill('SIGINT');
  expect(await p.exited).toBe(0);
  expect(p.out()).toContain('DB saved on disk');
}, 60000);

test('ten graceful restarts in a row keep everything', async () => {
  const dir = newDir();
  for (let round = 0; round < 10; round++) {
    const p = await start(dir);
    const c = await RawClient.connect(p.port);
    expect(await c.send(['DBSIZE'])).toBe(`:${round === 0 ? 0 : 1 + 99 * round}\r\n`);
    if (round > 0) expect(await c.send(['GET', `r${round - 1}:99`])).toBe(`$2\r\n99\r\n`);
    expect(await c.send(['INCR', 'rounds'])).toBe(`:${round + 1}\r\n`);
    const cmds: Buffer[] = [];
    for (let i = 0; i < 99; i++) cmds.push(encodeCmd(['SET', `r${round}:${i + 1}`, String(i + 1)]));
    await c.sendMany(Buffer.concat(cmds), 99);
    c.close();
    expect(await term(p)).toBe(0);
  }
  const p = await start(dir);
  expect(cli(p.port, 'GET', 'rounds')).toBe('10');
  expect(cli(p.port, 'DBSIZE')).toBe('991');
}, 120000);

test('writes acknowledged just before SIGTERM, from many clients, survive', async () => {
  const dir = newDir();
  const p = await start(dir);
  const clients = await Promise.all(Array.from({ length: 8 }, () => RawClient.connect(p.port)));
  const acked: Map<string, string>[] = clients.map(() => new Map());
  let stop = false;
  const writers = clients.map(async (c, w) => {
    for (let n = 0; !stop; n++) {
      const key = `w${w}:${n % 500}`;
      const val = `${n}`;
      const reply = await c.send(['SET', key, val]);
      if (reply !== '+OK\r\n') break; // the server closed the connection
      acked[w].set(key, val);
    }
  });
  await new Promise((r) => setTimeout(r, 300));
  p.proc.kill('SIGTERM');
  const code = await p.exited;
  stop = true;
  await Promise.all(writers);
  expect(code).toBe(0);
  const p2 = await start(dir);
  const c = await RawClient.connect(p2.port);
  let checked = 0;
  for (const m of acked) {
    for (const [key, val] of m) {
      // A later write may have been applied without its reply reaching the client: never an older one.
      const got = await c.send(['GET', key]);
      const n = Number(got.split('\r\n')[1]);
      expect(n, key).toBeGreaterThanOrEqual(Number(val));
      checked++;
    }
  }
  expect(checked).toBeGreaterThan(100);
  c.close();
  for (const x of clients) x.close();
}, 60000);

test('SHUTDOWN SAVE while a client pipelines: every SET it was told OK is in the dump', async () => {
  // A pipelines 300,000 SETs, so the server runs them in turns (YIELD_AFTER_MS).
  // C keeps the shutdown's grace period going (it stops reading four 8 MB
  // replies). A turn that ran after the final save used to reply OK to SETs
  // the dump did not have (4,129 OKs, 2,465 keys saved).
  const dir = newDir();
  const p = await start(dir, '');
  const slow = await openSocket(p.port);
  slow.write(encodeCmd(['SET', 'big', 'x'.repeat(8 << 20)]));
  await new Promise((r) => slow.once('data', r));
  slow.pause();
  slow.write(Buffer.concat(Array.from({ length: 4 }, () => encodeCmd(['GET', 'big']))));
  await new Promise((r) => setTimeout(r, 300));
  const b = await RawClient.connect(p.port);
  const a = await openSocket(p.port);
  let oks = 0;
  let sent = false;
  const closed = new Promise((r) => a.once('close', r));
  a.on('data', (d: Buffer) => {
    for (const x of d) if (x === 10) oks++;
    if (!sent && oks > 1000) {
      sent = true;
      void b.send(['SHUTDOWN', 'SAVE']);
    }
  });
  a.write(Buffer.concat(Array.from({ length: 300000 }, (_, i) => encodeCmd(['SET', `k:${i}`, 'v']))));
  await closed;
  slow.destroy();
  expect(await p.exited).toBe(0);
  expect(oks).toBeGreaterThan(1000);
  const p2 = await start(dir, '');
  // Every key A was told OK for (k:0 .. k:oks-1, in order), and big.
  expect(cli(p2.port, 'DBSIZE')).toBe(String(oks + 1));
  expect(cli(p2.port, 'EXISTS', `k:${oks - 1}`)).toBe('1');
  b.close();
}, 60000);

test('SHUTDOWN SAVE serving a blocked client: the command queued behind its BLPOP does not run after the save', async () => {
  // Y's LPUSH serves X's BLPOP, then Y's SHUTDOWN SAVE saves; X's pipelined
  // SET used to run after that save and get +OK, and was not in the dump.
  const dir = newDir();
  const p = await start(dir, '');
  const x = await openSocket(p.port);
  let got = '';
  x.on('data', (b: Buffer) => (got += b.toString('latin1')));
  const xClosed = new Promise((r) => x.once('close', r));
  x.write(Buffer.concat([encodeCmd(['BLPOP', 'q', '0']), encodeCmd(['SET', 'after-shutdown', '1'])]));
  await new Promise((r) => setTimeout(r, 200));
  const y = await openSocket(p.port);
  y.write(Buffer.concat([encodeCmd(['LPUSH', 'q', 'v']), encodeCmd(['SHUTDOWN', 'SAVE'])]));
  expect(await p.exited).toBe(0);
  await xClosed;
  expect(got).toBe('*2\r\n$1\r\nq\r\n$1\r\nv\r\n');
  const p2 = await start(dir, '');
  expect(cli(p2.port, 'EXISTS', 'after-shutdown')).toBe('0');
  y.destroy();
}, 30000);

test('FLUSHALL before a restart stays flushed', async () => {
  const dir = newDir();
  let p = await start(dir);
  cli(p.port, 'SET', 'a', '1');
  cli(p.port, 'SAVE');
  cli(p.port, 'FLUSHALL');
  expect(await term(p)).toBe(0);
  p = await start(dir);
  expect(cli(p.port, 'DBSIZE')).toBe('0');
  // Without save points the FLUSHALL is not saved by itself, and SIGTERM does not save.
  cli(p.port, 'SET', 'b', '1');
  cli(p.port, 'SAVE');
  expect(await term(p)).toBe(0);
  p = await start(dir, '');
  cli(p.port, 'FLUSHALL');
  expect(await term(p)).toBe(0);
  p = await start(dir, '');
  expect(cli(p.port, 'GET', 'b')).toBe('1');
  cli(p.port, 'FLUSHALL');
  cli(p.port, 'SHUTDOWN', 'SAVE');
  await p.exited;
  p = await start(dir, '');
  expect(cli(p.port, 'DBSIZE')).toBe('0');
}, 60000);

test('SIGTERM whose final save fails keeps the server running; the next SIGTERM saves and exits', async () => {
  const dir = newDir();
  const p = await start(dir);
  cli(p.port, 'SET', 'k', 'v');
  // The final save's temp file is a link to /dev/full: the write fails with ENOSPC (the failed save removes the link).
  fs.symlinkSync('/dev/full', path.join(dir, `temp-${p.proc.pid}.rdb`));
  p.proc.kill('SIGTERM');
  for (let i = 0; i < 200 && !p.out().includes('errors trying to shut down'); i++) await new Promise((r) => setTimeout(r, 25));
  expect(p.out()).toContain("Error trying to save the DB, can't exit.");
  expect(p.out()).toContain('SIGTERM received but errors trying to shut down the server, check the logs for more information');
  expect(cli(p.port, 'GET', 'k')).toBe('v');
  expect(await term(p)).toBe(0);
  const p2 = await start(dir);
  expect(cli(p2.port, 'GET', 'k')).toBe('v');
}, 60000);

test('SIGKILL during a large BGSAVE leaves the old or the new dump, never a torn one', async () => {
  const dir = newDir();
  const dump = path.join(dir, 'dump.rdb');
  const N = 300000;
  for (let round = 0; round < 4; round++) {
    const p = await start(dir, '');
    const c = await RawClient.connect(p.port);
    const gen = round === 0 ? 0 : Number((await c.send(['GET', 'gen'])).split('\r\n')[1]);
    // Each generation rewrites every key: the loaded file must be one generation, whole.
    const next = gen + 1;
    for (let base = 0; base < N; base += 20000) {
      const args = ['MSET'];
      for (let i = base; i < base + 20000; i++) args.push(`key:${i}`, `g${next}:${i}`);
      await c.send(args);
    }
    await c.send(['SET', 'gen', String(next)]);
    const oldSize = fs.existsSync(dump) ? fs.statSync(dump).size : 0;
    expect(await c.send(['BGSAVE'])).toBe('+Background saving started\r\n');
    await new Promise((r) => setTimeout(r, 50 + Math.floor(Math.random() * 700)));
    p.proc.kill('SIGKILL');
    await p.exited;
    c.close();

    const p2 = await start(dir, '');
    const c2 = await RawClient.connect(p2.port);
    const size = Number((await c2.send(['DBSIZE'])).slice(1, -2));
    const loadedGen = round === 0 && size === 0 ? 0 : Number((await c2.send(['GET', 'gen'])).split('\r\n')[1]);
    expect([gen, next]).toContain(loadedGen);
    if (loadedGen > 0) {
      expect(size).toBe(N + 1);
      for (const i of [0, 1, 4242, N - 1]) expect(await c2.send(['GET', `key:${i}`])).toBe(`$${`g${loadedGen}:${i}`.length}\r\ng${loadedGen}:${i}\r\n`);
    } else {
      expect(size).toBe(0);
      expect(oldSize).toBe(0);
    }
    // The next round always starts from a complete dump of this state.
    expect(await c2.send(['SAVE'])).toBe('+OK\r\n');
    c2.close();
    p2.proc.kill('SIGKILL');
    await p2.exited;
  }
}, 240000);

test('a damaged dump stops startup with the file, the offset and exit code 1, and stays as it was', async () => {
  const dir = newDir();
  const p = await start(dir);
  for (let i = 0; i < 50; i++) cli(p.port, 'SET', `k${i}`, 'x'.repeat(i));
  expect(await term(p)).toBe(0);
  const dump = path.join(dir, 'dump.rdb');
  const good = fs.readFileSync(dump);
  const cases: [string, Buffer][] = [
    ['truncated', good.subarray(0, good.length - 20)],
    ['flipped byte', Buffer.concat([good.subarray(0, 60), Buffer.from([good[60] ^ 0xff]), good.subarray(61)])],
    ['bad signature', Buffer.concat([Buffer.from('RADIS'), good.subarray(5)])],
  ];
  for (const [name, bytes] of cases) {
    fs.writeFileSync(dump, bytes);
    const r = spawnSync(process.execPath, [BIN, '--port', String(await freePort()), '--dir', dir], { encoding: 'utf8', timeout: 20000 });
    expect(r.status, name).toBe(1);
    const out = r.stdout + r.stderr;
    expect(out, name).toContain(dump);
    expect(out, name).toMatch(/offset \d+/);
    expect(out, name).toContain('kevy-check-rdb');
    expect(fs.readFileSync(dump).equals(bytes), name).toBe(true);
  }
  // A dump written by redis-server 7.0 loads.
  fs.rmSync(dump);
  const rport = await freePort();
  const redis = spawn('redis-server', ['--port', String(rport), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--enable-debug-command', 'yes'], { stdio: 'ignore' });
  running.push(redis);
  await waitForPort(rport);
  spawnSync('redis-cli', ['-p', String(rport), 'DEBUG', 'POPULATE', '1000'], { encoding: 'utf8' });
  spawnSync('redis-cli', ['-p', String(rport), 'HSET', 'h', 'a', '1'], { encoding: 'utf8' });
  expect(spawnSync('redis-cli', ['-p', String(rport), 'SAVE'], { encoding: 'utf8' }).stdout.trim()).toBe('OK');
  redis.kill('SIGKILL');
  const k = await start(dir, '');
  expect(cli(k.port, 'DBSIZE')).toBe('1001');
  expect(cli(k.port, 'GET', 'key:999')).toBe('value:999');
  expect(cli(k.port, 'HGET', 'h', 'a')).toBe('1');
}, 60000);
