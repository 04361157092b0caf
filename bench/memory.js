#!/usr/bin/env node
/**
 * Memory benchmark: bytes per element that kevy and a real redis-server 7.0
 * spend on the same data, loaded with pipelined raw RESP.
 *
 *   node bench/memory.js [--cases strings,hashes,hash,list,set,zset] [--n 1000000]
 *   npm run bench -- --memory [--cases ...] [--n ...]
 *
 * Cases (n elements each):
 *   strings  n keys `key:N` -> 16-byte values           (per key)
 *   hashes   n hashes `hash:N` of 5 small fields         (per hash)
 *   hash     one hash of n fields `field:N` -> `value:N`  (per field)
 *   list     one list of n elements `element:N`          (per element)
 *   set      one set of n members `member:N`             (per member)
 *   zset     one zset of n members `member:N`, score N   (per member)
 *
 * Each case runs on a fresh server process. Growth of VmRSS (/proc/<pid>/
 * status) and of INFO memory used_memory from before to after the load,
 * divided by n. kevy runs as `node bin/kevy-server` (build first: npm run
 * build); it is started with --expose-gc and a preload that runs a full GC
 * on SIGUSR2, so its numbers are taken after a full collection (garbage from
 * parsing the load is not counted). Writes bench/memory-results.json.
 */
'use strict';
const { freePort, setOptions } = require('./lib');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');

const CASES = ['strings', 'hashes', 'hash', 'list', 'set', 'zset'];

function parseArgs(argv) {
  const o = { cases: CASES.join(','), n: 1000000, out: path.join(__dirname, 'memory-results.json') };
  setOptions(o, argv);
  o.cases = String(o.cases).split(',');
  for (const c of o.cases) if (!CASES.includes(c)) throw new Error(`unknown case ${c} (cases: ${CASES.join(', ')})`);
  o.n = Number(o.n);
  return o;
}


const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function connect(port) {
  for (let i = 0; i < 500; i++) {
    const sock = await new Promise((r) => {
      const s = net.connect(port, '127.0.0.1', () => r(s));
      s.on('error', () => r(null));
    });
    if (sock) return sock;
    await sleep(20);
  }
  throw new Error('server did not start on ' + port);
}

// kevy's preload: a full GC on SIGUSR2 (the bench's way to measure live data).
const GC_PRELOAD = 'data:text/javascript,process.on("SIGUSR2",()=>{globalThis.gc();globalThis.gc();})';

async function start(kind) {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-mem-${kind}-`));
  const common = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'];
  const proc =
    kind === 'redis'
      ? spawn('redis-server', common, { stdio: 'ignore' })
      : spawn(
          process.execPath,
          ['--expose-gc', '--max-old-space-size=16384', '--import', GC_PRELOAD, path.join(__dirname, '..', 'bin', 'kevy-server'), ...common, '--loglevel', 'warning'],
          { stdio: 'ignore' },
        );
  const sock = await connect(port);
  return { kind, port, dir, proc, conn: new Conn(sock) };
}

async function stop(s) {
  s.conn.sock.destroy();
  await new Promise((resolve) => {
    if (s.proc.exitCode !== null) return resolve();
    s.proc.once('exit', resolve);
    s.proc.kill('SIGKILL');
  });
  fs.rmSync(s.dir, { recursive: true, force: true });
}

/** A raw connection for replies of one line each (+OK, :n, -ERR) and for INFO. */
class Conn {
  constructor(sock) {
    this.sock = sock;
    this.buf = '';
    this.waiter = null;
    sock.setEncoding('latin1');
    sock.on('data', (d) => {
      this.buf += d;
      if (this.waiter) this.waiter();
    });
  }

  /** Writes bytes and waits for `lines` one-line replies; fails on an error reply. */
  async lines(bytes, lines) {
    this.sock.write(bytes);
    let seen = 0;
    for (;;) {
      let p;
      while ((p = this.buf.indexOf('\r\n')) >= 0) {
        if (this.buf[0] === '-') throw new Error(this.buf.slice(0, p));
        this.buf = this.buf.slice(p + 2);
        if (++seen === lines) return;
      }
      await new Promise((r) => (this.waiter = r));
      this.waiter = null;
    }
  }

  /** INFO <section> as a field map (one bulk reply). */
  async info(section) {
    this.sock.write(command(['INFO', section]));
    for (;;) {
      const eol = this.buf.indexOf('\r\n');
      if (eol > 0) {
        const len = Number(this.buf.slice(1, eol));
        if (this.buf.length >= eol + 2 + len + 2) {
          const body = this.buf.slice(eol + 2, eol + 2 + len);
          this.buf = this.buf.slice(eol + 2 + len + 2);
          const out = {};
          for (const l of body.split('\r\n')) {
            const i = l.indexOf(':');
            if (i > 0) out[l.slice(0, i)] = l.slice(i + 1);
          }
          return out;
        }
      }
      await new Promise((r) => (this.waiter = r));
      this.waiter = null;
    }
  }
}

function command(args) {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${Buffer.byteLength(String(a), 'latin1')}\r\n${a}\r\n`;
  return s;
}

/** The commands of a case, in batches: yields [bytes, number of commands]. */
function* batches(kind, n) {
  const PER_BATCH = 5000;
  const BIG = 1000; // elements per RPUSH/SADD/ZADD
  let parts = [];
  let count = 0;
  const flush = () => {
    const out = [parts.join(''), count];
    parts = [];
    count = 0;
    return out;
  };
  if (kind === 'strings' || kind === 'hashes') {
    for (let i = 0; i < n; i++) {
      if (kind === 'strings') parts.push(command(['SET', `key:${i}`, `value:${String(i).padStart(10, '0')}`]));
      else parts.push(command(['HSET', `hash:${i}`, 'name', `user${i}`, 'age', String(i % 100), 'city', 'Paris', 'score', String(i % 1000), 'active', '1']));
      if (++count === PER_BATCH) yield flush();
    }
  } else {
    for (let i = 0; i < n; i += BIG) {
      const args = { list: ['RPUSH', 'list'], set: ['SADD', 'set'], zset: ['ZADD', 'zset'], hash: ['HSET', 'hash'] }[kind];
      for (let j = i; j < Math.min(n, i + BIG); j++) {
        if (kind === 'zset') args.push(String(j));
        if (kind === 'hash') args.push(`field:${j}`, `value:${j}`);
        else args.push(kind === 'list' ? `element:${j}` : `member:${j}`);
      }
      parts.push(command(args));
      if (++count === 50) yield flush();
    }
  }
  if (count) yield flush();
}

function vmRssBytes(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]) * 1024;
}

async function settle(s) {
  if (s.kind === 'kevy') s.proc.kill('SIGUSR2');
  await sleep(1000);
}

async function measure(kind, c, n) {
  const s = await start(kind);
  try {
    await settle(s);
    const rss0 = vmRssBytes(s.proc.pid);
    const used0 = Number((await s.conn.info('memory')).used_memory ?? NaN);
    const t0 = Date.now();
    for (const [bytes, count] of batches(c, n)) await s.conn.lines(bytes, count);
    const loadMs = Date.now() - t0;
    await settle(s);
    const rss1 = vmRssBytes(s.proc.pid);
    const used1 = Number((await s.conn.info('memory')).used_memory ?? NaN);
    return { rss: (rss1 - rss0) / n, used: (used1 - used0) / n, loadMs };
  } finally {
    await stop(s);
  }
}

const fmt = (x) => (Number.isFinite(x) ? x.toFixed(1).padStart(8) : '       -');

async function main(argv) {
  const o = parseArgs(argv);
  const rows = [];
  console.log(`bytes per element, n = ${o.n} (RSS growth and used_memory growth / n)`);
  console.log('case       redis used  redis RSS   kevy used   kevy RSS  ratio RSS  ratio used');
  for (const c of o.cases) {
    const redis = await measure('redis', c, o.n);
    const kevy = await measure('kevy', c, o.n);
    const row = {
      case: c,
      n: o.n,
      redis: { usedBytesPerElement: redis.used, rssBytesPerElement: redis.rss, loadMs: redis.loadMs },
      kevy: { usedBytesPerElement: kevy.used, rssBytesPerElement: kevy.rss, loadMs: kevy.loadMs },
      ratioRss: Math.round((kevy.rss / redis.rss) * 100) / 100,
      ratioUsed: Math.round((kevy.used / redis.used) * 100) / 100,
    };
    rows.push(row);
    console.log(
      `${c.padEnd(9)} ${fmt(redis.used)}   ${fmt(redis.rss)}   ${fmt(kevy.used)}   ${fmt(kevy.rss)}   ${row.ratioRss.toFixed(2).padStart(7)}   ${row.ratioUsed.toFixed(2).padStart(8)}`,
    );
  }
  const result = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} x ${os.cpus()[0].model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
    options: { cases: o.cases, n: o.n },
    rows,
  };
  fs.writeFileSync(o.out, JSON.stringify(result, null, 2) + '\n');
  console.log(`results written to ${path.relative(process.cwd(), o.out)}`);
}

module.exports = { main };

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
