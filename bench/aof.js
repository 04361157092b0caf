#!/usr/bin/env node
/**
 * The AOF benchmark: redis-benchmark -t set against redis-server 7.0 and
 * kevy, both with appendonly yes, under appendfsync always and everysec,
 * with 1, 10, 50 and 200 clients. Prints requests/s of each, the ratio
 * kevy/redis, and kevy's writes per fsync in that run (group commit: under
 * always, the writes of one event-loop turn share one fdatasync).
 *
 *   node bench/aof.js [--policies always,everysec] [--clients 1,10,50,200]
 *                     [--requests 20000] [--rounds 1] [--datasize 3] [--dir /tmp]
 *   npm run bench -- --suite aof ...
 *
 * --dir chooses the file system the AOFs live on (fsync cost depends on it).
 * Writes bench/aof-results.json. Needs `redis-server` and `redis-benchmark`.
 */
'use strict';
const { freePort, waitPort, median } = require('./lib');
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');

function parseArgs(argv) {
  const o = { policies: 'always,everysec', clients: '1,10,50,200', requests: 20000, rounds: 1, datasize: 3, dir: os.tmpdir(), out: path.join(__dirname, 'aof-results.json') };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    if (!(k in o)) throw new Error(`unknown option --${k}`);
    o[k] = argv[++i];
  }
  o.policies = String(o.policies).split(',');
  o.clients = String(o.clients).split(',').map(Number);
  o.requests = Number(o.requests);
  o.rounds = Number(o.rounds);
  return o;
}



async function start(kind, policy, o) {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(o.dir, `bench-aof-${kind}-`));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', policy];
  const proc =
    kind === 'redis'
      ? spawn('redis-server', args, { stdio: 'ignore' })
      : spawn(process.execPath, [path.join(__dirname, '..', 'bin', 'kevy-server'), ...args, '--loglevel', 'warning'], { stdio: 'ignore' });
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
  return { fsyncs, writes: fsyncs * infoField(port, 'aof_writes_per_fsync') };
}

function bench(port, clients, o) {
  // One client under always is slow on a real disk: fewer requests keep the run short.
  const n = clients === 1 ? Math.max(1000, Math.floor(o.requests / 4)) : o.requests;
  const out = execFileSync(
    'redis-benchmark',
    ['-p', String(port), '-t', 'set', '-c', String(clients), '-n', String(n), '-d', String(o.datasize), '-r', '100000', '--csv', '-q'],
    { encoding: 'utf8' },
  );
  const line = out.trim().split('\n').find((l) => !l.startsWith('"test"'));
  return Number(line.split(',')[1].replace(/"/g, ''));
}


async function main() {
  const o = parseArgs(process.argv.slice(2));
  const rows = [];
  console.log('policy    clients   redis rps    kevy rps  ratio  kevy writes/fsync');
  for (const policy of o.policies) {
    const redis = await start('redis', policy, o);
    const kevy = await start('kevy', policy, o);
    try {
      for (const clients of o.clients) {
        const r = [];
        const k = [];
        const before = fsyncCounters(kevy.port);
        for (let i = 0; i < o.rounds; i++) {
          r.push(bench(redis.port, clients, o));
          k.push(bench(kevy.port, clients, o));
        }
        const after = fsyncCounters(kevy.port);
        const df = after.fsyncs - before.fsyncs;
        const row = {
          policy,
          clients,
          redis: Math.round(median(r)),
          kevy: Math.round(median(k)),
          writesPerFsync: df > 0 ? Math.round(((after.writes - before.writes) / df) * 10) / 10 : null,
        };
        row.ratio = Math.round((row.kevy / row.redis) * 100) / 100;
        rows.push(row);
        console.log(
          `${policy.padEnd(9)} ${String(clients).padStart(7)} ${String(row.redis).padStart(11)} ${String(row.kevy).padStart(11)} ${row.ratio.toFixed(2).padStart(6)} ${String(row.writesPerFsync ?? '-').padStart(18)}`,
        );
      }
    } finally {
      stop(redis);
      stop(kevy);
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
