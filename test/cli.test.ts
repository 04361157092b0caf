/**
 * kevy-server as a process: `node bin/kevy-server ...` started as a child,
 * as a user or a supervisor would (help, version, --test-config, file:line
 * errors, options overriding the file, include, quoting, DATA_DIR, pid and
 * log files, redis-cli, graceful SIGTERM / SIGINT).
 */
import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { freePort, waitForPort } from './helpers/servers';
import { RawClient } from './helpers/resp';
import { BIN, ROOT, killAll } from './helpers/child';

let tmp: string;
const running: ChildProcess[] = [];

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kevy-cli-'));
});

afterEach(() => killAll(running));

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Runs kevy-server to completion (for --help, --version, --test-config, fatal errors). */
function runOnce(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: tmp, encoding: 'utf8', input, timeout: 20000, env: { ...process.env, DATA_DIR: path.join(tmp, 'data') } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Proc {
  proc: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

/** Starts kevy-server and waits until `port` accepts connections. */
async function start(args: string[], port: number, env: Record<string, string> = {}): Promise<Proc> {
  const proc = spawn(process.execPath, [BIN, ...args], { cwd: tmp, env: { ...process.env, DATA_DIR: path.join(tmp, 'data'), ...env } });
  running.push(proc);
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  await Promise.race([waitForPort(port, 15000), exited.then(() => Promise.reject(new Error(`kevy-server exited early:\n${out}`)))]);
  return { proc, out: () => out, exited };
}

function write(name: string, text: string): string {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, text);
  return f;
}

async function cmd(port: number, argv: string[]): Promise<string> {
  const c = await RawClient.connect(port);
  try {
    return await c.send(argv);
  } finally {
    c.close();
  }
}

describe('usage', () => {
  test('--help lists the directives with their defaults', () => {
    const r = runOnce(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: kevy-server [kevy.conf | -] [--directive value ...]');
    expect(r.stdout).toContain('--port <n>  [6379]');
    expect(r.stdout).toContain('--bind <value ...>  [127.0.0.1 -::1]');
    expect(r.stdout).toContain('--dir <string>  [$DATA_DIR or ./data]');
    expect(r.stdout).toContain('--hash-max-listpack-entries <n>  [512] (alias hash-max-ziplist-entries)');
    expect(r.stdout).toContain('include <path>');
    expect(r.stdout).toContain('user default <rule> ...');
    expect(r.stdout).toContain('--test-config');
  });

  test('--version and -v', () => {
    for (const flag of ['--version', '-v']) {
      const r = runOnce([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^kevy-server v=0\.1\.0 \(Redis 7\.0\.15 compatible\)/);
    }
  });

  test('--test-config: a good file passes, a bad one names file:line, the line and the reason', () => {
    const good = write('good.conf', '# ok\nport 7000\nbind 127.0.0.1 ::1\nrequirepass \'a b\'\nproto-max-bulk-len 64MB\n');
    let r = runOnce([good, '--test-config']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('is valid');
    const bad = write('bad.conf', '# comment\nport 7000\nhz abc\n');
    r = runOnce(['--test-config', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('*** FATAL CONFIG FILE ERROR (kevy 0.1.0) ***');
    expect(r.stderr).toContain(`Reading the configuration file, at ${bad}:3`);
    expect(r.stderr).toContain(">>> 'hz abc'");
    expect(r.stderr).toContain("argument couldn't be parsed into an integer");
    // The kevy.conf shipped at the repository root is valid as it is.
    r = runOnce([path.join(ROOT, 'kevy.conf'), '--test-config']);
    expect(r.code).toBe(0);
  });

  test('unknown and unsupported directives stop startup with exit code 1', () => {
    let r = runOnce(['--no-such-directive', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(">>> 'no-such-directive 1'");
    expect(r.stderr).toContain('Bad directive or wrong number of arguments');
    r = runOnce(['--cluster-enabled', 'yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("'cluster-enabled' is a Redis directive that kevy does not support yet");
    const f = write('unsupported.conf', 'port 7000\n\ncluster-enabled yes\n');
    r = runOnce([f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${f}:3`);
    expect(r.stderr).toContain("'cluster-enabled' is a Redis directive that kevy does not support yet");
    r = runOnce(['--port']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('wrong number of arguments');
    r = runOnce([path.join(tmp, 'missing.conf')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("can't open config file");
    r = runOnce(['a.conf', 'b.conf']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Invalid argument 'b.conf'");
  });

  test('config from standard input with -', () => {
    const r = runOnce(['-', '--test-config'], 'port 7001\nhz nope\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('(stdin):2');
  });
});

describe('running', () => {
  test('the command line wins over the file; include; quoted values; redis-cli; SIGTERM exits 0', async () => {
    const port = await freePort();
    const inc = write('inc.conf', 'timeout 77\nhz 30\n');
    const conf = write(
      'main.conf',
      `port 1\nhz 12\ninclude ${inc}\nrequirepass "p w\\"d"\nlogfile ''\nmaxclients 123\nproto-max-bulk-len 2mb\n`,
    );
    const dir = path.join(tmp, 'run1');
    const k = await start([conf, '--port', String(port), '--bind', '127.0.0.1', '-::1', '--maxclients', '50', '--dir', dir], port);
    const c = await RawClient.connect(port);
    expect(await c.send(['PING'])).toMatch(/^-NOAUTH/);
    expect(await c.send(['AUTH', 'p w"d'])).toBe('+OK\r\n');
    expect(await c.send(['CONFIG', 'GET', 'port'])).toBe(`*2\r\n$4\r\nport\r\n$${String(port).length}\r\n${port}\r\n`);
    expect(await c.send(['CONFIG', 'GET', 'hz'])).toBe('*2\r\n$2\r\nhz\r\n$2\r\n30\r\n');
    expect(await c.send(['CONFIG', 'GET', 'timeout'])).toBe('*2\r\n$7\r\ntimeout\r\n$2\r\n77\r\n');
    expect(await c.send(['CONFIG', 'GET', 'maxclients'])).toBe('*2\r\n$10\r\nmaxclients\r\n$2\r\n50\r\n');
    expect(await c.send(['CONFIG', 'GET', 'proto-max-bulk-len'])).toBe('*2\r\n$18\r\nproto-max-bulk-len\r\n$7\r\n2097152\r\n');
    expect(await c.send(['CONFIG', 'GET', 'bind'])).toBe('*2\r\n$4\r\nbind\r\n$14\r\n127.0.0.1 -::1\r\n');
    c.close();
    expect(fs.statSync(dir).isDirectory()).toBe(true);
    const pong = execFileSync('redis-cli', ['-p', String(port), '-a', 'p w"d', '--no-auth-warning', 'ping'], { encoding: 'utf8' });
    expect(pong.trim()).toBe('PONG');
    k.proc.kill('SIGTERM');
    expect(await k.exited).toBe(0);
    expect(k.out()).toContain('Configuration loaded');
    expect(k.out()).toContain('Server initialized');
    expect(k.out()).toContain(`Ready to accept connections tcp (port ${port})`);
    expect(k.out()).toContain('Received SIGTERM scheduling shutdown...');
    expect(k.out()).toContain('kevy is now ready to exit, bye bye...');
  });

  test('DATA_DIR is the default dir and is created; pidfile written and removed; SIGINT exits 0', async () => {
    const port = await freePort();
    const dataDir = path.join(tmp, 'from-env', 'nested');
    const pidfile = path.join(tmp, 'kevy.pid');
    const k = await start(['--port', String(port), '--pidfile', pidfile], port, { DATA_DIR: dataDir });
    expect(fs.statSync(dataDir).isDirectory()).toBe(true);
    const reply = await cmd(port, ['CONFIG', 'GET', 'dir']);
    expect(reply).toBe(`*2\r\n$3\r\ndir\r\n$${dataDir.length}\r\n${dataDir}\r\n`);
    expect(fs.readFileSync(pidfile, 'utf8').trim()).toBe(String(k.proc.pid));
    expect(k.out()).toContain('no config file specified');
    k.proc.kill('SIGINT');
    expect(await k.exited).toBe(0);
    expect(fs.existsSync(pidfile)).toBe(false);
    expect(k.out()).toContain('Received SIGINT scheduling shutdown...');
  });

  test('logfile and loglevel; a reply in flight still reaches its client on SIGTERM', async () => {
    const port = await freePort();
    const log = path.join(tmp, 'kevy.log');
    const k = await start(['--port', String(port), '--logfile', log, '--loglevel', 'verbose'], port);
    const c = await RawClient.connect(port);
    const big = 'x'.repeat(8 * 1024 * 1024);
    expect(await c.send(['SET', 'k', big])).toBe('+OK\r\n');
    // The GET is answered before the signal is handled; its 8 MB must arrive whole.
    const got = c.send(['GET', 'k']);
    await new Promise((r) => setTimeout(r, 20));
    k.proc.kill('SIGTERM');
    expect((await got).length).toBe(big.length + 12);
    expect(await k.exited).toBe(0);
    c.close();
    const text = fs.readFileSync(log, 'utf8');
    expect(text).toMatch(/^\d+:M \d\d \w{3} \d{4} \d\d:\d\d:\d\d\.\d{3} # oO0OoO0OoO0Oo kevy is starting/m);
    expect(text).toContain('bye bye');
    expect(k.out()).not.toContain('Ready to accept connections');
  });

  test('a port already in use stops startup with exit code 1', async () => {
    const blocker = net.createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as net.AddressInfo).port)));
    try {
      const r = spawnSync(process.execPath, [BIN, '--port', String(port), '--bind', '127.0.0.1'], { cwd: tmp, encoding: 'utf8', timeout: 20000 });
      expect(r.status).toBe(1);
      expect(r.stdout).toContain(`Failed listening on port ${port} (TCP), aborting.`);
    } finally {
      blocker.close();
    }
  });
});
