#!/usr/bin/env node
/**
 * Event-loop latency under background persistence (issue 7): the GET
 * latency a separate client sees while a second client runs a write load,
 * alone, during BGSAVE, and during BGREWRITEAOF, for redis-server 7.0 (fork)
 * and kevy (fork-less: copy-on-write per key, the keyspace walked in short
 * slices on the event loop) in the same run.
 *
 *   npm run build && node bench/bgsave-latency.js [--keys 1000000] [--rate 50000] [--rounds 1]
 *   npm run bench -- --suite bgsave-latency --keys 1000000
 *     --only kevy|redis   --value 16 (bytes)   --phase 3000 (ms of each load-only phase)
 *     --base DIR          (also a second kevy build from DIR/dist: A/B of a change)
 *     --node-args "--trace-gc --cpu-prof"  --log FILE   (flags for the kevy process; its output to FILE)
 *
 * Per server, after loading `keys` keys `key:N` (appendonly no, no save points):
 *   quiet          GETs alone (no write load)
 *   write          + write load: SET of random existing keys, `rate` per second
 *   write+bgsave   + BGSAVE, from the command until INFO says it is over
 *   (CONFIG SET appendonly yes, then wait for the AOF rewrite it starts)
 *   write+aof      the write load with appendonly yes (appendfsync everysec)
 *   write+bgrewriteaof   + BGREWRITEAOF, until it is over
 *
 * The latency client (this process) sends one GET at a time to a random
 * existing key and times each round trip with process.hrtime. The write load
 * runs in a child process (so it never delays the probe's timers): every
 * millisecond it sends, pipelined, the SETs due by then (the same offered
 * rate on both servers); the achieved rate per phase is printed too. A
 * server falling behind by more than 100 ms of load is not sent more.
 *
 * Stalls: for kevy the worst event-loop delay inside the server process
 * (perf_hooks.monitorEventLoopDelay, the embedded server runs in a child
 * with the probe, with kevy-server's young-generation cap applied); for
 * Redis the fork time (INFO latest_fork_usec).
 * Writes bench/bgsave-latency-results.json.
 */
'use strict';
const { freePort, waitPort, median, setOptions } = require('./lib');
const { fork, spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { monitorEventLoopDelay } = require('node:perf_hooks');

// ---- child mode: an embedded kevy with an event-loop probe -------------

if (process.argv[2] === '--serve') {
  const [port, dir, dist] = process.argv.slice(3);
  const { startServer } = require(path.join(dist, 'index.js'));
  // The young-generation cap kevy-server applies to itself (not to an embedded server): measure kevy as it runs.
  const youngGen = path.join(dist, 'server', 'young-gen.js');
  if (fs.existsSync(youngGen)) require(youngGen).capYoungGeneration();
  const h = monitorEventLoopDelay({ resolution: 1 });
  startServer({ port: Number(port), bind: '127.0.0.1', dir, config: { save: '', appendonly: 'no' }, loglevel: 'warning' }).then(() => {
    h.enable();
    process.send({ ready: true });
  });
  process.on('message', (m) => {
    if (m === 'reset') {
      h.reset();
      process.send({ reset: true });
    } else if (m === 'report') {
      process.send({ maxStallMs: h.max / 1e6, p99StallMs: h.percentile(99) / 1e6 });
    } else if (m === 'exit') {
      process.exit(0); // flushes --trace-gc output and writes --cpu-prof profiles
    }
  });
  return;
}

// ---- child mode: the write load ----------------------------------------

if (process.argv[2] === '--load') {
  const [port, keys, rate, valueSize] = process.argv.slice(3).map(Number);
  const pad = 'w'.repeat(Math.max(0, valueSize - 8));
  const s = net.connect(port, '127.0.0.1');
  s.setNoDelay(true);
  let sent = 0;
  let replies = 0;
  // SETs due but not sent because the server was already maxBehind replies behind (dropped, not queued).
  let skipped = 0;
  s.on('data', (d) => {
    // Every reply is +OK\r\n: count the line ends.
    for (let i = 0; i < d.length; i++) if (d[i] === 10) replies++;
  });
  const t0 = performance.now();
  const maxBehind = Math.max(1, rate / 10);
  const tick = () => {
    const due = Math.floor(((performance.now() - t0) * rate) / 1000) - sent - skipped;
    const n = Math.max(0, Math.min(due, maxBehind - (sent - replies)));
    skipped += due - n;
    if (n > 0) {
      let out = '';
      for (let i = 0; i < n; i++) {
        const k = `key:${Math.floor(Math.random() * keys)}`;
        const v = pad + String(sent % 1e8).padStart(8, '0');
        out += `*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$${v.length}\r\n${v}\r\n`;
        sent++;
      }
      s.write(out);
    }
    setTimeout(tick, 1);
  };
  s.on('connect', () => {
    process.send({ ready: true });
    tick();
  });
  process.on('message', (m) => {
    if (m === 'count') process.send({ replies, t: performance.now() });
  });
  return;
}

// ---- parent mode --------------------------------------------------------

function parseArgs(argv) {
  const o = { keys: 1000000, rate: 50000, only: '', value: 16, phase: 3000, rounds: 1, base: '', 'node-args': '', log: '' };
  setOptions(o, argv);
  for (const k of ['keys', 'rate', 'value', 'phase', 'rounds']) o[k] = Number(o[k]);
  return o;
}

/** A minimal RESP client: one reply per request, in order. */
class Conn {
  static open(port) {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new Conn(s)));
      s.once('error', reject);
    });
  }
  constructor(s) {
    this.s = s;
    s.setNoDelay(true);
    this.buf = Buffer.alloc(0);
    this.waiting = [];
    s.on('data', (d) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      for (;;) {
        const end = replyEnd(this.buf, 0);
        if (end < 0) break;
        const r = this.buf.toString('latin1', 0, end);
        this.buf = this.buf.subarray(end);
        this.waiting.shift()(r);
      }
    });
  }
  send(args) {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.s.write(encode(args));
    });
  }
  close() {
    this.s.destroy();
  }
}

function encode(args) {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`;
  return Buffer.from(s);
}

function replyEnd(b, p) {
  if (p >= b.length) return -1;
  const nl = b.indexOf('\r\n', p);
  if (nl < 0) return -1;
  const t = b[p];
  if (t === 0x2b || t === 0x2d || t === 0x3a) return nl + 2;
  const n = Number(b.toString('latin1', p + 1, nl));
  if (t === 0x24) return n < 0 ? nl + 2 : nl + 2 + n + 2 <= b.length ? nl + 2 + n + 2 : -1;
  if (t === 0x2a || t === 0x3d) {
    let q = nl + 2;
    for (let i = 0; i < n; i++) {
      q = replyEnd(b, q);
      if (q < 0) return -1;
    }
    return q;
  }
  throw new Error('unexpected reply type ' + String.fromCharCode(t));
}

function info(reply, field) {
  const m = new RegExp(`^${field}:(.*)\\r$`, 'm').exec(reply);
  return m ? m[1] : null;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function fill(c, n, valueSize) {
  const pad = 'x'.repeat(Math.max(0, valueSize - 8));
  const batch = 10000;
  for (let base = 0; base < n; base += batch) {
    const args = ['MSET'];
    for (let i = base; i < Math.min(n, base + batch); i++) args.push(`key:${i}`, `${pad}${String(i).padStart(8, '0')}`);
    await c.send(args);
  }
}

/** Sends GETs one at a time until the returned stop() is called; stop() resolves to the latencies in ms. */
function latencyLoop(c, keys) {
  const lat = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const k = `key:${Math.floor(Math.random() * keys)}`;
      const t0 = process.hrtime.bigint();
      await c.send(['GET', k]);
      lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  })();
  return async () => {
    running = false;
    await done;
    return lat;
  };
}

function stats(lat) {
  const s = Float64Array.from(lat).sort();
  const q = (p) => s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))];
  return { n: s.length, p50: q(50), p99: q(99), p999: q(99.9), max: s[s.length - 1] };
}

const fmt = (x, d = 2) => (x === undefined || x === null ? '-' : x.toFixed(d));

function ask(child, m) {
  return new Promise((resolve) => {
    child.once('message', resolve);
    child.send(m);
  });
}

async function startKevy(dir, dist, o) {
  const port = await freePort();
  const execArgv = o['node-args'].split(' ').filter(Boolean);
  const out = o.log ? fs.openSync(o.log, 'a') : 'ignore';
  const child = fork(__filename, ['--serve', String(port), dir, dist], { execArgv, stdio: ['ignore', out, out, 'ipc'] });
  await new Promise((r) => child.once('message', r));
  const stop = async () => {
    if (execArgv.length === 0) return child.kill('SIGKILL');
    const exited = new Promise((r) => child.once('exit', r));
    child.send('exit');
    await exited;
  };
  return { port, ask: (m) => ask(child, m), stop };
}

async function startRedis(dir) {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await waitPort(port);
  return { port, ask: null, stop: () => proc.kill('SIGKILL') };
}

async function startLoad(port, o) {
  const child = fork(__filename, ['--load', String(port), String(o.keys), String(o.rate), String(o.value)], { stdio: 'ignore' });
  await new Promise((r) => child.once('message', r));
  return { count: () => ask(child, 'count'), stop: () => child.kill('SIGKILL') };
}

/** Polls INFO persistence until done(reply) is true; throws on a failed job. */
async function waitFor(ctl, done) {
  for (;;) {
    await sleep(20);
    const p = await ctl.send(['INFO', 'persistence']);
    if (done(p)) return p;
  }
}

const bgsaveOver = (p) => info(p, 'rdb_bgsave_in_progress') === '0';
const rewriteOver = (p) => info(p, 'aof_rewrite_in_progress') === '0' && info(p, 'aof_rewrite_scheduled') === '0';

/**
 * One phase: GETs from `probe` while the load runs, for `ms` or until the
 * job started by `job` (a command) is over. Returns the GET stats, the
 * achieved write rate, the job's time and the server's worst stall.
 */
async function phase(name, ctx, { ms = 0, job = null, over = null, okField = null }) {
  const { srv, ctl, probe, load, o } = ctx;
  if (srv.ask) await srv.ask('reset');
  const c0 = load ? await load.count() : null;
  const stop = latencyLoop(probe, o.keys);
  const t0 = performance.now();
  let jobMs = null;
  if (job) {
    const reply = await ctl.send(job);
    if (!reply.startsWith('+Background')) throw new Error(`${ctx.kind}: ${job[0]} replied ${reply}`);
    const p = await waitFor(ctl, over);
    jobMs = performance.now() - t0;
    if (info(p, okField) !== 'ok') throw new Error(`${ctx.kind}: ${job[0]} failed`);
  } else {
    await sleep(ms);
  }
  const get = stats(await stop());
  const c1 = load ? await load.count() : null;
  const writesPerSec = load ? ((c1.replies - c0.replies) * 1000) / (c1.t - c0.t) : 0;
  let stall;
  if (srv.ask) {
    const r = await srv.ask('report');
    stall = { maxStallMs: r.maxStallMs, p99StallMs: r.p99StallMs };
  } else if (job) {
    const s = await ctl.send(['INFO', 'stats']);
    stall = { forkMs: Number(info(s, 'latest_fork_usec')) / 1000 };
  } else {
    stall = {};
  }
  return { phase: name, kind: ctx.kind, get, writesPerSec, jobMs, stall };
}

async function measure(kind, o, print) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bgsave-lat-${kind}-`));
  const srv =
    kind === 'redis' ? await startRedis(dir) : await startKevy(dir, kind === 'base' ? path.resolve(o.base, 'dist') : path.join(__dirname, '..', 'dist'), o);
  const ctl = await Conn.open(srv.port);
  const probe = await Conn.open(srv.port);
  let load = null;
  const rows = [];
  const ctx = { kind, srv, ctl, probe, load, o };
  const run = async (name, spec) => {
    const r = await phase(name, ctx, spec);
    rows.push(r);
    print(r);
  };
  try {
    await fill(ctl, o.keys, o.value);
    await run('quiet', { ms: Math.min(o.phase, 2000) });
    ctx.load = load = await startLoad(srv.port, o);
    await run('write', { ms: o.phase });
    await run('write+bgsave', { job: ['BGSAVE'], over: bgsaveOver, okField: 'rdb_last_bgsave_status' });
    // Turning the AOF on starts a rewrite of its own: let it finish first.
    const r = await ctl.send(['CONFIG', 'SET', 'appendonly', 'yes']);
    if (r !== '+OK\r\n') throw new Error(`${kind}: CONFIG SET appendonly yes replied ${r}`);
    await waitFor(ctl, rewriteOver);
    await run('write+aof', { ms: o.phase });
    await run('write+bgrewriteaof', { job: ['BGREWRITEAOF'], over: rewriteOver, okField: 'aof_last_bgrewrite_status' });
    return rows;
  } finally {
    load?.stop();
    ctl.close();
    probe.close();
    await srv.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function printRow(r) {
  const st =
    r.stall.forkMs !== undefined
      ? `fork ${fmt(r.stall.forkMs)}`
      : r.stall.maxStallMs !== undefined
        ? `loop max ${fmt(r.stall.maxStallMs)} p99 ${fmt(r.stall.p99StallMs)}`
        : '';
  console.log(
    `${r.phase.padEnd(19)} ${r.kind.padEnd(5)} ${fmt(r.get.p50).padStart(6)} ${fmt(r.get.p99).padStart(6)} ${fmt(r.get.p999).padStart(7)} ${fmt(r.get.max).padStart(7)} ` +
      `${String(r.get.n).padStart(7)} ${String(Math.round(r.writesPerSec)).padStart(8)} ${r.jobMs === null ? '      -' : String(Math.round(r.jobMs)).padStart(7)}  ${st}`,
  );
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const kinds = o.only ? [o.only] : ['redis', 'kevy', ...(o.base ? ['base'] : [])];
  console.log(`${o.keys} keys (${o.value}-byte values), write load ${o.rate} SET/s offered; GET latency of another client (ms), ${o.rounds} round(s)`);
  console.log(`${'phase'.padEnd(19)} ${'who'.padEnd(5)} ${'p50'.padStart(6)} ${'p99'.padStart(6)} ${'p99.9'.padStart(7)} ${'max'.padStart(7)} ${'GETs'.padStart(7)} ${'writes/s'.padStart(8)} ${'job ms'.padStart(7)}  stall ms`);
  const all = [];
  for (let round = 0; round < o.rounds; round++) {
    for (const kind of kinds) all.push(...(await measure(kind, o, printRow)));
  }
  if (o.rounds > 1) {
    console.log('medians over rounds:');
    const phases = [...new Set(all.map((r) => r.phase))];
    for (const ph of phases) {
      for (const kind of kinds) {
        const rs = all.filter((r) => r.phase === ph && r.kind === kind);
        const m = (f) => median(rs.map(f));
        printRow({
          phase: ph,
          kind,
          get: { p50: m((r) => r.get.p50), p99: m((r) => r.get.p99), p999: m((r) => r.get.p999), max: m((r) => r.get.max), n: m((r) => r.get.n) },
          writesPerSec: m((r) => r.writesPerSec),
          jobMs: rs[0].jobMs === null ? null : m((r) => r.jobMs),
          stall: rs[0].stall.forkMs !== undefined ? { forkMs: m((r) => r.stall.forkMs) } : rs[0].stall.maxStallMs !== undefined ? { maxStallMs: m((r) => r.stall.maxStallMs), p99StallMs: m((r) => r.stall.p99StallMs) } : {},
        });
      }
    }
  }
  const out = path.join(__dirname, 'bgsave-latency-results.json');
  const machine = `${os.cpus().length} x ${os.cpus()[0].model}, node ${process.version}`;
  fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), machine, options: o, rows: all }, null, 2) + '\n');
  console.log(`results written to ${path.relative(process.cwd(), out)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
