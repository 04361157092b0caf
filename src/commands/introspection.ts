/**
 * Introspection commands: OBJECT, MEMORY, SLOWLOG, LATENCY (and COMMAND,
 * from ./command.ts).
 *
 * OBJECT IDLETIME needs the time of each key's last access. Keeping it costs
 * a map entry per key and a write per command, so it is only maintained once
 * something asks: the first OBJECT IDLETIME starts the tracking (an
 * afterCommand hook records the keys of every command, found as COMMAND
 * GETKEYS finds them), and a key not accessed since then reports the time
 * since tracking started. Entries of deleted keys are swept when the map
 * outgrows the keyspace.
 */
import * as E from '../errors';
import type { Client } from '../server/client';
import type { Server } from '../server/server';
import type { Database } from '../store/database';
import { latencyOf, latencyReport, latencyReset, latencySamples, latencyLast, optionalConfig } from '../server/latency';
import { slowlogOf } from '../server/slowlog';
import type { Value } from '../store/types';
import { parseInt64 } from '../util/numbers';
import { commands as commandCommands, getKeys, replyHelp } from './command';
import { stringEncodingOf } from './strings-common';
import { estimateValueBytes, jemallocSize, sdsAllocSize } from './memory';
import type { Handler } from './table';

const OBJ_SHARED_INTEGERS = 10000;
const OBJ_SHARED_REFCOUNT = 2147483647;

function encodingOf(c: Client, key: string, v: Value): string {
  return typeof v === 'string' ? stringEncodingOf(c.db, key, v) : v.encoding();
}

/** The maxmemory-policy kind: LRU/LFU policies change what OBJECT reports. */
function policy(c: Client): string {
  return optionalConfig(c.server, 'maxmemory-policy') ?? 'noeviction';
}

/** Looks the key up without touching it; replies null when missing. */
function lookupOrNull(c: Client, key: string): Value | undefined {
  const v = c.db.get(key);
  if (v === undefined) c.nullBulk();
  return v;
}

// ---- access times (OBJECT IDLETIME) ---------------------------------------

interface AccessTimes {
  /** When tracking started (ms). */
  since: number;
  byDb: Map<Database, Map<string, number>>;
}

/** OBJECT, TYPE and DEBUG OBJECT look at a key without touching it (LOOKUP_NOTOUCH). */
const NO_TOUCH = new Set(['object|encoding', 'object|refcount', 'object|idletime', 'object|freq', 'type', 'debug']);

function accessTimes(server: Server): AccessTimes {
  let a = server.ext.accessTimes as AccessTimes | undefined;
  if (a !== undefined) return a;
  const times: AccessTimes = { since: Date.now(), byDb: new Map() };
  server.ext.accessTimes = times;
  const prev = server.hooks.afterCommand;
  server.hooks.afterCommand = (c, cmd, argv, usec) => {
    prev(c, cmd, argv, usec);
    if (cmd.firstKey === 0 && !cmd.flags.has('movablekeys')) return;
    if (NO_TOUCH.has(cmd.name)) return;
    let m = times.byDb.get(c.db);
    if (m === undefined) {
      m = new Map();
      times.byDb.set(c.db, m);
    }
    const now = c.server.clock;
    for (const k of getKeys(cmd, argv)) m.set(argv[k.pos], now);
    if (m.size > 2 * c.db.size + 1024) {
      for (const key of m.keys()) if (!c.db.data.has(key)) m.delete(key);
    }
  };
  return times;
}

function idleMs(server: Server, db: Database, key: string): number {
  const a = accessTimes(server);
  const t = a.byDb.get(db)?.get(key) ?? a.since;
  return Math.max(0, Date.now() - t);
}

function objectEncoding(c: Client, argv: string[]): void {
  const v = lookupOrNull(c, argv[2]);
  if (v !== undefined) c.bulk(encodingOf(c, argv[2], v));
}

function objectRefcount(c: Client, argv: string[]): void {
  const v = lookupOrNull(c, argv[2]);
  if (v === undefined) return;
  // Small integers are shared objects in Redis (unless an LRU/LFU policy needs per-key data).
  if (typeof v === 'string' && stringEncodingOf(c.db, argv[2], v) === 'int' && !/lru|lfu/.test(policy(c))) {
    const n = Number(v);
    if (n >= 0 && n < OBJ_SHARED_INTEGERS) {
      c.integer(OBJ_SHARED_REFCOUNT);
      return;
    }
  }
  c.integer(1);
}

function objectIdletime(c: Client, argv: string[]): void {
  if (lookupOrNull(c, argv[2]) === undefined) return;
  if (policy(c).includes('lfu')) {
    c.error(
      'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
    );
    return;
  }
  c.integer(Math.floor(idleMs(c.server, c.db, argv[2]) / 1000));
}

function objectFreq(c: Client, argv: string[]): void {
  if (lookupOrNull(c, argv[2]) === undefined) return;
  // kevy keeps no LFU counters: it has no maxmemory eviction yet, so an LFU policy cannot be selected.
  c.error(
    'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
  );
}

const OBJECT_HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
];

// ---- MEMORY ---------------------------------------------------------------

const OBJ_COMPUTE_SIZE_DEF_SAMPLES = 5;
/** sizeof(dictEntry) in Redis: the key's slot in the keyspace. */
const DICT_ENTRY = 24;

function memoryUsage(c: Client, argv: string[]): void {
  let samples = OBJ_COMPUTE_SIZE_DEF_SAMPLES;
  for (let j = 3; j < argv.length; j++) {
    if (argv[j].toLowerCase() === 'samples' && j + 1 < argv.length) {
      const n = parseInt64(argv[j + 1]);
      if (n === null) {
        c.error(E.NOT_INTEGER);
        return;
      }
      if (n < 0) {
        c.error(E.SYNTAX);
        return;
      }
      samples = n === 0 ? Number.MAX_SAFE_INTEGER : n;
      j++;
    } else {
      c.error(E.SYNTAX);
      return;
    }
  }
  // Like Redis, a key that expired but was not reclaimed yet is still measured.
  const v = c.db.data.get(argv[2]);
  if (v === undefined) {
    c.nullBulk();
    return;
  }
  c.integer(estimateValueBytes(v, samples) + jemallocSize(sdsAllocSize(argv[2].length)) + DICT_ENTRY);
}

const MEMORY_HELP = [
  'MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DOCTOR',
  '    Return memory problems reports.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
  'HELP',
  '    Prints this help.',
];

// ---- SLOWLOG --------------------------------------------------------------

function slowlogGet(c: Client, argv: string[]): void {
  let count = 10;
  if (argv.length > 3) {
    c.error(E.subcommandSyntax(argv[1], argv[0]));
    return;
  }
  if (argv.length === 3) {
    const n = parseInt64(argv[2]);
    if (n === null || n < -1) {
      c.error('ERR count should be greater than or equal to -1');
      return;
    }
    count = n === -1 ? Infinity : n;
  }
  const entries = slowlogOf(c.server).entries;
  const n = Math.min(count, entries.length);
  c.arrayLen(n);
  for (let i = 0; i < n; i++) {
    const e = entries[i];
    c.arrayLen(6);
    c.integer(e.id);
    c.integer(e.time);
    c.integer(e.duration);
    c.bulkArray(e.argv);
    c.bulk(e.peer);
    c.bulk(e.name);
  }
}

function slowlogReset(c: Client): void {
  slowlogOf(c.server).entries.length = 0;
  c.ok();
}

const SLOWLOG_HELP = [
  'SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET [<count>]',
  '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
  '    Entries are made of:',
  '    id, timestamp, time in microseconds, arguments array, client IP and port,',
  '    client name',
  'LEN',
  '    Return the length of the slowlog.',
  'RESET',
  '    Reset the slowlog.',
  'HELP',
  '    Prints this help.',
];

// ---- LATENCY --------------------------------------------------------------

function latencyLatest(c: Client): void {
  const m = latencyOf(c.server);
  c.arrayLen(m.events.size);
  for (const [event, ts] of m.events) {
    const last = latencyLast(ts);
    c.arrayLen(4);
    c.bulk(event);
    c.integer(last.time);
    c.integer(last.latency);
    c.integer(ts.max);
  }
}

function latencyHistory(c: Client, argv: string[]): void {
  const ts = latencyOf(c.server).events.get(argv[2]);
  const samples = ts === undefined ? [] : latencySamples(ts);
  c.arrayLen(samples.length);
  for (const s of samples) {
    c.arrayLen(2);
    c.integer(s.time);
    c.integer(s.latency);
  }
}

function latencyResetCommand(c: Client, argv: string[]): void {
  const m = latencyOf(c.server);
  if (argv.length === 2) {
    c.integer(latencyReset(m, null));
    return;
  }
  let n = 0;
  for (let j = 2; j < argv.length; j++) n += latencyReset(m, argv[j]);
  c.integer(n);
}

const LATENCY_HELP = [
  'LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DOCTOR',
  '    Return a human readable latency analysis report.',
  'GRAPH <event>',
  '    Return an ASCII latency graph for the <event> class.',
  'HISTORY <event>',
  '    Return time-latency samples for the <event> class.',
  'LATEST',
  '    Return the latest latency samples for all events.',
  'RESET [<event> ...]',
  '    Reset latency data of one or more <event> classes.',
  '    (default: reset all data for all event classes)',
  'HISTOGRAM [COMMAND ...]',
  '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
  '    If no commands are specified then all histograms are replied.',
  'HELP',
  '    Prints this help.',
];

export const commands: Record<string, Handler> = {
  ...commandCommands,
  'object|encoding': objectEncoding,
  'object|refcount': objectRefcount,
  'object|idletime': objectIdletime,
  'object|freq': objectFreq,
  'object|help': (c) => replyHelp(c, OBJECT_HELP),
  'memory|usage': memoryUsage,
  'memory|help': (c) => replyHelp(c, MEMORY_HELP),
  'slowlog|get': slowlogGet,
  'slowlog|len': (c) => c.integer(slowlogOf(c.server).entries.length),
  'slowlog|reset': slowlogReset,
  'slowlog|help': (c) => replyHelp(c, SLOWLOG_HELP),
  'latency|latest': latencyLatest,
  'latency|history': latencyHistory,
  'latency|reset': latencyResetCommand,
  'latency|doctor': (c) => c.verbatim(latencyReport(c.server)),
  'latency|help': (c) => replyHelp(c, LATENCY_HELP),
};
