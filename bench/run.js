#!/usr/bin/env node
/**
 * npm run bench: redis-benchmark against a real redis-server 7.0 and kevy in
 * the same run, alternating A B A B for several rounds, printing the median
 * requests/second of each side and the ratio kevy/redis per test.
 * Only ratios from one run are meaningful on a noisy 2-core machine.
 * Each row also shows each server's CPU microseconds per request (from
 * /proc/<pid>/stat): a steadier figure than requests/s while other work runs.
 *
 *   npm run bench -- --tests set,get,incr,mset --pipeline 1,16 --clients 50 \
 *                    --requests 100000 --rounds 3 --datasize 3 [--appendfsync always|everysec|no]
 *                    [--keyspace 100000]   (redis-benchmark -r: random keys per test; lowered so that
 *                                           keyspace x datasize stays within 1 GB, the most a default
 *                                           V8 heap holds comfortably: kevy refuses writes near its limit)
 *                    [--base DIR]   (also runs the kevy in DIR/bin, DIR/dist: A/B of a change)
 *                    [--kevy DIR]   (the kevy build measured, default this repository)
 *
 * Writes bench/results.json. Needs `redis-server` and `redis-benchmark` on PATH.
 *
 *   node bench/run.js --ci    (.ci/run: the six tests of issue 7 at -P 1 and -P 16, ~1 min; exits 1
 *                              when a ratio is below half its target: a gross regression)
 *
 * Other suites run the script of that name in bench/ with the remaining options:
 *
 *   npm run bench -- --suite snapshot --keys 1000000          (SAVE time, dump size, load time)
 *   npm run bench -- --suite bgsave-latency --keys 1000000    (GET latency and stalls during BGSAVE)
 *   npm run bench -- --suite aof                              (SET with appendfsync always/everysec, writes per fsync)
 *   npm run bench -- --suite startup                          (seconds to the first PONG: 1M-key dump, 1M-command AOF)
 *   npm run bench -- --suite inproc hset zadd                 (CPU ns per command through parser + dispatcher, no sockets)
 */
'use strict';
const { freePort, waitPort, median, setOptions } = require('./lib');
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');

function parseArgs(argv) {
  const o = {
    tests: 'set,get,incr,mset',
    pipeline: '1,16',
    clients: 50,
    requests: 100000,
    rounds: 3,
    datasize: 3,
    keyspace: 100000,
    appendfsync: null,
    // A second kevy build (a directory holding bin/ and dist/) run in the same rounds: A/B of a change.
    base: null,
    // The kevy build to measure (a directory holding bin/ and dist/); default: this repository.
    kevy: null,
    out: path.join(__dirname, 'results.json'),
  };
  setOptions(o, argv);
  o.tests = String(o.tests).split(',');
  o.pipeline = String(o.pipeline).split(',').map(Number);
  o.clients = Number(o.clients);
  o.requests = Number(o.requests);
  o.rounds = Number(o.rounds);
  o.datasize = Number(o.datasize);
  o.keyspace = Number(o.keyspace);
  if (!(o.keyspace >= 1) || !(o.datasize >= 1)) throw new Error('--keyspace and --datasize take a positive number');
  // At least 1000 keys: values over 1 MB may then exceed 1 GB in all.
  const fits = Math.max(1000, Math.floor(2 ** 30 / o.datasize));
  if (o.keyspace > fits) {
    console.log(`keyspace ${o.keyspace} x ${o.datasize}-byte values would not fit a default V8 heap: keyspace ${fits} (--keyspace)`);
    o.keyspace = fits;
  }
  return o;
}



function persistenceArgs(o) {
  if (!o.appendfsync) return ['--appendonly', 'no'];
  return ['--appendonly', 'yes', '--appendfsync', o.appendfsync];
}

async function start(kind, o) {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${kind}-`));
  const common = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir];
  // Both sides run without snapshots; with --appendfsync both run the same AOF policy.
  const proc =
    kind === 'redis'
      ? spawn('redis-server', [...common, '--save', '', ...persistenceArgs(o)], { stdio: 'ignore' })
      : spawn(process.execPath, [path.join(kind === 'base' ? o.base : o.kevy || path.join(__dirname, '..'), 'bin', 'kevy-server'), ...common, '--save', '', ...(o.appendfsync ? persistenceArgs(o) : []), '--loglevel', 'warning'], { stdio: 'ignore' });
  await waitPort(port);
  return { kind, port, dir, proc };
}

function stop(s) {
  s.proc.kill('SIGKILL');
  fs.rmSync(s.dir, { recursive: true, force: true });
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
function cpuSeconds(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const w = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(w[11]) + Number(w[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/**
 * One redis-benchmark run: requests/s, and the server's CPU microseconds per
 * request (much less sensitive than requests/s to other load on the machine:
 * a helper compiling beside the benchmark slows both servers' wall clock, not
 * their CPU cost per command).
 */
function bench(s, test, pipeline, o) {
  const cpu0 = cpuSeconds(s.proc.pid);
  const rps = runBenchmark(s.port, test, pipeline, o);
  const cpu = cpuSeconds(s.proc.pid) - cpu0;
  return { rps, cpuUs: (cpu * 1e6) / o.requests };
}

function runBenchmark(port, test, pipeline, o) {
  const out = execFileSync(
    'redis-benchmark',
    ['-p', String(port), '-t', test, '-P', String(pipeline), '-c', String(o.clients), '-n', String(o.requests), '-d', String(o.datasize), '-r', String(o.keyspace), '--csv', '-q'],
    { encoding: 'utf8' },
  );
  // "test","rps",... header then one line per test
  const line = out.trim().split('\n').find((l) => !l.startsWith('"test"'));
  const cols = line.split(',').map((x) => x.replace(/"/g, ''));
  return Number(cols[1]);
}


const SUITES = ['snapshot', 'bgsave-latency', 'memory', 'aof', 'startup', 'inproc'];

/** Issue 7's targets (ratio kevy/redis) by test and pipeline; --ci fails below half of one. */
const TARGETS = {
  SET: { 1: 0.95, 16: 0.75 },
  GET: { 1: 0.95, 16: 0.75 },
  INCR: { 1: 0.95, 16: 0.75 },
  LPUSH: { 1: 0.9, 16: 0.65 },
  HSET: { 1: 0.9, 16: 0.65 },
  ZADD: { 1: 0.9, 16: 0.65 },
};

/** The rows whose ratio is below half its target. */
function grossRegressions(rows) {
  return rows.filter((r) => {
    const t = TARGETS[r.test] && TARGETS[r.test][r.pipeline];
    return t !== undefined && r.ratio < t / 2;
  });
}

async function main() {
  const argv = process.argv.slice(2);
  if (argv[0] === '--memory') argv.splice(0, 1, '--suite', 'memory'); // npm run bench -- --memory: bench/memory.js
  const si = argv.indexOf('--suite');
  if (si >= 0) {
    const suite = argv[si + 1];
    if (!SUITES.includes(suite)) throw new Error(`unknown suite ${suite} (one of ${SUITES.join(', ')})`);
    const rest = [...argv.slice(0, si), ...argv.slice(si + 2)];
    const r = spawnSync(process.execPath, [path.join(__dirname, `${suite}.js`), ...rest], { stdio: 'inherit' });
    process.exit(r.status ?? 1);
  }
  const ci = argv[0] === '--ci';
  const o = ci
    ? parseArgs(['--tests', 'set,get,incr,lpush,hset,zadd', '--pipeline', '1,16', '--requests', '100000', '--rounds', '3', '--out', path.join(os.tmpdir(), 'kevy-bench-ci.json')])
    : parseArgs(argv);
  const redis = await start('redis', o);
  const kevy = await start('kevy', o);
  const base = o.base ? await start('base', o) : null;
  const rows = [];
  try {
    for (const p of o.pipeline) {
      for (const t of o.tests) {
        const r = { redis: [], kevy: [], base: [] };
        for (let i = 0; i < o.rounds; i++) {
          r.redis.push(bench(redis, t, p, o));
          r.kevy.push(bench(kevy, t, p, o));
          if (base) r.base.push(bench(base, t, p, o));
        }
        const rps = (xs) => median(xs.map((x) => x.rps));
        const cpu = (xs) => Math.round(median(xs.map((x) => x.cpuUs)) * 100) / 100;
        const row = { test: t.toUpperCase(), pipeline: p, clients: o.clients, redis: rps(r.redis), kevy: rps(r.kevy) };
        row.ratio = Math.round((row.kevy / row.redis) * 100) / 100;
        row.redisCpuUs = cpu(r.redis);
        row.kevyCpuUs = cpu(r.kevy);
        if (base) {
          row.base = rps(r.base);
          row.baseRatio = Math.round((row.base / row.redis) * 100) / 100;
          row.baseCpuUs = cpu(r.base);
        }
        rows.push(row);
        console.log(
          `${row.test.padEnd(8)} -P ${String(p).padEnd(3)} -c ${o.clients}  redis ${String(Math.round(row.redis)).padStart(8)} rps  kevy ${String(Math.round(row.kevy)).padStart(8)} rps  ratio ${row.ratio.toFixed(2)}` +
            `  cpu us/req redis ${row.redisCpuUs.toFixed(2)} kevy ${row.kevyCpuUs.toFixed(2)}` +
            (base ? `  base ${String(Math.round(row.base)).padStart(8)} rps  ratio ${row.baseRatio.toFixed(2)} cpu ${row.baseCpuUs.toFixed(2)}` : ''),
        );
      }
    }
  } finally {
    stop(redis);
    stop(kevy);
    if (base) stop(base);
  }
  const result = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} x ${os.cpus()[0].model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
    options: { ...o, out: undefined },
    rows,
  };
  fs.writeFileSync(o.out, JSON.stringify(result, null, 2) + '\n');
  console.log(`results written to ${path.relative(process.cwd(), o.out)}`);
  const bad = grossRegressions(rows);
  for (const r of rows) {
    const t = TARGETS[r.test] && TARGETS[r.test][r.pipeline];
    if (t !== undefined && r.ratio < t) console.log(`${r.test} -P ${r.pipeline}: ratio ${r.ratio.toFixed(2)} below the target ${t}`);
  }
  if (ci && bad.length > 0) {
    console.error(`bench --ci: gross regression (ratio below half its target): ${bad.map((r) => `${r.test} -P ${r.pipeline} ${r.ratio}`).join(', ')}`);
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
