#!/usr/bin/env node
/**
 * Startup time, kevy against redis-server 7.0 on the same files: seconds
 * from process spawn to the first +PONG (a client retries the connection and
 * PING until the answer is +PONG, not -LOADING), and the CPU seconds the
 * server spent up to then (from /proc/<pid>/stat: steadier than wall time
 * while other work runs on the machine). Issue 7's target: ratio <= 1.5.
 *
 *   npm run build && node bench/startup.js [--keys 1000000] [--commands 1000000]
 *        [--sets empty,strings,aof,mixed] [--rounds 3] [--base DIR] [--data DIR]
 *   npm run bench -- --suite startup
 *
 * Data sets, each written once by redis-server and then loaded by every
 * server from a fresh copy of the same files:
 *   empty    no data at all: the fixed cost of starting the process
 *   strings  dump.rdb of --keys string keys `key:N` -> 16-byte values
 *   aof      appendonly yes: an empty RDB base (aof-use-rdb-preamble) and an
 *            incr file of --commands pipelined `SET key:N <16 bytes>`
 *   mixed    dump.rdb of bench/snapshot.js's mixed set (strings, small
 *            hashes, lists, sets, zsets, a few big hashes; about --keys elements)
 * --base DIR also runs the kevy build in DIR (bin/ and dist/) in the same
 * rounds: an A/B of a change. --data DIR keeps the generated files there and
 * reuses them in the next run (made again when --keys or --commands differ).
 * Rounds alternate redis, kevy[, base]; medians are printed. Writes
 * bench/startup-results.json.
 */
'use strict';
const { freePort, waitPort, median, setOptions } = require('./lib');
const { Conn, fillStrings, fillMixed } = require('./snapshot');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

function parseArgs(argv) {
  const o = {
    keys: 1000000,
    commands: 1000000,
    sets: 'empty,strings,aof,mixed',
    rounds: 3,
    base: null,
    data: null,
    out: path.join(__dirname, 'startup-results.json'),
  };
  setOptions(o, argv);
  o.keys = Number(o.keys);
  o.commands = Number(o.commands);
  o.rounds = Number(o.rounds);
  o.sets = String(o.sets).split(',');
  return o;
}

/** The server arguments each data set starts with (both servers take the same ones). */
function setArgs(set) {
  return set === 'aof'
    ? ['--appendonly', 'yes', '--appendfsync', 'no', '--aof-use-rdb-preamble', 'yes']
    : ['--appendonly', 'no'];
}

function spawnServer(kind, dir, port, extra, o) {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--loglevel', 'warning', ...extra];
  if (kind === 'redis') return spawn('redis-server', args, { stdio: 'ignore' });
  const root = kind === 'base' ? o.base : path.join(__dirname, '..');
  return spawn(process.execPath, [path.join(root, 'bin', 'kevy-server'), ...args], { stdio: 'ignore' });
}

function exited(proc) {
  return new Promise((r) => (proc.exitCode !== null || proc.signalCode !== null ? r() : proc.once('exit', r)));
}

async function kill(proc) {
  const done = exited(proc);
  proc.kill('SIGKILL');
  await done;
}

/** Writes one data set into dir with a redis-server (the files every server then loads). */
async function prepare(set, dir, o) {
  fs.mkdirSync(dir, { recursive: true });
  if (set === 'empty') return;
  const port = await freePort();
  const proc = spawnServer('redis', dir, port, setArgs(set), o);
  try {
    await waitPort(port);
    const c = await Conn.open(port);
    if (set === 'strings') await fillStrings(c, o.keys);
    else if (set === 'mixed') await fillMixed(c, o.keys);
    else if (set === 'aof') {
      for (let base = 0; base < o.commands; base += 10000) {
        const batch = [];
        for (let i = base; i < Math.min(o.commands, base + 10000); i++) batch.push(['SET', `key:${i}`, `value:${String(i).padStart(10, '0')}`]);
        await c.run(batch);
      }
    }
    // A snapshot for the RDB sets; with appendonly yes, SHUTDOWN NOSAVE still flushes and fsyncs the AOF.
    const r = set === 'aof' ? '+OK' : await c.run([['SAVE']]);
    if (r !== '+OK') throw new Error(`redis SAVE: ${r}`);
    c.s.write('*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n');
    await exited(proc);
    c.close();
  } finally {
    if (proc.exitCode === null && proc.signalCode === null) await kill(proc);
  }
}

/** The directory holding each data set, made once (kept in --data for later runs). */
async function dataDirs(o) {
  const root = o.data ?? fs.mkdtempSync(path.join(os.tmpdir(), 'startup-data-'));
  const dirs = {};
  for (const set of o.sets) {
    const dir = path.join(root, set);
    const stamp = path.join(dir, '.made');
    const want = JSON.stringify({ keys: o.keys, commands: o.commands });
    if (!fs.existsSync(stamp) || fs.readFileSync(stamp, 'utf8') !== want) {
      fs.rmSync(dir, { recursive: true, force: true });
      const t0 = Date.now();
      await prepare(set, dir, o);
      fs.writeFileSync(stamp, want);
      console.error(`made ${set} in ${dir} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
    dirs[set] = dir;
  }
  return { root, dirs, temporary: o.data === null };
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
function cpuSeconds(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const w = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(w[11]) + Number(w[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Resolves with the connection once `PING` is answered +PONG: connection
 * refused (not listening yet) and -LOADING are retried every 2 ms.
 */
async function firstPong(port, proc) {
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error('server exited before answering PING');
    const s = await new Promise((resolve) => {
      const sock = net.connect(port, '127.0.0.1', () => resolve(sock));
      sock.once('error', () => resolve(null));
    });
    if (s === null) {
      await sleep(2);
      continue;
    }
    // One reply at a time: the first line that comes back after each PING.
    let text = '';
    let wake = null;
    s.on('data', (d) => {
      text += d.toString('latin1');
      if (wake !== null && text.endsWith('\r\n')) wake();
    });
    s.on('close', () => wake !== null && wake());
    for (;;) {
      text = '';
      const reply = await new Promise((resolve) => {
        wake = () => {
          wake = null;
          resolve(text.endsWith('\r\n') ? text : null);
        };
        s.write('PING\r\n');
      });
      if (reply === '+PONG\r\n') {
        s.removeAllListeners('data');
        s.removeAllListeners('close');
        return s;
      }
      if (reply === null || !reply.startsWith('-LOADING')) {
        s.destroy();
        if (reply !== null) throw new Error(`PING answered ${JSON.stringify(reply)}`);
        break;
      }
      await sleep(2);
    }
  }
}

/** One start of `kind` on a fresh copy of the data set: seconds and CPU seconds to the first PONG, and DBSIZE. */
async function measure(kind, set, src, o) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `startup-${kind}-`));
  try {
    fs.cpSync(src, dir, { recursive: true });
    const port = await freePort();
    const t0 = process.hrtime.bigint();
    const proc = spawnServer(kind, dir, port, setArgs(set), o);
    let s;
    try {
      s = await firstPong(port, proc);
    } catch (e) {
      await kill(proc);
      throw new Error(`${kind} on ${set}: ${e.message}`);
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = cpuSeconds(proc.pid);
    const c = new Conn(s);
    const keys = Number((await c.run([['DBSIZE']])).slice(1));
    c.close();
    await kill(proc);
    return { seconds, cpu, keys };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const round3 = (x) => Math.round(x * 1000) / 1000;

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const { root, dirs, temporary } = await dataDirs(o);
  const kinds = o.base ? ['redis', 'kevy', 'base'] : ['redis', 'kevy'];
  const rows = [];
  try {
    for (const set of o.sets) {
      const runs = Object.fromEntries(kinds.map((k) => [k, []]));
      for (let i = 0; i < o.rounds; i++) for (const k of kinds) runs[k].push(await measure(k, set, dirs[set], o));
      const row = { set, keys: runs.redis[0].keys };
      for (const k of kinds) {
        const keys = runs[k][0].keys;
        if (keys !== row.keys) throw new Error(`${k} loaded ${keys} keys from ${set}, redis ${row.keys}`);
        row[k] = { seconds: round3(median(runs[k].map((r) => r.seconds))), cpu: round3(median(runs[k].map((r) => r.cpu))) };
      }
      for (const k of kinds.slice(1)) {
        row[k].ratio = Math.round((row[k].seconds / row.redis.seconds) * 100) / 100;
        row[k].cpuRatio = Math.round((row[k].cpu / row.redis.cpu) * 100) / 100;
      }
      rows.push(row);
      const side = (k) =>
        `${k} ${row[k].seconds.toFixed(3)} s (cpu ${row[k].cpu.toFixed(2)} s)` + (k === 'redis' ? '' : ` x${row[k].ratio} (cpu x${row[k].cpuRatio})`);
      console.log(`${set.padEnd(8)} ${String(row.keys).padStart(8)} keys | ${kinds.map(side).join(' | ')}`);
    }
  } finally {
    if (temporary) fs.rmSync(root, { recursive: true, force: true });
  }
  const result = { date: new Date().toISOString(), machine: `${os.cpus().length} x ${os.cpus()[0].model}, node ${process.version}`, options: o, rows };
  fs.writeFileSync(o.out, JSON.stringify(result, null, 2) + '\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
