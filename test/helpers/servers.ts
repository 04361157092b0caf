/**
 * Starting the two servers a differential test compares: a real
 * `redis-server` 7.0 on a free port (as a child process, no persistence) and
 * kevy in-process on another free port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type RunningServer } from '../../src/index';
import { RawClient } from './resp';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

export async function waitForPort(port: number, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`port ${port} did not open`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface RedisProcess {
  port: number;
  dir: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** Starts redis-server with extra directives (e.g. ['--enable-debug-command', 'yes']). */
export async function startRedis(extra: string[] = []): Promise<RedisProcess> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kevy-redis-'));
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--enable-debug-command', 'yes', ...extra],
    { stdio: 'ignore' },
  );
  await waitForPort(port);
  return {
    port,
    dir,
    proc,
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => {
          fs.rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        proc.kill('SIGKILL');
      }),
  };
}

/** Starts kevy in-process with extra directives. */
export async function startKevy(config: Record<string, string> = {}): Promise<RunningServer & { dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kevy-test-'));
  const srv = await startServer({ port: 0, bind: '127.0.0.1', dir, config: { 'enable-debug-command': 'yes', ...config } });
  return Object.assign(srv, { dir });
}

/** The commands a server propagates (to the AOF) while fn runs, in order. */
export async function propagated(server: RunningServer['server'], fn: () => Promise<void>): Promise<string[][]> {
  const log: string[][] = [];
  const listener = (_db: number, cmds: string[][]): void => {
    log.push(...cmds);
  };
  server.onPropagate.push(listener);
  try {
    await fn();
  } finally {
    server.onPropagate.splice(server.onPropagate.indexOf(listener), 1);
  }
  return log;
}

/** Runs fn with an in-process kevy (config as startKevy) and a client connected to it; both are closed after. */
export async function withKevy(config: Record<string, string>, fn: (k: RunningServer & { dir: string }, c: RawClient) => Promise<void>): Promise<void> {
  const k = await startKevy(config);
  const c = await RawClient.connect(k.port);
  try {
    await fn(k, c);
  } finally {
    c.close();
    await k.close();
  }
}
