/**
 * The padding of the current incr file under appendfsync always
 * (src/persistence/aof-pad.ts): lines of '#'s that writes go over, extended
 * by the write that would use them up, truncated by a clean close; what a SIGKILL
 * leaves is a directory that redis-server 7.0 and redis-check-aof accept
 * as it is, and that kevy loads and keeps writing to. A command torn by a
 * power loss, followed by the padding, is a torn tail.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { startServer, type RunningServer } from '../src/index';
import { extensionFor, LINE, PAD_BYTES, padLines, paddingStart, planWrite, trailingPadAt, uncommittedAt } from '../src/persistence/aof-pad';
import { encodeCommand, readCommand } from '../src/persistence/aof-reader';
import { freePort, waitForPort } from './helpers/servers';
import { aofOf } from '../src/persistence/aof-setup';
import { RawClient } from './helpers/resp';
import { BIN, killAll } from './helpers/child';

const running: RunningServer[] = [];
const children: ChildProcess[] = [];
const clients: RawClient[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of running.splice(0)) await s.server.shutdown(100);
  await killAll(children);
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kevy-pad-'));
  dirs.push(d);
  return d;
}

async function connect(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  clients.push(c);
  return c;
}

async function start(dir: string, config: Record<string, string> = {}): Promise<RunningServer> {
  const srv = await startServer({ port: 0, bind: '127.0.0.1', dir, config: { appendonly: 'yes', appendfsync: 'always', ...config } });
  running.push(srv);
  return srv;
}

/** The only incr file of the AOF in dir. */
function incrFile(dir: string): string {
  const aofDir = path.join(dir, 'appendonlydir');
  const names = fs.readdirSync(aofDir).filter((f) => f.endsWith('.incr.aof'));
  expect(names.length).toBe(1);
  return path.join(aofDir, names[0]);
}

/** A data dir whose AOF is one incr file with this content. */
function oneFileAof(content: string | Buffer): { dir: string; aofDir: string; file: string } {
  const dir = tmpDir();
  const aofDir = path.join(dir, 'appendonlydir');
  fs.mkdirSync(aofDir);
  fs.writeFileSync(path.join(aofDir, 'appendonly.aof.manifest'), 'file appendonly.aof.1.incr.aof seq 1 type i\n');
  const file = path.join(aofDir, 'appendonly.aof.1.incr.aof');
  fs.writeFileSync(file, typeof content === 'string' ? Buffer.from(content, 'latin1') : content);
  return { dir, aofDir, file };
}

/** redis-check-aof and redis-server 7.0 on a copy of dir as it is: the check must pass; a client of that server. */
async function redisOnCopy(dir: string): Promise<RawClient> {
  const copy = tmpDir();
  fs.cpSync(dir, copy, { recursive: true });
  const check = spawnSync('redis-check-aof', [path.join(copy, 'appendonlydir', 'appendonly.aof.manifest')], { encoding: 'latin1' });
  expect(check.stdout).toContain('All AOF files and manifest are valid');
  const rport = await freePort();
  const redis = spawn('redis-server', ['--port', String(rport), '--bind', '127.0.0.1', '--dir', copy, '--save', '', '--appendonly', 'yes'], { stdio: 'ignore' });
  children.push(redis);
  await waitForPort(rport);
  return connect(rport);
}

/** The file's commands (annotations skipped) and where the last one ends. */
function commandsOf(buf: Buffer): { argv: string[][]; end: number } {
  const argv: string[][] = [];
  let pos = 0;
  let end = 0;
  while (pos < buf.length) {
    const r = readCommand(buf, pos);
    if (r.kind === 'annotation') {
      pos = r.end;
      continue;
    }
    if (r.kind !== 'command') throw new Error(`not a command at ${pos}: ${r.kind}`);
    argv.push(r.argv);
    pos = end = r.end;
  }
  return { argv, end };
}

/**
 * Redis 7.0's loadSingleAppendOnlyFile, as a model: fgets(buf, 1024) for
 * each line (at most 1023 bytes up to a '\n'), a '#' line skipped, "*argc",
 * then per argument "$len", len bytes and 2 bytes discarded unchecked.
 * 'truncated': the end of the file cut a command (aof-load-truncated keeps
 * the commands before it); 'fmterr': Redis refuses to start.
 */
function redisLoad(buf: Buffer): { status: 'ok' | 'truncated' | 'fmterr'; cmds: string[][] } {
  let pos = 0;
  const cmds: string[][] = [];
  const fgets = (): string | null => {
    if (pos >= buf.length) return null;
    const nl = buf.indexOf(10, pos);
    const end = Math.min(nl < 0 ? buf.length : nl + 1, pos + 1023);
    const line = buf.toString('latin1', pos, end);
    pos = end;
    return line;
  };
  for (;;) {
    const line = fgets();
    if (line === null) return { status: 'ok', cmds };
    if (line[0] === '#') continue;
    if (line[0] !== '*') return { status: 'fmterr', cmds };
    if (line.length === 1) return { status: 'truncated', cmds };
    const argc = parseInt(line.slice(1), 10) || 0;
    if (argc < 1) return { status: 'fmterr', cmds };
    const argv: string[] = [];
    for (let k = 0; k < argc; k++) {
      const l = fgets();
      if (l === null) return { status: 'truncated', cmds };
      if (l[0] !== '$') return { status: 'fmterr', cmds };
      const len = parseInt(l.slice(1), 10) || 0;
      if (pos + len > buf.length) return { status: 'truncated', cmds };
      argv.push(buf.toString('latin1', pos, pos + len));
      pos += len;
      if (pos + 2 > buf.length) return { status: 'truncated', cmds };
      pos += 2;
    }
    cmds.push(argv);
  }
}

/** True if Redis's loader skips s (padding) as annotations, and s ends with '\n' (a Redis appending after it starts a new line). */
function redisSkips(s: string): boolean {
  if (s.length === 0) return true;
  const r = redisLoad(Buffer.from(s, 'latin1'));
  return s.endsWith('\n') && r.status === 'ok' && r.cmds.length === 0;
}

/** Applies planned writes to a file image (grown as needed). */
function apply(img: Buffer, writes: { pos: number; text: string }[]): Buffer {
  let out = img;
  for (const w of writes) {
    const end = w.pos + w.text.length;
    if (end > out.length) out = Buffer.concat([out, Buffer.alloc(end - out.length)]);
    out.write(w.text, w.pos, 'latin1');
  }
  return out;
}

/**
 * Writes batches with plan() over padding, and checks with redisLoad every
 * state a SIGKILL can leave: the writes done in order, the one in progress
 * cut at any page boundary. Returns the first state where Redis would load
 * a command that was never written whole, or null.
 */
type Plan = (before: number, phys: number, data: string) => { pos: number; text: string }[];

function killStates(plan: Plan, seed: number, pad = padLines(PAD_BYTES), onState?: (state: Buffer, expected: string[][]) => void): string | null {
  let rnd = seed;
  const random = (n: number) => {
    rnd = (rnd * 1103515245 + 12345) % 2147483648;
    return rnd % n;
  };
  let img = Buffer.from(pad, 'latin1');
  let before = 0;
  const done: string[][] = [];
  for (let b = 0; b < 40; b++) {
    const batch: string[][] = [];
    let data = b % 5 === 0 ? `#TS:${1700000000 + b}\r\n` : '';
    for (let k = 1 + random(4); k > 0; k--) {
      const argv = ['SET', `key:${b}:${k}`, 'v'.repeat(random(6000))];
      batch.push(argv);
      data += encodeCommand(argv);
    }
    const writes = plan(before, img.length, data);
    for (let wi = 0; wi < writes.length; wi++) {
      const w = writes[wi];
      const doneBefore = apply(img, writes.slice(0, wi));
      for (let cut = 0; cut <= w.text.length; cut++) {
        if (cut !== 0 && cut !== w.text.length && (w.pos + cut) % 4096 !== 0) continue;
        const state = apply(doneBefore, [{ pos: w.pos, text: w.text.slice(0, cut) }]);
        const whole = wi === writes.length - 1 && cut === w.text.length;
        const expected = whole ? [...done, ...batch] : done;
        onState?.(state, [...expected]);
        const r = redisLoad(state);
        if (r.status === 'fmterr') continue;
        if (JSON.stringify(r.cmds) !== JSON.stringify(expected)) return `batch ${b}, write ${wi}, cut ${cut}: ${r.status}, ${r.cmds.length} commands`;
      }
    }
    img = apply(img, writes);
    before += data.length;
    done.push(...batch);
    if (before + 2 > img.length) break;
  }
  return null;
}

describe('the padding helpers', () => {
  test('padLines: lines of a # and .s; what a write leaves after it is skipped by Redis', () => {
    expect(PAD_BYTES % LINE).toBe(0);
    const p = padLines(PAD_BYTES);
    expect(p.length).toBe(PAD_BYTES);
    expect(padLines(2 * PAD_BYTES)).toBe(p + p);
    expect(p.split('\n').slice(0, -1).every((l) => l === '#' + '.'.repeat(LINE - 2))).toBe(true);
    const cmd = encodeCommand(['SET', 'k', 'v']);
    const small = padLines(4 * LINE);
    for (let at = 0; at < 3 * LINE; at++) {
      const img = apply(Buffer.from(small, 'latin1'), planWrite(at, small.length, cmd));
      const r = redisLoad(img.subarray(at));
      expect(r.status, `at ${at}`).toBe('ok');
      expect(r.cmds).toEqual([['SET', 'k', 'v']]);
      expect(redisSkips(img.subarray(at + cmd.length).toString('latin1')), `at ${at}`).toBe(true);
    }
    // The end of the file: a write leaving only its final '\n' writes "#\n".
    const at = p.length - 1 - cmd.length;
    const img = apply(Buffer.from(p, 'latin1'), planWrite(at, p.length, cmd));
    expect(img.subarray(img.length - 2).toString('latin1')).toBe('#\n');
    expect(redisLoad(img.subarray(at))).toEqual({ status: 'ok', cmds: [['SET', 'k', 'v']] });
    expect(redisSkips('\n')).toBe(false);
    expect(redisSkips('#'.repeat(1023 * 3) + '\n')).toBe(false);
    expect(redisSkips('#'.repeat(1022) + '\n')).toBe(true);
  });

  test('planWrite: appending is one write; over padding the first command is committed last', () => {
    expect(planWrite(10, 10, '*1\r\n$4\r\nPING\r\n')).toEqual([{ pos: 10, text: '*1\r\n$4\r\nPING\r\n' }]);
    expect(planWrite(10, 100, '*1\r\n$4\r\nPING\r\n')).toEqual([
      { pos: 10, text: '#1\r\n$4\r\nPING\r\n#' },
      { pos: 10, text: '*' },
    ]);
    expect(planWrite(0, 15, '*1\r\n$4\r\nPING\r\n')).toEqual([
      { pos: 0, text: '#1\r\n$4\r\nPING\r\n#\n' },
      { pos: 0, text: '*' },
    ]);
    expect(planWrite(0, 5, '#TS:1\r\n*1\r\n$4\r\nPING\r\n')).toEqual([
      { pos: 0, text: '#TS:1\r\n#1\r\n$4\r\nPING\r\n' },
      { pos: 7, text: '*' },
    ]);
    expect(extensionFor(10, 12)).toBe(0);
    expect(extensionFor(10, 11)).toBe(PAD_BYTES);
    expect(extensionFor(10, 0)).toBe(PAD_BYTES);
    expect(extensionFor(PAD_BYTES + 10, 0)).toBe(2 * PAD_BYTES);
  });

  test('uncommittedAt: annotations up to "#<argc>\\r\\n", then a $ line', () => {
    const b = (s: string) => Buffer.from(s, 'latin1');
    const done = encodeCommand(['SET', 'a', '1']);
    const at = (s: string) => uncommittedAt(b(done + s), done.length, done.length + s.indexOf('$'));
    expect(at('#2\r\n$6\r\nSELECT')).toBe(done.length);
    expect(at('#...\n#TS:17\r\n#3\r\n$3\r\nSET')).toBe(done.length + 13);
    expect(at('#.....#3\r\n$3\r\nSET')).toBe(-1); // the argc line starts its own line
    expect(at('#x3\r\n$3\r\nSET')).toBe(-1);
    expect(at('#TS:3\r\n$3\r\nSET')).toBe(-1);
    expect(at('#\r\n$3\r\nSET')).toBe(-1);
    expect(uncommittedAt(b(done + '#3\r\n*3'), done.length, done.length + 4)).toBe(-1);
  });

  test('a SIGKILL cutting a write between pages: Redis loads the commands written whole, or refuses; never a cut command', () => {
    for (let seed = 1; seed <= 5; seed++) expect(killStates(planWrite, seed)).toBeNull();
    // The model sees the danger: one write of the data over lines of #s only (the first
    // padding kevy had) lets Redis load a command whose value ran into the padding.
    const naive = (before: number, phys: number, data: string) => [{ pos: before, text: data + (phys - before - data.length >= 2 ? '#' : '') }];
    const hashes = ('#'.repeat(LINE - 1) + '\n').repeat(PAD_BYTES / LINE);
    expect(killStates(naive, 1, hashes)).toMatch(/commands$/);
  });

  test('paddingStart: the first of the last lines made only of #s and .s, across read blocks; else the size', () => {
    const dir = tmpDir();
    const set = encodeCommand(['SET', 'a', '1']);
    const cases: [string, number][] = [
      ['', 0],
      ['\n', -1],
      [set, 0],
      [set + '#\n', -2],
      [set + padLines(PAD_BYTES), -PAD_BYTES],
      [set + '#....\n' + padLines(LINE * 80), -(6 + LINE * 80)],
      [padLines(LINE * 70), -(LINE * 70)],
      ['#TS:1700000000\r\n', 0],
      ['#abc#\n', 0],
      ['#abc#\n#.\n', -3],
      [encodeCommand(['SET', 'a', '#']), 0],
      [encodeCommand(['SET', 'a', 'x\n#..']), 0],
      [set + '#..', 0],
    ];
    for (const [content, fromEnd] of cases) {
      const f = path.join(dir, 'f');
      fs.writeFileSync(f, content, 'latin1');
      const fd = fs.openSync(f, 'r');
      try {
        expect(paddingStart(fd, content.length), JSON.stringify(content.slice(0, 40))).toBe(content.length + fromEnd);
      } finally {
        fs.closeSync(fd);
      }
    }
  });

  test('trailingPadAt: the run of padding after the torn bytes', () => {
    const b = (s: string) => Buffer.from(s, 'latin1');
    const pad = padLines(LINE * 3);
    for (const torn of ['*3\r\n$3\r\nSE', '*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$100\r\n', '*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n']) {
      expect(trailingPadAt(b('xx' + torn + pad), 2), torn).toBe(2 + torn.length);
      expect(trailingPadAt(b('xx' + torn + pad.slice(5)), 2), torn).toBe(2 + torn.length);
    }
    expect(trailingPadAt(b('xx*3\r\n$3\r\nSE'), 2)).toBe(12);
    // All of it padding (a power loss took the '#' a write left at its start): from.
    expect(trailingPadAt(b(pad), 0)).toBe(0);
    expect(trailingPadAt(b('xx' + pad.slice(1)), 2)).toBe(2);
  });
});

describe('under appendfsync always', () => {
  test('writes go over the padding; a clean shutdown truncates it; INFO counts data only', async () => {
    const dir = tmpDir();
    const srv = await start(dir);
    const c = await connect(srv.port);
    expect(await c.send(['SET', 'a', '1'])).toBe('+OK\r\n');
    const file = incrFile(dir);
    let buf = fs.readFileSync(file);
    let parsed = commandsOf(buf);
    expect(parsed.argv).toEqual([['SELECT', '0'], ['SET', 'a', '1']]);
    // The padding was laid from offset 0, the commands went over its start.
    expect(buf.length).toBe(PAD_BYTES);
    expect(redisSkips(buf.subarray(parsed.end).toString('latin1'))).toBe(true);
    // The next writes land at the end of the data, the file does not grow.
    for (let i = 0; i < 50; i++) expect(await c.send(['SET', `k${i}`, 'v'.repeat(100)])).toBe('+OK\r\n');
    buf = fs.readFileSync(file);
    parsed = commandsOf(buf);
    expect(parsed.argv.length).toBe(52);
    expect(buf.length).toBe(PAD_BYTES);
    expect(redisSkips(buf.subarray(parsed.end).toString('latin1'))).toBe(true);
    const aofDir = path.join(dir, 'appendonlydir');
    const base = fs.readdirSync(aofDir).find((f) => f.includes('.base.'))!;
    expect(await c.send(['INFO', 'persistence'])).toContain(`aof_current_size:${fs.statSync(path.join(aofDir, base)).size + parsed.end}\r\n`);
    expect(await c.send(['SHUTDOWN'])).toBe('<closed>');
    running.splice(0);
    buf = fs.readFileSync(file);
    expect(buf.length).toBe(parsed.end);
    expect(commandsOf(buf).argv.length).toBe(52);
  });

  test('the write that uses the line up extends it: data past PAD_BYTES, every command in order', async () => {
    const dir = tmpDir();
    const srv = await start(dir);
    const c = await connect(srv.port);
    const value = 'x'.repeat(100_000);
    const n = Math.ceil((2.5 * PAD_BYTES) / value.length);
    for (let i = 0; i < n; i++) expect(await c.send(['SET', `big${i}`, value])).toBe('+OK\r\n');
    const buf = fs.readFileSync(incrFile(dir));
    const parsed = commandsOf(buf);
    expect(parsed.argv.slice(1).map((a) => a[1])).toEqual(Array.from({ length: n }, (_, i) => `big${i}`));
    expect(parsed.end).toBeGreaterThan(2 * PAD_BYTES);
    expect(buf.length % PAD_BYTES).toBe(0);
    const rest = buf.subarray(parsed.end).toString('latin1');
    expect(rest.length).toBeGreaterThanOrEqual(2);
    expect(redisSkips(rest)).toBe(true);
  });

  test('appendonly no and a switch to everysec: no padding is added, closing truncates it', async () => {
    const dir = tmpDir();
    const srv = await start(dir);
    const c = await connect(srv.port);
    expect(await c.send(['SET', 'a', '1'])).toBe('+OK\r\n');
    const file = incrFile(dir);
    expect(fs.statSync(file).size).toBe(PAD_BYTES);
    expect(await c.send(['CONFIG', 'SET', 'appendfsync', 'everysec'])).toBe('+OK\r\n');
    // Writes still go at the end of the data, inside the line, which is not extended.
    const value = 'y'.repeat(300_000);
    for (let i = 0; i < 5; i++) expect(await c.send(['SET', `y${i}`, value])).toBe('+OK\r\n');
    await new Promise((r) => setTimeout(r, 50));
    let buf = fs.readFileSync(file);
    const parsed = commandsOf(buf);
    expect(parsed.argv.length).toBe(7);
    expect(buf.length).toBe(parsed.end);
    expect(await c.send(['CONFIG', 'SET', 'appendfsync', 'always'])).toBe('+OK\r\n');
    expect(await c.send(['SET', 'b', '2'])).toBe('+OK\r\n');
    expect(fs.statSync(file).size).toBeGreaterThan(PAD_BYTES);
    expect(await c.send(['CONFIG', 'SET', 'appendonly', 'no'])).toBe('+OK\r\n');
    buf = fs.readFileSync(file);
    expect(commandsOf(buf).end).toBe(buf.length);
  });

  test('a write bigger than one extension is appended without padding; the next one adds it again', async () => {
    const dir = tmpDir();
    const srv = await start(dir);
    const c = await connect(srv.port);
    expect(await c.send(['SET', 'a', '1'])).toBe('+OK\r\n');
    const file = incrFile(dir);
    expect(await c.send(['SET', 'big', 'x'.repeat(3 * PAD_BYTES)])).toBe('+OK\r\n');
    let buf = fs.readFileSync(file);
    expect(commandsOf(buf).end).toBe(buf.length);
    expect(await c.send(['SET', 'b', '2'])).toBe('+OK\r\n');
    buf = fs.readFileSync(file);
    const parsed = commandsOf(buf);
    expect(parsed.argv.map((a) => a[1])).toEqual(['0', 'a', 'big', 'b']);
    expect(buf.length).toBe(parsed.end - encodeCommand(['SET', 'b', '2']).length + PAD_BYTES);
    expect(redisSkips(buf.subarray(parsed.end).toString('latin1'))).toBe(true);
  });

  test('settle() (a rewrite about to list a new incr file): the current file is written, its padding cut, and synced', async () => {
    const dir = tmpDir();
    const srv = await start(dir);
    const c = await connect(srv.port);
    for (let i = 0; i < 20; i++) expect(await c.send(['SET', `k${i}`, 'v'])).toBe('+OK\r\n');
    const file = incrFile(dir);
    expect(fs.statSync(file).size).toBe(PAD_BYTES);
    const aof = aofOf(srv.server)!;
    aof.settle();
    const buf = fs.readFileSync(file);
    expect(commandsOf(buf).argv.length).toBe(21);
    expect(commandsOf(buf).end).toBe(buf.length);
  });

  test('BGREWRITEAOF: the new incr file is padded, the sizes INFO reports count data only', async () => {
    const dir = tmpDir();
    const srv = await start(dir);
    const c = await connect(srv.port);
    for (let i = 0; i < 100; i++) expect(await c.send(['SET', `k${i}`, String(i)])).toBe('+OK\r\n');
    expect(await c.send(['BGREWRITEAOF'])).toBe('+Background append only file rewriting started\r\n');
    while (!(await c.send(['INFO', 'persistence'])).includes('aof_rewrite_in_progress:0')) await new Promise((r) => setTimeout(r, 10));
    expect(await c.send(['SET', 'after', '1'])).toBe('+OK\r\n');
    const aofDir = path.join(dir, 'appendonlydir');
    const file = incrFile(dir);
    const buf = fs.readFileSync(file);
    const parsed = commandsOf(buf);
    expect(parsed.argv).toEqual([['SELECT', '0'], ['SET', 'after', '1']]);
    expect(buf.length).toBe(PAD_BYTES);
    const base = fs.readdirSync(aofDir).find((f) => f.includes('.base.'))!;
    const info = await c.send(['INFO', 'persistence']);
    expect(info).toContain(`aof_current_size:${fs.statSync(path.join(aofDir, base)).size + parsed.end}\r\n`);
    expect(info).toContain(`aof_base_size:${fs.statSync(path.join(aofDir, base)).size}\r\n`);
  });
});

describe('what a SIGKILL leaves, loaded by kevy', () => {
  test('every state of the first batches: kevy loads the commands written whole, and drops a batch not committed', async () => {
    const states: { state: Buffer; expected: string[][] }[] = [];
    killStates(planWrite, 7, padLines(PAD_BYTES), (state, expected) => {
      if (states.length < 60) states.push({ state: Buffer.from(state), expected });
    });
    let dropped = 0;
    for (const { state, expected } of states) {
      const { dir } = oneFileAof(state);
      // Batches here reach 24 KB, more than the default limit (see the next test).
      const srv = await start(dir, { 'aof-load-corrupt-tail-max-size': '1mb' });
      const k = await connect(srv.port);
      expect(await k.send(['DBSIZE'])).toBe(`:${new Set(expected.map((a) => a[1])).size}\r\n`);
      const last = expected[expected.length - 1];
      if (last) expect(await k.send(['STRLEN', last[1]])).toBe(`:${last[2].length}\r\n`);
      if ((await k.send(['INFO', 'persistence'])).includes('aof_last_load_status:truncated')) dropped++;
      // New writes go after what was loaded, and survive a restart.
      expect(await k.send(['SET', 'after', 'x'])).toBe('+OK\r\n');
      await srv.server.shutdown(100);
      running.splice(running.indexOf(srv), 1);
      const again = await start(dir, { 'aof-load-corrupt-tail-max-size': '1mb' });
      const k2 = await connect(again.port);
      expect(await k2.send(['GET', 'after'])).toBe('$1\r\nx\r\n');
    }
    // Some of them were a batch stopped before its commit, which the loader dropped.
    expect(dropped).toBeGreaterThan(0);
  }, 60000);
});

describe('an uncommitted batch, and what only looks like one', () => {
  const SELECT0 = encodeCommand(['SELECT', '0']);
  const setCmd = (k: string, v: string) => encodeCommand(['SET', k, v]);
  const uncommitted = (cmds: string) => '#' + cmds.slice(1) + '#' + padLines(PAD_BYTES).slice(1);

  test('a batch of up to aof-load-corrupt-tail-max-size is dropped; a bigger one stops startup until the limit is raised', async () => {
    const good = SELECT0 + setCmd('a', '1');
    let batch = '';
    for (let i = 0; i < 10; i++) batch += setCmd(`b${i}`, 'v'.repeat(1000));
    const { dir, file } = oneFileAof(good + uncommitted(batch));
    await expect(start(dir)).rejects.toThrow(/a write over the padding that a crash stopped before its commit, 10\d\d\d bytes[\s\S]*aof-load-corrupt-tail-max-size/);
    expect(fs.statSync(file).size).toBe(good.length + batch.length + PAD_BYTES);
    const srv = await start(dir, { 'aof-load-corrupt-tail-max-size': '64kb' });
    const k = await connect(srv.port);
    expect(await k.send(['DBSIZE'])).toBe(':1\r\n');
    expect(await k.send(['INFO', 'persistence'])).toContain(`aof_last_load_truncated_bytes:${batch.length}\r\n`);
    expect(fs.statSync(file).size).toBe(good.length);
  });

  test('a batch that spans a second (a #TS line inside it) is dropped too', async () => {
    const good = SELECT0 + setCmd('a', '1');
    const batch = setCmd('b', '2') + '#TS:1700000001\r\n' + setCmd('c', '3');
    const { dir, file } = oneFileAof(good + uncommitted(batch));
    const srv = await start(dir);
    const k = await connect(srv.port);
    expect(await k.send(['MGET', 'a', 'b', 'c'])).toBe('*3\r\n$1\r\n1\r\n$-1\r\n$-1\r\n');
    expect(fs.statSync(file).size).toBe(good.length);
  });

  test('a "*" turned "#" in the middle of a file: not taken for one past the limit, nor without padding after it', async () => {
    let rest = '';
    for (let i = 0; i < 500; i++) rest += setCmd(`k${i}`, 'v'.repeat(20));
    const bad = SELECT0 + setCmd('a', '1') + '#' + setCmd('b', '2').slice(1) + rest;
    // Followed by padding: it has the shape, but 20 KB is more than the default 4 KB.
    const padded = bad + '#' + padLines(PAD_BYTES).slice(1);
    // Without padding after it (a Redis file, or kevy's without padding): whatever the limit.
    for (const [content, config] of [[padded, {}], [bad, { 'aof-load-corrupt-tail-max-size': '1mb' }]] as const) {
      const { dir, file } = oneFileAof(content);
      await expect(start(dir, config)).rejects.toThrow(/Bad file format/);
      expect(fs.readFileSync(file, 'latin1')).toBe(content);
    }
  });

  test('padding lines cut short by a crash while kevy added them: cut, even with aof-load-truncated no', async () => {
    const good = SELECT0 + setCmd('a', '1');
    const { dir, file } = oneFileAof(good + padLines(PAD_BYTES).slice(0, 4096 * 3 - good.length));
    const srv = await start(dir, { 'aof-load-truncated': 'no' });
    const k = await connect(srv.port);
    expect(await k.send(['GET', 'a'])).toBe('$1\r\n1\r\n');
    expect(fs.readFileSync(file, 'latin1').startsWith(good)).toBe(true);
  });
});

describe('every state a write leaves', () => {
  test('writes ending at every offset of a line, across an extension: Redis skips what follows them; at the one that ends before a newline, redis-server and redis-check-aof load the directory', async () => {
    const dir = tmpDir();
    const srv = await start(dir);
    const aof = aofOf(srv.server)!;
    const c = await connect(srv.port);
    const file = incrFile(dir);
    // Commands of LINE + 1 bytes: each write ends one byte further into a line than the last.
    let vlen = 0;
    const cmdOf = (i: number) => encodeCommand(['SET', `k${String(i).padStart(5, '0')}`, 'v'.repeat(vlen)]);
    while (cmdOf(0).length < LINE + 1) vlen++;
    expect(cmdOf(0).length).toBe(LINE + 1);
    let checkedWithRedis = false;
    const fd = fs.openSync(file, 'r');
    try {
      for (let i = 0; i < 1100; i++) {
        expect(await c.send(['SET', `k${String(i).padStart(5, '0')}`, 'v'.repeat(vlen)])).toBe('+OK\r\n');
        const end = aof.fileSizeOf(aof.incrName);
        const size = fs.fstatSync(fd).size;
        const rest = Buffer.alloc(size - end);
        fs.readSync(fd, rest, 0, rest.length, end);
        const text = rest.toString('latin1');
        expect(text.length, `write ${i}`).toBeGreaterThanOrEqual(2);
        expect(redisSkips(text), `write ${i}`).toBe(true);
        if (text.indexOf('\n') === LINE && !checkedWithRedis) {
          // The write ended just before a newline: a '#' went over it (a line of 1023 bytes).
          checkedWithRedis = true;
          const r = await redisOnCopy(dir);
          expect(await r.send(['DBSIZE'])).toBe(`:${i + 1}\r\n`);
        }
      }
    } finally {
      fs.closeSync(fd);
    }
    expect(checkedWithRedis).toBe(true);
    expect(fs.statSync(file).size).toBe(2 * PAD_BYTES);
  }, 60000);
});

describe('after a crash', () => {
  test('SIGKILL: redis-server 7.0 and redis-check-aof accept the directory as it is; kevy loads it and writes over the padding', async () => {
    const dir = tmpDir();
    const port = await freePort();
    const args = [BIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'];
    const proc = spawn(process.execPath, args, { stdio: 'ignore' });
    children.push(proc);
    await waitForPort(port, 30000);
    const c = await connect(port);
    for (let i = 0; i < 200; i++) expect(await c.send(['SET', `k${i}`, `v${i}`])).toBe('+OK\r\n');
    expect(await c.send(['HSET', 'h', 'f', 'x'])).toBe(':1\r\n');
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await gone;
    const file = incrFile(dir);
    const size = fs.statSync(file).size;
    expect(size).toBe(PAD_BYTES);
    const left = fs.readFileSync(file);
    expect(redisSkips(left.subarray(commandsOf(left).end).toString('latin1'))).toBe(true);

    // redis-check-aof and redis-server 7.0, on a copy of the directory as the SIGKILL left it.
    const r = await redisOnCopy(dir);
    expect(await r.send(['DBSIZE'])).toBe(':201\r\n');
    expect(await r.send(['GET', 'k199'])).toBe('$4\r\nv199\r\n');
    expect(await r.send(['HGET', 'h', 'f'])).toBe('$1\r\nx\r\n');

    // kevy restarts on it: everything is there, new writes go over the padding, no torn tail was found.
    const srv = await start(dir);
    const k = await connect(srv.port);
    expect(await k.send(['DBSIZE'])).toBe(':201\r\n');
    expect(await k.send(['INFO', 'persistence'])).toContain('aof_last_load_status:ok');
    expect(await k.send(['SET', 'after', 'restart'])).toBe('+OK\r\n');
    const buf = fs.readFileSync(file);
    const parsed = commandsOf(buf);
    expect(parsed.argv[parsed.argv.length - 1]).toEqual(['SET', 'after', 'restart']);
    // The padding found at startup was cut, the write laid fresh lines after the data.
    expect(buf.length).toBe(commandsOf(left).end + PAD_BYTES);
    expect(redisSkips(buf.subarray(parsed.end).toString('latin1'))).toBe(true);
  });

  test('a power loss that took the # a write left after its data: the padding is cut, nothing is quarantined', async () => {
    const good = encodeCommand(['SELECT', '0']) + encodeCommand(['SET', 'a', '1']);
    const { dir, aofDir, file } = oneFileAof(good + padLines(PAD_BYTES).slice(1));
    const srv = await start(dir);
    const k = await connect(srv.port);
    expect(await k.send(['GET', 'a'])).toBe('$1\r\n1\r\n');
    expect(await k.send(['INFO', 'persistence'])).toContain('aof_last_load_truncated_bytes:0\r\n');
    expect(fs.readdirSync(aofDir).filter((f) => f.includes('.quarantine.'))).toEqual([]);
    expect(fs.readFileSync(file, 'latin1').startsWith(good)).toBe(true);
  });

  test('a power loss: a torn command followed by the padding is a torn tail; only the torn bytes are quarantined', async () => {
    const good = encodeCommand(['SELECT', '0']) + encodeCommand(['SET', 'a', '1']);
    // The page holding the end of SET b never reached the disk: the padding's #s are back in its place.
    for (const torn of ['*3\r\n$3\r\nSE', '*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$100\r\n', '*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n']) {
      const { dir, aofDir, file } = oneFileAof(good + torn + padLines(PAD_BYTES));
      const srv = await start(dir);
      const k = await connect(srv.port);
      expect(await k.send(['MGET', 'a', 'b'])).toBe('*2\r\n$1\r\n1\r\n$-1\r\n');
      const info = await k.send(['INFO', 'persistence']);
      expect(info).toContain('aof_last_load_status:truncated');
      expect(info).toContain(`aof_last_load_truncated_bytes:${torn.length}\r\n`);
      const q = fs.readdirSync(aofDir).filter((f) => f.includes('.quarantine.'));
      expect(q.length).toBe(1);
      expect(fs.readFileSync(path.join(aofDir, q[0]), 'latin1')).toBe(torn);
      fs.rmSync(path.join(aofDir, q[0]));
      // Truncated at the torn command, then padded again by the next write.
      expect(await k.send(['SET', 'c', '3'])).toBe('+OK\r\n');
      const buf = fs.readFileSync(file);
      expect(commandsOf(buf).argv).toEqual([['SELECT', '0'], ['SET', 'a', '1'], ['SELECT', '0'], ['SET', 'c', '3']]);
      await srv.server.shutdown(100);
      running.splice(running.indexOf(srv), 1);
    }
  });
});
