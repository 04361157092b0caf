#!/usr/bin/env node
/**
 * How much BGSAVE disturbs the clients: the GET latency seen by another
 * client while BGSAVE writes N keys, for kevy (fork-less, copy-on-write per
 * key, written in ~1 ms slices) and redis-server 7.0 (fork). For kevy the
 * worst event-loop stall is measured inside the server process too
 * (perf_hooks.monitorEventLoopDelay and a 1 ms setInterval drift probe);
 * for Redis the fork time (INFO latest_fork_usec) is its stall.
 *
 *   npm run build && node bench/bgsave-latency.js [--keys 1000000] [--only kevy|redis] [--value 16]
 *   npm run bench -- --suite bgsave-latency --keys 1000000
 *
 * The latency client sends one GET at a time (random existing key) and
 * records each round trip: first for a quiet period (baseline), then from
 * BGSAVE until INFO says it is over. Prints p50 / p99 / p99.9 / max.
 */
'use strict';
const { freePort, waitPort } = require('./lib');
const { fork, spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { monitorEventLoopDelay } = require('node:perf_hooks');

// ---- child mode: an embedded kevy with an event-loop probe -------------

if (process.argv[2] === '--serve') {
  const [port, dir] = process.argv.slice(3);
  const { startServer } = require('../dist/index.js');
  const h = monitorEventLoopDelay({ resolution: 1 });
  let maxGap = 0;
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    if (now - last > maxGap) maxGap = now - last;
    last = now;
  }, 1).unref();
  startServer({ port: Number(port), bind: '127.0.0.1', dir, config: { save: '' }, loglevel: 'warning' }).then(() => {
    h.enable();
    process.send({ ready: true });
  });
  process.on('message', (m) => {
    if (m === 'reset') {
      h.reset();
      maxGap = 0;
      last = performance.now();
      process.send({ reset: true });
    } else if (m === 'report') {
      process.send({ maxStallMs: h.max / 1e6, p99StallMs: h.percentile(99) / 1e6, maxGapMs: maxGap });
    }
  });
  return;
}

// ---- parent mode --------------------------------------------------------

function parseArgs(argv) {
  const o = { keys: 1000000, only: '', value: 16, baseline: 2000 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    if (!(k in o)) throw new Error(`unknown option --${k}`);
    o[k] = argv[++i];
  }
  o.keys = Number(o.keys);
  o.value = Number(o.value);
  o.baseline = Number(o.baseline);
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
  sendMany(buf, n) {
    const ps = [];
    for (let i = 0; i < n; i++) ps.push(new Promise((r) => this.waiting.push(r)));
    this.s.write(buf);
    return Promise.all(ps);
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

async function fill(c, n, valueSize) {
  const pad = 'x'.repeat(Math.max(0, valueSize - 8));
  const batch = 10000;
  for (let base = 0; base < n; base += batch) {
    const args = ['MSET'];
    for (let i = base; i < Math.min(n, base + batch); i++) args.push(`key:${i}`, `${pad}${String(i).padStart(8, '0')}`);
    await c.send(args);
  }
}

/** Sends GETs one at a time until stop() resolves; returns the latencies in ms. */
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

const fmt = (x) => (x === undefined ? '-' : x.toFixed(2));

async function startKevy(dir) {
  const port = await freePort();
  const child = fork(__filename, ['--serve', String(port), dir], { stdio: 'ignore' });
  await new Promise((r) => child.once('message', r));
  const ask = (m) =>
    new Promise((resolve) => {
      child.once('message', resolve);
      child.send(m);
    });
  return { port, ask, stop: () => child.kill('SIGKILL') };
}

async function startRedis(dir) {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await waitPort(port);
  return { port, ask: null, stop: () => proc.kill('SIGKILL') };
}

async function measure(kind, o) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bgsave-lat-${kind}-`));
  const srv = kind === 'kevy' ? await startKevy(dir) : await startRedis(dir);
  const ctl = await Conn.open(srv.port);
  const probe = await Conn.open(srv.port);
  try {
    await fill(ctl, o.keys, o.value);
    // Baseline: the same GET loop without a save.
    let stop = latencyLoop(probe, o.keys);
    await new Promise((r) => setTimeout(r, o.baseline));
    const base = stats(await stop());

    if (srv.ask) await srv.ask('reset');
    stop = latencyLoop(probe, o.keys);
    const t0 = Date.now();
    const reply = await ctl.send(['BGSAVE']);
    if (!reply.startsWith('+Background saving started')) throw new Error(`${kind}: BGSAVE replied ${reply}`);
    for (;;) {
      await new Promise((r) => setTimeout(r, 20));
      const p = await ctl.send(['INFO', 'persistence']);
      if (info(p, 'rdb_bgsave_in_progress') === '0') {
        if (info(p, 'rdb_last_bgsave_status') !== 'ok') throw new Error(`${kind}: BGSAVE failed`);
        break;
      }
    }
    const saveMs = Date.now() - t0;
    const during = stats(await stop());
    let stall;
    if (srv.ask) {
      const r = await srv.ask('report');
      stall = { maxStallMs: r.maxStallMs, p99StallMs: r.p99StallMs, maxGapMs: r.maxGapMs };
    } else {
      const s = await ctl.send(['INFO', 'stats']);
      stall = { forkMs: Number(info(s, 'latest_fork_usec')) / 1000 };
    }
    const size = fs.statSync(path.join(dir, 'dump.rdb')).size;
    return { kind, saveMs, size, base, during, stall };
  } finally {
    ctl.close();
    probe.close();
    srv.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const kinds = o.only ? [o.only] : ['redis', 'kevy'];
  const results = [];
  console.log(`BGSAVE of ${o.keys} string keys (${o.value}-byte values); GET latency of another client, ms`);
  for (const kind of kinds) {
    const r = await measure(kind, o);
    results.push(r);
    const st = r.stall.forkMs !== undefined
      ? `fork ${fmt(r.stall.forkMs)} ms`
      : `event-loop max stall ${fmt(r.stall.maxStallMs)} ms (p99 ${fmt(r.stall.p99StallMs)} ms, 1 ms timer max gap ${fmt(r.stall.maxGapMs)} ms)`;
    console.log(
      `${kind.padEnd(5)} save ${String(r.saveMs).padStart(6)} ms, ${(r.size / 2 ** 20).toFixed(1)} MiB | ` +
        `GET quiet p50 ${fmt(r.base.p50)} p99 ${fmt(r.base.p99)} max ${fmt(r.base.max)} | ` +
        `during BGSAVE p50 ${fmt(r.during.p50)} p99 ${fmt(r.during.p99)} p99.9 ${fmt(r.during.p999)} max ${fmt(r.during.max)} (n=${r.during.n}) | ${st}`,
    );
  }
  console.log(JSON.stringify({ date: new Date().toISOString(), machine: `${os.cpus().length} x ${os.cpus()[0].model}, node ${process.version}`, options: o, results }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
