#!/usr/bin/env node
/**
 * In-process cost of one command, with no sockets: pipelines of 16 commands
 * (as redis-benchmark -P 16 -r 100000 sends them) fed to kevy's request
 * parser and dispatcher in a loop, replies dropped. Prints the CPU
 * nanoseconds per command (min and median of 5 timed rounds). Steadier than
 * a socket benchmark on a busy machine, for an A/B of a change to the
 * parser, the dispatcher or a store.
 *
 *   npm run build && node bench/inproc.js [set|get|incr|lpush|hset|zadd ...] [--dist DIR] [--rounds 25]
 *   npm run bench -- --suite inproc hset zadd
 *
 * --dist DIR measures another build (e.g. a git worktree of the base commit).
 */
'use strict';
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const KINDS = ['set', 'get', 'incr', 'lpush', 'hset', 'zadd'];
const KEYSPACE = 100000; // redis-benchmark -r 100000
const PIPELINE = 16;

function parseArgs(argv) {
  const o = { kinds: [], dist: path.join(__dirname, '..', 'dist'), rounds: 25 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--dist') o.dist = path.resolve(argv[++i]);
    else if (argv[i] === '--rounds') o.rounds = Number(argv[++i]);
    else if (KINDS.includes(argv[i])) o.kinds.push(argv[i]);
    else throw new Error(`unknown argument ${argv[i]} (commands: ${KINDS.join(', ')})`);
  }
  if (o.kinds.length === 0) o.kinds = KINDS;
  return o;
}

function resp(args) {
  return `*${args.length}\r\n` + args.map((a) => `$${a.length}\r\n${a}\r\n`).join('');
}

/** xorshift32: the same commands on every run. */
function random(seed) {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % KEYSPACE;
  };
}

const pad = (n) => String(n).padStart(12, '0');

/** One command as redis-benchmark's test of that name sends it (__rand_int__ replaced). */
function command(kind, rnd) {
  switch (kind) {
    case 'set': return resp(['SET', `key:${pad(rnd())}`, 'xxx']);
    case 'get': return resp(['GET', `key:${pad(rnd())}`]);
    case 'incr': return resp(['INCR', `counter:${pad(rnd())}`]);
    case 'lpush': return resp(['LPUSH', 'mylist', 'xxx']);
    case 'hset': return resp(['HSET', 'myhash', `element:${pad(rnd())}`, 'xxx']);
    case 'zadd': return resp(['ZADD', 'myzset', String(rnd()), `element:${pad(rnd())}`]);
  }
  throw new Error(kind);
}

function measure(kind, o) {
  const { Config } = require(path.join(o.dist, 'config', 'config'));
  const { Server } = require(path.join(o.dist, 'server', 'server'));
  const { Client } = require(path.join(o.dist, 'server', 'client'));
  const { RequestParser } = require(path.join(o.dist, 'protocol', 'parser'));
  const config = new Config();
  config.set('save', '');
  const server = new Server(config);
  const c = new Client(server, null, 1);
  c.parser = new RequestParser({ maxBulkLen: 512 * 1024 * 1024, authenticated: () => true });
  c.flush = function () {
    this.out = '';
  };
  const rnd = random(12345);
  const batches = [];
  for (let i = 0; i < 4000; i++) {
    let s = '';
    for (let j = 0; j < PIPELINE; j++) s += command(kind, rnd);
    batches.push(Buffer.from(s, 'latin1'));
  }
  const round = () => {
    for (const b of batches) {
      c.parser.feed(b);
      server.processInput(c);
      c.parser.release();
      c.out = '';
    }
  };
  for (let i = 0; i < 15; i++) round(); // fill the keyspace, warm the JIT
  const ns = [];
  for (let k = 0; k < 5; k++) {
    const u0 = process.cpuUsage();
    for (let i = 0; i < o.rounds; i++) round();
    const u = process.cpuUsage(u0);
    ns.push(((u.user + u.system) * 1000) / (o.rounds * batches.length * PIPELINE));
  }
  ns.sort((a, b) => a - b);
  return { min: ns[0], median: ns[2] };
}

function main() {
  const argv = process.argv.slice(2);
  if (argv[0] === '--one') {
    // A child measuring one command, so that one command's type feedback does not slow the next one's code.
    const o = parseArgs(argv.slice(2));
    const r = measure(argv[1], o);
    console.log(`${argv[1].toUpperCase().padEnd(6)} ${r.min.toFixed(0).padStart(5)} ns/command min  ${r.median.toFixed(0).padStart(5)} median`);
    return;
  }
  const o = parseArgs(argv);
  console.log(`in-process, -P ${PIPELINE}, keyspace ${KEYSPACE}, build ${o.dist}`);
  for (const kind of o.kinds) {
    spawnSync(process.execPath, [__filename, '--one', kind, '--dist', o.dist, '--rounds', String(o.rounds)], { stdio: 'inherit' });
  }
}

main();
