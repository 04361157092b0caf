/**
 * The padding line of the current incr file under appendfsync always
 * (src/persistence/aof-pad.ts): writes go over it, it is extended by the
 * write that uses it up, a clean close truncates it, and what a SIGKILL
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
import { PAD_BYTES, padAfter, paddingStart, trailingPadAt } from '../src/persistence/aof-pad';
import { encodeCommand, readCommand } from '../src/persistence/aof-reader';
import { freePort, waitForPort } from './helpers/servers';
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

/** A padding line of n bytes. */
const pad = (n: number) => '#'.repeat(n - 1) + '\n';

describe('the padding helpers', () => {
  test('padAfter: nothing while "#\\n" is left, a new line when extending, "#\\n" instead of a lone newline', () => {
    expect(padAfter(10, 12, true)).toBe('');
    expect(padAfter(10, 12, false)).toBe('');
    expect(padAfter(10, 11, false)).toBe('#\n');
    expect(padAfter(10, 10, false)).toBe('');
    expect(padAfter(10, 4, false)).toBe('');
    for (const phys of [11, 10, 4]) {
      const p = padAfter(10, phys, true);
      expect(p.length).toBe(PAD_BYTES);
      expect(p).toBe(pad(PAD_BYTES));
    }
  });

  test('paddingStart: the last line when it is only #s, across read blocks; else the size', () => {
    const dir = tmpDir();
    const cases: [string, number][] = [
      ['', 0],
      ['\n', 0],
      [encodeCommand(['SET', 'a', '1']), 0],
      [encodeCommand(['SET', 'a', '1']) + pad(2), -2],
      [encodeCommand(['SET', 'a', '1']) + pad(200_000), -200_000],
      [pad(70_000), -70_000],
      ['#TS:1700000000\r\n', 0],
      ['#abc#\n', 0],
      [encodeCommand(['SET', 'a', '#']), 0],
      ['*1\r\n$4\r\nPI##\n', 0],
      [encodeCommand(['SET', 'a', '1']) + '###', 0],
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

  test('trailingPadAt: the run of #s before the final newline, after the torn bytes', () => {
    const torn = '*3\r\n$3\r\nSE';
    const b = (s: string) => Buffer.from(s, 'latin1');
    expect(trailingPadAt(b('xx' + torn + pad(100)), 2)).toBe(2 + torn.length);
    expect(trailingPadAt(b('xx' + torn), 2)).toBe(2 + torn.length);
    expect(trailingPadAt(b('xx' + torn + '\n'), 2)).toBe(3 + torn.length);
    expect(trailingPadAt(b(pad(10)), 0)).toBe(10);
  });
});

describe('under appendfsync always', () => {
  test('writes go over the padding line; a clean shutdown truncates it; INFO counts data only', async () => {
    const dir = tmpDir();
    const srv = await start(dir);
    const c = await connect(srv.port);
    expect(await c.send(['SET', 'a', '1'])).toBe('+OK\r\n');
    const file = incrFile(dir);
    let buf = fs.readFileSync(file);
    let parsed = commandsOf(buf);
    expect(parsed.argv).toEqual([['SELECT', '0'], ['SET', 'a', '1']]);
    const size = parsed.end + PAD_BYTES;
    expect(buf.length).toBe(size);
    expect(buf.subarray(parsed.end).toString('latin1')).toBe(pad(PAD_BYTES));
    // The next writes land at the end of the data, the file does not grow.
    for (let i = 0; i < 50; i++) expect(await c.send(['SET', `k${i}`, 'v'.repeat(100)])).toBe('+OK\r\n');
    buf = fs.readFileSync(file);
    parsed = commandsOf(buf);
    expect(parsed.argv.length).toBe(52);
    expect(buf.length).toBe(size);
    expect(buf.subarray(parsed.end).toString('latin1')).toBe(pad(size - parsed.end));
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
    // Whatever is left of the last line: #s ending in a newline.
    const rest = buf.subarray(parsed.end).toString('latin1');
    expect(rest.length).toBeGreaterThanOrEqual(2);
    expect(rest).toBe(pad(rest.length));
  });

  test('appendonly no and a switch to everysec: no padding is added, closing truncates it', async () => {
    const dir = tmpDir();
    const srv = await start(dir);
    const c = await connect(srv.port);
    expect(await c.send(['SET', 'a', '1'])).toBe('+OK\r\n');
    const file = incrFile(dir);
    expect(fs.statSync(file).size).toBeGreaterThan(PAD_BYTES);
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
    expect(buf.length).toBe(parsed.end + PAD_BYTES);
    const base = fs.readdirSync(aofDir).find((f) => f.includes('.base.'))!;
    const info = await c.send(['INFO', 'persistence']);
    expect(info).toContain(`aof_current_size:${fs.statSync(path.join(aofDir, base)).size + parsed.end}\r\n`);
    expect(info).toContain(`aof_base_size:${fs.statSync(path.join(aofDir, base)).size}\r\n`);
  });
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
    expect(fs.readFileSync(file).subarray(size - PAD_BYTES / 2).toString('latin1')).toBe(pad(PAD_BYTES / 2));

    // redis-check-aof and redis-server 7.0, on a copy of the directory as the SIGKILL left it.
    const copy = tmpDir();
    fs.cpSync(dir, copy, { recursive: true });
    const check = spawnSync('redis-check-aof', [path.join(copy, 'appendonlydir', 'appendonly.aof.manifest')], { encoding: 'latin1' });
    expect(check.stdout).toContain('All AOF files and manifest are valid');
    const rport = await freePort();
    const redis = spawn('redis-server', ['--port', String(rport), '--bind', '127.0.0.1', '--dir', copy, '--save', '', '--appendonly', 'yes'], { stdio: 'ignore' });
    children.push(redis);
    await waitForPort(rport);
    const r = await connect(rport);
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
    expect(buf.length).toBe(size);
    expect(buf.subarray(parsed.end).toString('latin1')).toBe(pad(size - parsed.end));
  });

  test('a power loss: a torn command followed by the padding is a torn tail; only the torn bytes are quarantined', async () => {
    const dir = tmpDir();
    const aofDir = path.join(dir, 'appendonlydir');
    fs.mkdirSync(aofDir);
    fs.writeFileSync(path.join(aofDir, 'appendonly.aof.manifest'), 'file appendonly.aof.1.incr.aof seq 1 type i\n');
    const good = encodeCommand(['SELECT', '0']) + encodeCommand(['SET', 'a', '1']);
    // The page holding the end of SET b never reached the disk: the padding's #s are back in its place.
    for (const torn of ['*3\r\n$3\r\nSE', '*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$100\r\n', '*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n']) {
      const file = path.join(aofDir, 'appendonly.aof.1.incr.aof');
      fs.writeFileSync(file, good + torn + pad(PAD_BYTES), 'latin1');
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
