/**
 * kevy used as an application uses Redis: through ioredis (which sends
 * HELLO 3 and checks readiness with INFO), node-redis and redis-cli.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import Redis from 'ioredis';
import { createClient } from 'redis';
import { startKevy } from './helpers/servers';
import type { RunningServer } from '../src/index';

let kevy: RunningServer;

beforeAll(async () => {
  kevy = await startKevy();
});

afterAll(async () => {
  await kevy.close();
});

test('ioredis: connect, strings, binary buffers, pipelines', async () => {
  const r = new Redis({ port: kevy.port, lazyConnect: true });
  await r.connect();
  expect(await r.ping()).toBe('PONG');
  expect(await r.set('user:1', 'ada')).toBe('OK');
  expect(await r.get('user:1')).toBe('ada');
  const bin = Buffer.from([0, 1, 2, 255, 254, 13, 10]);
  await r.set(Buffer.from([0xff, 0]), bin);
  expect(await r.getBuffer(Buffer.from([0xff, 0]))).toEqual(bin);
  const utf = 'héllo wörld ✓';
  await r.set('utf', utf);
  expect(await r.get('utf')).toBe(utf);
  const p = r.pipeline();
  for (let i = 0; i < 100; i++) p.set(`p:${i}`, String(i));
  for (let i = 0; i < 100; i++) p.get(`p:${i}`);
  const res = await p.exec();
  expect(res!.slice(100).map(([, v]) => v)).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
  await expect(r.call('nosuchcommand')).rejects.toThrow(/unknown command/);
  r.disconnect();
});

test('ioredis: a 50,000-command pipeline, with another client working meanwhile (the server runs it in turns)', async () => {
  const r = new Redis({ port: kevy.port, lazyConnect: true });
  const other = new Redis({ port: kevy.port, lazyConnect: true });
  await Promise.all([r.connect(), other.connect()]);
  const p = r.pipeline();
  for (let i = 0; i < 25000; i++) p.set(`big:${i}`, `v${i}`);
  for (let i = 0; i < 25000; i++) p.incr('big:n');
  const running = p.exec();
  // Served between the pipeline's turns, in order on its own connection.
  for (let i = 0; i < 20; i++) expect(await other.set(`other:${i}`, String(i))).toBe('OK');
  const res = await running;
  expect(res!.length).toBe(50000);
  expect(res!.slice(0, 25000).every(([e, v]) => e === null && v === 'OK')).toBe(true);
  expect(res!.slice(25000).map(([, v]) => v)).toEqual(Array.from({ length: 25000 }, (_, i) => i + 1));
  expect(await other.get('big:24999')).toBe('v24999');
  expect(await other.get('other:19')).toBe('19');
  r.disconnect();
  other.disconnect();
});

test('ioredis: reconnects after the server drops the connection', async () => {
  const r = new Redis({ port: kevy.port, retryStrategy: () => 50 });
  await r.set('rk', '1');
  await r.client('KILL', 'SKIPME', 'no').catch(() => undefined);
  // ioredis reconnects on its own and the next command works
  await new Promise((res) => setTimeout(res, 200));
  expect(await r.get('rk')).toBe('1');
  r.disconnect();
});

test('node-redis: connect (HELLO 3), set/get', async () => {
  const c = createClient({ socket: { port: kevy.port, host: '127.0.0.1' } });
  await c.connect();
  await c.set('nr', 'v');
  expect(await c.get('nr')).toBe('v');
  await c.quit();
});

test('redis-cli smoke test', async () => {
  // Asynchronous on purpose: kevy runs in this process and must keep serving.
  const run = promisify(execFile);
  const cli = async (...args: string[]) => (await run('redis-cli', ['-p', String(kevy.port), ...args], { encoding: 'utf8' })).stdout;
  expect((await cli('ping')).trim()).toBe('PONG');
  expect((await cli('set', 'cli', 'x y')).trim()).toBe('OK');
  expect((await cli('get', 'cli')).trim()).toBe('x y');
  expect((await cli('nosuch')).trim()).toMatch(/^ERR unknown command 'nosuch'/);
  expect(await cli('info', 'server')).toMatch(/redis_version:7\.0\.15/);
  // redis-cli's hints come from COMMAND DOCS; --no-raw output of a list; a pipe of commands
  expect((await cli('rpush', 'l', 'a', 'b')).trim()).toBe('2');
  expect((await cli('--no-raw', 'lrange', 'l', '0', '-1')).trim()).toBe('1) "a"\n2) "b"');
  expect((await cli('command', 'count')).trim()).toMatch(/^\d+$/);
});

test('redis-cli --pipe: a mass insertion of 200,000 commands, every reply counted', async () => {
  // The bulk-load path a user takes; the server runs such input in 0.2 ms turns.
  let data = '';
  for (let i = 0; i < 200000; i++) data += `*3\r\n$3\r\nSET\r\n$${`mass:${i}`.length}\r\nmass:${i}\r\n$1\r\nv\r\n`;
  const out = await new Promise<string>((resolve, reject) => {
    const child = execFile('redis-cli', ['-p', String(kevy.port), '--pipe'], { encoding: 'utf8' }, (err, stdout, stderr) =>
      err ? reject(new Error(stderr || err.message)) : resolve(stdout),
    );
    child.stdin!.end(data);
  });
  expect(out).toMatch(/errors: 0, replies: 200000/);
  const r = new Redis({ port: kevy.port, lazyConnect: true });
  await r.connect();
  expect(await r.get('mass:199999')).toBe('v');
  expect(await r.exists('mass:0', 'mass:100000')).toBe(2);
  r.disconnect();
});
