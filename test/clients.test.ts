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
