/**
 * Crash tests of the AOF: kevy-server runs as a child process (`node
 * bin/kevy-server --appendonly yes`, built with tsc first) under a write
 * load of 20 connections, each running INCR ctr:<cycle>:<i> and SET
 * u:<cycle>:<i>:<j> in turn, one command at a time, recording what it sent
 * and which replies came back, beside 4 connections running reads (EXISTS:
 * a turn whose first command is a read queues its replies' write before the
 * writes' AOF write, which must still come first; the kill has to land
 * between the two, so this catches a reply sent too early only now and
 * then: test/aof.test.ts checks that order on every reply). The server is killed with SIGKILL at a random
 * moment (during plain writes, or while BGREWRITEAOF runs over a larger data
 * set), the AOF is checked with kevy-check-aof and redis-check-aof, and the
 * restarted server must show, per connection, a prefix of what it sent
 * that holds every acknowledged write, and nothing never sent. Under
 * appendfsync always a reply waits for the fsync ("ack-after-fsync"); under
 * everysec for the write() to the page cache, which a SIGKILL does not lose
 * (Redis writes its AOF before its replies too; a power cut loses up to a
 * second of writes there). Data of earlier cycles never changes. 4 kills per policy by default;
 * KEVY_CRASH_FULL=1 runs 22 per policy (KEVY_NO_BUILD=1: use dist/ as it is).
 *
 * A SIGKILL loses the process, not the page cache: these tests check the
 * server's ordering and what it acknowledges, not the disk's (no power cut).
 * SIGKILL during BGSAVE is covered in test/restart.test.ts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { freePort, waitForPort } from './helpers/servers';
import { RawClient } from './helpers/resp';
import { BIN, killAll } from './helpers/child';
import { checkAof } from '../src/persistence/check-aof';

const FULL = process.env.KEVY_CRASH_FULL === '1';
const CLIENTS = 20;
const READERS = 4;
const PRELOAD = 100000;
let tmp: string;
const running: ChildProcess[] = [];

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kevy-crash-'));
}, 120000);

afterEach(() => killAll(running));

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Proc {
  proc: ChildProcess;
  port: number;
  exited: Promise<unknown>;
}

async function start(dir: string, policy: string): Promise<Proc> {
  const port = await freePort();
  const args = [BIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', policy];
  const proc = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(proc);
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  await Promise.race([waitForPort(port, 30000), exited.then(() => Promise.reject(new Error(`kevy-server exited early:\n${out}`)))]);
  return { proc, port, exited };
}

function enc(args: string[]): string {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${a.length}\r\n${a}\r\n`;
  return s;
}

/**
 * One connection of the load: op k is INCR ctr:c:i (k even) or SET
 * u:c:i:(k>>1) (k odd), sent once the reply of op k-1 came back.
 */
class Worker {
  sent = 0;
  acked = 0;
  error: string | null = null;
  private buf = '';
  private stopped = false;
  private readonly sock: net.Socket;

  constructor(
    port: number,
    readonly cycle: number,
    readonly i: number,
  ) {
    this.sock = net.connect(port, '127.0.0.1', () => this.next());
    this.sock.setNoDelay(true);
    this.sock.on('data', (d) => this.onData(d.toString('latin1')));
    this.sock.on('error', () => {});
    this.sock.on('close', () => (this.stopped = true));
  }

  private next(): void {
    if (this.stopped) return;
    const k = this.sent;
    const argv = k % 2 === 0 ? ['INCR', `ctr:${this.cycle}:${this.i}`] : ['SET', `u:${this.cycle}:${this.i}:${k >> 1}`, `v${k}`];
    this.sent++;
    this.sock.write(enc(argv));
  }

  private onData(s: string): void {
    this.buf += s;
    let nl: number;
    while ((nl = this.buf.indexOf('\r\n')) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 2);
      const k = this.acked;
      const want = k % 2 === 0 ? `:${(k >> 1) + 1}` : '+OK';
      if (line !== want) {
        this.error = `client ${this.i} op ${k}: got ${line}, want ${want}`;
        this.stopped = true;
        return;
      }
      this.acked++;
      this.next();
    }
  }

  stop(): void {
    this.stopped = true;
    this.sock.destroy();
  }
}

/** A connection running EXISTS ctr:c:i, one at a time, until stopped. */
class Reader {
  replies = 0;
  private stopped = false;
  private readonly sock: net.Socket;

  constructor(port: number, cycle: number, i: number) {
    const cmd = enc(['EXISTS', `ctr:${cycle}:${i}`]);
    this.sock = net.connect(port, '127.0.0.1', () => this.sock.write(cmd));
    this.sock.setNoDelay(true);
    this.sock.on('data', (d) => {
      // Integer replies, one line each, one request in flight.
      this.replies += d.toString('latin1').split('\r\n').length - 1;
      if (!this.stopped) this.sock.write(cmd);
    });
    this.sock.on('error', () => {});
    this.sock.on('close', () => (this.stopped = true));
  }

  stop(): void {
    this.stopped = true;
    this.sock.destroy();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes PRELOAD keys of 200 bytes (so a rewrite takes a while). */
async function preload(port: number): Promise<void> {
  const c = await RawClient.connect(port);
  try {
    for (let b = 0; b < PRELOAD; b += 1000) {
      const argv = ['MSET'];
      for (let k = b; k < b + 1000; k++) argv.push(`pre:${k}`, 'x'.repeat(200));
      expect(await c.send(argv)).toBe('+OK\r\n');
    }
  } finally {
    c.close();
  }
}

/** How many ops of each worker the restarted server holds (a per-worker prefix, checked). */
async function appliedOps(port: number, cycle: number): Promise<number[]> {
  const c = await RawClient.connect(port);
  try {
    const ctrs = (await c.send(['MGET', ...Array.from({ length: CLIENTS }, (_, i) => `ctr:${cycle}:${i}`)])).split('\r\n');
    const incrs: number[] = [];
    for (let l = 1; incrs.length < CLIENTS; l++) {
      if (ctrs[l] === '$-1') incrs.push(0);
      else incrs.push(Number(ctrs[++l]));
    }
    const keysReply = await c.send(['KEYS', `u:${cycle}:*`]);
    const sets: number[][] = Array.from({ length: CLIENTS }, () => []);
    for (const line of keysReply.split('\r\n')) {
      const m = /^u:\d+:(\d+):(\d+)$/.exec(line);
      if (m) sets[Number(m[1])].push(Number(m[2]));
    }
    return incrs.map((v, i) => {
      const s = sets[i].sort((a, b) => a - b);
      // The SETs present are exactly 0..s-1 (no hole), and the INCRs fit around them.
      s.forEach((j, idx) => expect(j, `client ${i}: SET ${idx} missing while later ones exist`).toBe(idx));
      expect(v === s.length || v === s.length + 1, `client ${i}: ${v} INCRs and ${s.length} SETs are not a prefix`).toBe(true);
      return v + s.length;
    });
  } finally {
    c.close();
  }
}

/** kevy-check-aof and redis-check-aof on the AOF a SIGKILL left: valid, or at most a torn last file. */
function checkFiles(dir: string): void {
  const manifest = path.join(dir, 'appendonlydir', 'appendonly.aof.manifest');
  let out = '';
  const status = checkAof([manifest], { out: (s) => (out += s), ask: () => null });
  const redis = spawnSync('redis-check-aof', [manifest], { encoding: 'latin1' });
  expect(status, out).toBe(redis.status);
  if (status !== 0) expect(out).toMatch(/AOF appendonly\.aof\.\d+\.incr\.aof is not valid/);
}

async function crashCycles(policy: 'always' | 'everysec'): Promise<void> {
  const dir = fs.mkdtempSync(path.join(tmp, `${policy}-`));
  const kills = FULL ? 22 : 4;
  const rewriteEvery = 4; // cycles 3, 7, ... kill during BGREWRITEAOF
  const stable = new Map<number, number[]>();
  let p = await start(dir, policy);
  await preload(p.port);
  let midRewrite = 0;
  for (let cycle = 0; cycle < kills; cycle++) {
    const rewrite = cycle % rewriteEvery === rewriteEvery - 1;
    const workers = Array.from({ length: CLIENTS }, (_, i) => new Worker(p.port, cycle, i));
    const readers = Array.from({ length: READERS }, (_, i) => new Reader(p.port, cycle, i));
    await sleep(100 + Math.random() * 300);
    const manifestFile = path.join(dir, 'appendonlydir', 'appendonly.aof.manifest');
    const baseLine = () => fs.readFileSync(manifestFile, 'latin1').split('\n').find((l) => l.endsWith(' type b'));
    const baseBefore = baseLine();
    if (rewrite) {
      const c = await RawClient.connect(p.port);
      expect(await c.send(['BGREWRITEAOF'])).toMatch(/^\+Background append only file rewriting/);
      c.close();
      await sleep(Math.random() * 80);
    } else {
      await sleep(Math.random() * 400);
    }
    p.proc.kill('SIGKILL');
    await p.exited;
    for (const w of workers) w.stop();
    for (const r of readers) r.stop();
    expect(readers.reduce((n, r) => n + r.replies, 0)).toBeGreaterThan(0);
    for (const w of workers) expect(w.error).toBeNull();
    expect(workers.reduce((n, w) => n + w.acked, 0)).toBeGreaterThan(0);
    checkFiles(dir);
    // The rewrite had not switched to its new base yet: the kill landed in the middle of it.
    if (rewrite && baseLine() === baseBefore) midRewrite++;

    p = await start(dir, policy);
    const applied = await appliedOps(p.port, cycle);
    for (const w of workers) {
      const a = applied[w.i];
      expect(a, `client ${w.i}: ops applied beyond those sent`).toBeLessThanOrEqual(w.sent);
      expect(a, `client ${w.i}: acknowledged ops lost`).toBeGreaterThanOrEqual(w.acked);
    }
    // Earlier cycles are untouched, and the preloaded keys are all there.
    for (const [c, ops] of stable) expect(await appliedOps(p.port, c)).toEqual(ops);
    stable.set(cycle, applied);
    const rc = await RawClient.connect(p.port);
    expect(await rc.send(['EXISTS', 'pre:0', `pre:${PRELOAD - 1}`])).toBe(':2\r\n');
    rc.close();
  }
  p.proc.kill('SIGKILL');
  await p.exited;
  expect(midRewrite, 'no kill landed during a rewrite').toBeGreaterThan(0);
}

test('appendfsync always: SIGKILL at random moments loses no acknowledged write', async () => {
  await crashCycles('always');
}, 180000);

test('appendfsync everysec: SIGKILL at random moments loses no acknowledged write', async () => {
  await crashCycles('everysec');
}, 180000);
