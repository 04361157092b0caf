#!/usr/bin/env node
/**
 * The AOF benchmark: redis-benchmark -t set against redis-server 7.0 and
 * kevy, both with appendonly yes, under appendfsync always and everysec,
 * with 1, 10, 50 and 200 clients. Prints requests/s of each, the ratio
 * kevy/redis, each server's CPU microseconds per request (steadier than
 * requests/s while other work runs; all threads, then the main thread's
 * alone), and kevy's writes per fsync in that run
 * (group commit: under always, the writes made while one fdatasync runs
 * share the next one).
 *
 *   node bench/aof.js [--policies always,everysec,off] [--clients 1,10,50,200]
 *                     [--pipeline 1] [--requests 20000] [--rounds 1] [--datasize 3]
 *                     [--dir /tmp] [--base DIR]
 *   npm run bench -- --suite aof ...
 *
 * --dir chooses the file system the AOFs live on (fsync cost depends on it).
 * Policy "off" runs both servers with appendonly no: the reference that
 * everysec is compared with. --base DIR also runs the kevy in DIR/bin,
 * DIR/dist in the same rounds (A/B of a change).
 * Writes bench/aof-results.json. Needs `redis-server` and `redis-benchmark`.
 */
'use strict';
const { freePort, waitPort, median, setOptions } = require('./lib');
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');

function parseArgs(argv) {
  const o = { policies: 'always,everysec', clients: '1,10,50,200', pipeline: 1, requests: 20000, rounds: 1, datasize: 3, dir: os.tmpdir(), base: null, out: path.join(__dirname, 'aof-results.json') };
  setOptions(o, argv);
  o.policies = String(o.policies).split(',');
  o.clients = String(o.clients).split(',').map(Number);
  o.requests = Number(o.requests);
  o.rounds = Number(o.rounds);
  o.pipeline = Number(o.pipeline);
  return o;
}



async function start(kind, policy, o) {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(o.dir, `bench-aof-${kind}-`));
  const aof = policy === 'off' ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', policy];
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...aof];
  const root = kind === 'base' ? o.base : path.join(__dirname, '..');
  const proc =
    kind === 'redis'
      ? spawn('redis-server', args, { stdio: 'ignore' })
      : spawn(process.execPath, [path.join(root, 'bin', 'kevy-server'), ...args, '--loglevel', 'warning'], { stdio: 'ignore' });
  await waitPort(port);
  return { kind, port, dir, proc };
}

function stop(s) {
  s.proc.kill('SIGKILL');
  fs.rmSync(s.dir, { recursive: true, force: true });
}

/** One INFO persistence field (redis-cli). */
function infoField(port, field) {
  const out = execFileSync('redis-cli', ['-p', String(port), 'INFO', 'persistence'], { encoding: 'utf8' });
  const m = new RegExp(`^${field}:(\\S+)`, 'm').exec(out);
  return m ? Number(m[1]) : NaN;
}

/** Commands covered by fsyncs so far: aof_writes_per_fsync is an average over aof_fsyncs. */
function fsyncCounters(port) {
  const fsyncs = infoField(port, 'aof_fsyncs');
  return { fsyncs, writes: fsyncs * (infoField(port, 'aof_writes_per_fsync') || 0) };
}

/** CPU seconds (user + system) used so far, from /proc/<pid>/stat: every thread, or with mainOnly the main thread's (task <pid>). */
function cpuSeconds(pid, mainOnly = false) {
  const f = fs.readFileSync(mainOnly ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
  const w = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(w[11]) + Number(w[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/**
 * One redis-benchmark run: requests/s and the server's CPU microseconds per
 * request, all threads and the main thread alone (kevy's fdatasync runs in
 * the thread pool, Redis's under always on its main thread).
 */
function bench(s, clients, o) {
  // One client under always is slow on a real disk: fewer requests keep the run short.
  const n = clients === 1 && o.pipeline === 1 ? Math.max(1000, Math.floor(o.requests / 4)) : o.requests;
  const cpu0 = cpuSeconds(s.proc.pid);
  const main0 = cpuSeconds(s.proc.pid, true);
  const out = execFileSync(
    'redis-benchmark',
    ['-p', String(s.port), '-t', 'set', '-c', String(clients), '-P', String(o.pipeline), '-n', String(n), '-d', String(o.datasize), '-r', '100000', '--csv', '-q'],
    { encoding: 'utf8' },
  );
  const cpuUs = ((cpuSeconds(s.proc.pid) - cpu0) * 1e6) / n;
  const mainCpuUs = ((cpuSeconds(s.proc.pid, true) - main0) * 1e6) / n;
  const line = out.trim().split('\n').find((l) => !l.startsWith('"test"'));
  return { rps: Number(line.split(',')[1].replace(/"/g, '')), cpuUs, mainCpuUs };
}

/** kevy's writes per fsync between two fsyncCounters() readings. */
function writesPerFsync(before, after) {
  const df = after.fsyncs - before.fsyncs;
  return df > 0 ? Math.round(((after.writes - before.writes) / df) * 10) / 10 : null;
}


async function main() {
  const o = parseArgs(process.argv.slice(2));
  const rows = [];
  const base = o.base ? '   base rps  ratio  cpu  main  w/fsync' : '';
  console.log(`policy    clients   redis rps    kevy rps  ratio  cpu us/req redis  kevy  main us/req redis  kevy  kevy writes/fsync${base}`);
  for (const policy of o.policies) {
    const redis = await start('redis', policy, o);
    const kevy = await start('kevy', policy, o);
    const b = o.base ? await start('base', policy, o) : null;
    try {
      for (const clients of o.clients) {
        const r = [];
        const k = [];
        const bs = [];
        const kBefore = fsyncCounters(kevy.port);
        const bBefore = b ? fsyncCounters(b.port) : null;
        for (let i = 0; i < o.rounds; i++) {
          r.push(bench(redis, clients, o));
          k.push(bench(kevy, clients, o));
          if (b) bs.push(bench(b, clients, o));
        }
        const rps = (xs) => Math.round(median(xs.map((x) => x.rps)));
        const cpu = (xs, field = 'cpuUs') => Math.round(median(xs.map((x) => x[field])) * 10) / 10;
        const row = {
          policy,
          clients,
          pipeline: o.pipeline,
          redis: rps(r),
          kevy: rps(k),
          redisCpuUs: cpu(r),
          kevyCpuUs: cpu(k),
          redisMainCpuUs: cpu(r, 'mainCpuUs'),
          kevyMainCpuUs: cpu(k, 'mainCpuUs'),
          writesPerFsync: writesPerFsync(kBefore, fsyncCounters(kevy.port)),
        };
        row.ratio = Math.round((row.kevy / row.redis) * 100) / 100;
        if (b) {
          row.base = rps(bs);
          row.baseRatio = Math.round((row.base / row.redis) * 100) / 100;
          row.baseCpuUs = cpu(bs);
          row.baseMainCpuUs = cpu(bs, 'mainCpuUs');
          row.baseWritesPerFsync = writesPerFsync(bBefore, fsyncCounters(b.port));
        }
        rows.push(row);
        console.log(
          `${policy.padEnd(9)} ${String(clients).padStart(7)} ${String(row.redis).padStart(11)} ${String(row.kevy).padStart(11)} ${row.ratio.toFixed(2).padStart(6)}` +
            ` ${row.redisCpuUs.toFixed(1).padStart(16)} ${row.kevyCpuUs.toFixed(1).padStart(5)}` +
            ` ${row.redisMainCpuUs.toFixed(1).padStart(17)} ${row.kevyMainCpuUs.toFixed(1).padStart(5)} ${String(row.writesPerFsync ?? '-').padStart(18)}` +
            (b ? ` ${String(row.base).padStart(10)} ${row.baseRatio.toFixed(2).padStart(6)} ${row.baseCpuUs.toFixed(1).padStart(4)} ${row.baseMainCpuUs.toFixed(1).padStart(5)} ${String(row.baseWritesPerFsync ?? '-').padStart(8)}` : ''),
        );
      }
    } finally {
      stop(redis);
      stop(kevy);
      if (b) stop(b);
    }
  }
  const result = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} x ${os.cpus()[0].model}, node ${process.version}, AOF dir ${o.dir}`,
    options: { ...o, out: undefined },
    rows,
  };
  fs.writeFileSync(o.out, JSON.stringify(result, null, 2) + '\n');
  console.log(`results written to ${path.relative(process.cwd(), o.out)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
