#!/usr/bin/env node
/**
 * Snapshot speed, kevy against redis-server 7.0 on the same data: SAVE time
 * and dump size, then the time the next start takes to load the dump (the
 * "DB loaded from disk: X seconds" line both servers log), as kevy/redis
 * ratios (target: no slower than 3x).
 *
 *   npm run build && node bench/snapshot.js [--keys 1000000] [--sets strings,mixed] [--rounds 1]
 *   npm run bench -- --suite snapshot --keys 1000000
 *
 * Data sets: `strings`, N string keys (16-byte values); `mixed`, N/4 strings
 * plus hashes, lists, sets and sorted sets of 20 elements (small encodings
 * in Redis) and a few big hashes of 1000 fields, about N elements in all.
 */
'use strict';
const { freePort, median, setOptions } = require('./lib');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

function parseArgs(argv) {
  const o = { keys: 1000000, sets: 'strings,mixed', rounds: 1 };
  setOptions(o, argv);
  o.keys = Number(o.keys);
  o.rounds = Number(o.rounds);
  o.sets = String(o.sets).split(',');
  return o;
}


function encode(args) {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`;
  return s;
}

/** Sends pipelined commands and waits for as many simple replies (counted by line for the shapes used here). */
class Conn {
  static open(port) {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new Conn(s)));
      s.once('error', reject);
    });
  }
  constructor(s) {
    this.s = s;
    this.pending = 0;
    this.text = '';
    this.resolve = null;
    s.on('data', (d) => {
      // Every reply used here is a single line (+OK, :n, -ERR) or a bulk ($n + line).
      this.text += d.toString('latin1');
      let i;
      while ((i = this.text.indexOf('\r\n')) >= 0) {
        const line = this.text.slice(0, i);
        if (line[0] === '$' && Number(line.slice(1)) >= 0) {
          const end = i + 2 + Number(line.slice(1)) + 2;
          if (this.text.length < end) return;
          this.last = this.text.slice(i + 2, end - 2);
          this.text = this.text.slice(end);
        } else {
          this.last = line;
          this.text = this.text.slice(i + 2);
        }
        if (--this.pending === 0 && this.resolve) this.resolve(this.last);
      }
    });
  }
  run(cmds) {
    return new Promise((resolve) => {
      this.pending += cmds.length;
      this.resolve = resolve;
      this.s.write(cmds.map(encode).join(''));
    });
  }
  close() {
    this.s.destroy();
  }
}

async function fillStrings(c, n) {
  for (let base = 0; base < n; base += 10000) {
    const args = ['MSET'];
    for (let i = base; i < Math.min(n, base + 10000); i++) args.push(`key:${i}`, `value:${String(i).padStart(10, '0')}`);
    await c.run([args]);
  }
}

async function fillMixed(c, n) {
  await fillStrings(c, n / 4);
  const small = Math.floor(n / 4 / 20 / 4); // keys of each collection type, 20 elements each
  const batch = [];
  const flush = async () => {
    if (batch.length) await c.run(batch.splice(0));
  };
  for (let k = 0; k < small; k++) {
    const h = ['HSET', `hash:${k}`];
    const l = ['RPUSH', `list:${k}`];
    const s = ['SADD', k % 2 ? `set:${k}` : `iset:${k}`];
    const z = ['ZADD', `zset:${k}`];
    for (let j = 0; j < 20; j++) {
      h.push(`field${j}`, `v${k}.${j}`);
      l.push(`item-${k}-${j}`);
      s.push(k % 2 ? `member-${j}` : String(k * 100 + j));
      z.push(String(j * 1.5), `m${j}`);
    }
    batch.push(h, l, s, z);
    if (batch.length >= 400) await flush();
  }
  for (let k = 0; k < 50; k++) {
    const h = ['HSET', `bighash:${k}`];
    for (let j = 0; j < 1000; j++) h.push(`f${j}`, `some value ${j}`);
    batch.push(h);
  }
  await flush();
}

function startServer(kind, dir, port) {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'];
  const proc =
    kind === 'redis'
      ? spawn('redis-server', args)
      : spawn(process.execPath, [path.join(__dirname, '..', 'bin', 'kevy-server'), ...args]);
  let out = '';
  proc.stdout.on('data', (b) => (out += b));
  proc.stderr.on('data', (b) => (out += b));
  const ready = new Promise((resolve, reject) => {
    const t = setInterval(() => {
      if (/Ready to accept connections/.test(out)) {
        clearInterval(t);
        resolve();
      }
    }, 10);
    proc.once('exit', () => {
      clearInterval(t);
      reject(new Error(`${kind} exited:\n${out}`));
    });
  });
  return { proc, ready, out: () => out, stop: () => new Promise((r) => (proc.exitCode !== null ? r() : (proc.once('exit', r), proc.kill('SIGKILL')))) };
}

async function measure(kind, set, o) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `snap-bench-${kind}-`));
  try {
    let port = await freePort();
    let s = startServer(kind, dir, port);
    await s.ready;
    const c = await Conn.open(port);
    if (set === 'strings') await fillStrings(c, o.keys);
    else await fillMixed(c, o.keys);
    const keys = Number((await c.run([['DBSIZE']])).slice(1));
    const t0 = process.hrtime.bigint();
    const r = await c.run([['SAVE']]);
    const saveMs = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r !== '+OK') throw new Error(`${kind} SAVE: ${r}`);
    c.close();
    await s.stop();
    const size = fs.statSync(path.join(dir, 'dump.rdb')).size;
    port = await freePort();
    s = startServer(kind, dir, port);
    await s.ready;
    const m = /DB loaded from disk: ([0-9.]+) seconds/.exec(s.out());
    const loadMs = m ? Number(m[1]) * 1000 : NaN;
    const c2 = await Conn.open(port);
    const loadedKeys = Number((await c2.run([['DBSIZE']])).slice(1));
    c2.close();
    await s.stop();
    if (loadedKeys !== keys) throw new Error(`${kind}: ${loadedKeys} keys loaded, ${keys} saved`);
    return { keys, saveMs, size, loadMs };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}


async function main() {
  const o = parseArgs(process.argv.slice(2));
  const rows = [];
  for (const set of o.sets) {
    const runs = { redis: [], kevy: [] };
    for (let i = 0; i < o.rounds; i++) {
      runs.redis.push(await measure('redis', set, o));
      runs.kevy.push(await measure('kevy', set, o));
    }
    const pick = (rs, f) => median(rs.map((r) => r[f]));
    const row = { set, keys: runs.kevy[0].keys };
    for (const f of ['saveMs', 'size', 'loadMs']) {
      row[f] = { redis: pick(runs.redis, f), kevy: pick(runs.kevy, f) };
      row[f].ratio = Math.round((row[f].kevy / row[f].redis) * 100) / 100;
    }
    rows.push(row);
    console.log(
      `${set.padEnd(8)} ${row.keys} keys | SAVE redis ${row.saveMs.redis.toFixed(0)} ms kevy ${row.saveMs.kevy.toFixed(0)} ms (x${row.saveMs.ratio}) | ` +
        `size redis ${(row.size.redis / 2 ** 20).toFixed(1)} MiB kevy ${(row.size.kevy / 2 ** 20).toFixed(1)} MiB (x${row.size.ratio}) | ` +
        `load redis ${row.loadMs.redis.toFixed(0)} ms kevy ${row.loadMs.kevy.toFixed(0)} ms (x${row.loadMs.ratio})`,
    );
  }
  console.log(JSON.stringify({ date: new Date().toISOString(), machine: `${os.cpus().length} x ${os.cpus()[0].model}, node ${process.version}`, options: o, rows }));
}

// bench/startup.js reuses the data sets and the pipelined connection.
module.exports = { Conn, fillStrings, fillMixed };

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
