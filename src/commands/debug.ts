/**
 * DEBUG (debug.c), allowed only when enable-debug-command is yes (or local,
 * for loopback clients): HELP, SLEEP, SET-ACTIVE-EXPIRE, OBJECT, RELOAD (its
 * body is in ./persistence.ts). Every other
 * subcommand answers like an unknown one.
 *
 *   DEBUG OBJECT k   +Value at:0x7f.. refcount:1 encoding:embstr serializedlength:2 lru:.. lru_seconds_idle:..
 *
 * DEBUG OBJECT's address is a stable fake, lru is the current LRU clock and
 * lru_seconds_idle 0 (kevy does not track access times yet), and
 * serializedlength is the RDB length of the value without LZF compression
 * (Redis compresses strings longer than 20 bytes when that saves space).
 */
import * as E from '../errors';
import type { Client } from '../server/client';
import type { Value } from '../store/types';
import { parseInt64, strtod } from '../util/numbers';
import { parsePositiveLong } from './lookup';
import { debugReloadCommand } from './persistence';
import { stringEncodingOf } from './strings-common';
import type { Handler } from './table';

const DEBUG_HELP = [
  'DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'AOF-FLUSH-SLEEP <microsec>',
  '    Server will sleep before flushing the AOF, this is used for testing.',
  'ASSERT',
  '    Crash by assertion failed.',
  'CHANGE-REPL-ID',
  '    Change the replication IDs of the instance.',
  '    Dangerous: should be used only for testing the replication subsystem.',
  'CONFIG-REWRITE-FORCE-ALL',
  '    Like CONFIG REWRITE but writes all configuration options, including',
  '    keywords not listed in original configuration file or default values.',
  'CRASH-AND-RECOVER [<milliseconds>]',
  '    Hard crash and restart after a <milliseconds> delay (default 0).',
  'DIGEST',
  '    Output a hex signature representing the current DB content.',
  'DIGEST-VALUE <key> [<key> ...]',
  '    Output a hex signature of the values of all the specified keys.',
  'ERROR <string>',
  '    Return a Redis protocol error with <string> as message. Useful for clients',
  '    unit tests to simulate Redis errors.',
  'LEAK <string>',
  '    Create a memory leak of the input string.',
  'LOG <message>',
  '    Write <message> to the server log.',
  'HTSTATS <dbid>',
  '    Return hash table statistics of the specified Redis database.',
  'HTSTATS-KEY <key>',
  '    Like HTSTATS but for the hash table stored at <key>\'s value.',
  'LOADAOF',
  '    Flush the AOF buffers on disk and reload the AOF in memory.',
  'REPLICATE <string>',
  '    Replicates the provided string to replicas, allowing data divergence.',
  'MALLCTL <key> [<val>]',
  '    Get or set a malloc tuning integer.',
  'MALLCTL-STR <key> [<val>]',
  '    Get or set a malloc tuning string.',
  'OBJECT <key>',
  '    Show low level info about `key` and associated value.',
  'DROP-CLUSTER-PACKET-FILTER <packet-type>',
  '    Drop all packets that match the filtered type. Set to -1 allow all packets.',
  'OOM',
  '    Crash the server simulating an out-of-memory error.',
  'PANIC',
  '    Crash the server simulating a panic.',
  'POPULATE <count> [<prefix>] [<size>]',
  '    Create <count> string keys named key:<num>. If <prefix> is specified then',
  '    it is used instead of the \'key\' prefix. These are not propagated to',
  '    replicas. Cluster slots are not respected so keys not belonging to the',
  '    current node can be created in cluster mode.',
  'PROTOCOL <type>',
  '    Reply with a test value of the specified type. <type> can be: string,',
  '    integer, double, bignum, null, array, set, map, attrib, push, verbatim,',
  '    true, false.',
  'RELOAD [option ...]',
  '    Save the RDB on disk and reload it back to memory. Valid <option> values:',
  '    * MERGE: conflicting keys will be loaded from RDB.',
  '    * NOFLUSH: the existing database will not be removed before load, but',
  '      conflicting keys will generate an exception and kill the server.',
  '    * NOSAVE: the database will be loaded from an existing RDB file.',
  '    Examples:',
  '    * DEBUG RELOAD: verify that the server is able to persist, flush and reload',
  '      the database.',
  '    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an',
  '      existing RDB file.',
  '    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB',
  '      file to the database.',
  'RESTART [<milliseconds>]',
  '    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).',
  'SDSLEN <key>',
  '    Show low level SDS string info representing `key` and value.',
  'SEGFAULT',
  '    Crash the server with sigsegv.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Setting it to 0 disables expiring keys in background when they are not',
  '    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the',
  '    default.',
  'QUICKLIST-PACKED-THRESHOLD <size>',
  '    Sets the threshold for elements to be inserted as plain vs packed nodes',
  '    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.',
  'SET-SKIP-CHECKSUM-VALIDATION <0|1>',
  '    Enables or disables checksum checks for RDB files and RESTORE\'s payload.',
  'SLEEP <seconds>',
  '    Stop the server for <seconds>. Decimals allowed.',
  'STRINGMATCH-TEST',
  '    Run a fuzz tester against the stringmatchlen() function.',
  'STRUCTSIZE',
  '    Return the size of different Redis core C structures.',
  'LISTPACK <key>',
  '    Show low level info about the listpack encoding of <key>.',
  'QUICKLIST <key> [<0|1>]',
  '    Show low level info about the quicklist encoding of <key>.',
  '    The optional argument (0 by default) sets the level of detail',
  'CLIENT-EVICTION',
  '    Show low level client eviction pools info (maxmemory-clients).',
  'PAUSE-CRON <0|1>',
  '    Stop periodic cron job processing.',
  'REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>',
  '    Sets the time (in milliseconds) to wait between client reply buffer peak resets.',
  '    In case NEVER is provided the last observed peak will never be reset',
  '    In case RESET is provided the peak reset time will be restored to the default value',
  'REPLYBUFFER RESIZING <0|1>',
  '    Enable or disable the reply buffer resize cron job',
  'CLUSTERLINK KILL <to|from|all> <node-id>',
  '    Kills the link based on the direction to/from (both) with the provided node.',
  'HELP',
  '    Prints this help.',
];

function isLocal(c: Client): boolean {
  const a = c.socket?.remoteAddress;
  if (a === undefined) return true;
  return a === '::1' || a.startsWith('127.') || a.startsWith('::ffff:127.');
}

/** True when DEBUG may run for c; otherwise replies with Redis's refusal. */
function allowed(c: Client): boolean {
  const mode = c.server.config.get('enable-debug-command');
  if (mode === 'yes' || (mode === 'local' && isLocal(c))) return true;
  c.error(E.DEBUG_NOT_ALLOWED);
  return false;
}

/** Blocks the whole server, as Redis's nanosleep does. */
function sleepMs(ms: number): void {
  if (ms <= 0) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** C's atoi: optional spaces and sign, then digits; anything else ends it (0 if none). */
function atoi(s: string): number {
  const n = parseInt(s, 10);
  return Number.isNaN(n) ? 0 : n;
}

function debugCommand(c: Client, argv: string[]): void {
  if (!allowed(c)) return;
  const sub = argv[1].toLowerCase();
  if (sub === 'help' && argv.length === 2) {
    c.arrayLen(DEBUG_HELP.length);
    for (const l of DEBUG_HELP) c.simple(l);
  } else if (sub === 'sleep' && argv.length === 3) {
    // strtod: the longest numeric prefix (up to a NUL), 0 when there is none.
    const nul = argv[2].indexOf('\x00');
    const sec = strtod(nul < 0 ? argv[2] : argv[2].slice(0, nul));
    sleepMs(Number.isFinite(sec) ? Math.trunc(sec * 1e6) / 1000 : 0);
    c.ok();
  } else if (sub === 'set-active-expire' && argv.length === 3) {
    c.server.activeExpireEnabled = atoi(argv[2]) !== 0;
    c.ok();
  } else if (sub === 'reload') {
    debugReloadCommand(c, argv);
  } else if (sub === 'populate' && argv.length >= 3 && argv.length <= 5) {
    debugPopulate(c, argv);
  } else if (sub === 'object' && argv.length === 3) {
    // Redis looks the key up without expiring it.
    const v = c.db.data.get(argv[2]);
    if (v === undefined) c.error(E.NO_SUCH_KEY);
    else c.simple(objectInfo(c, argv[2], v));
  } else {
    c.error(E.subcommandSyntax(argv[1], 'debug'));
  }
}

// ---- DEBUG POPULATE -----------------------------------------------------

/** More keys than any heap here holds: Redis's dictTryExpand fails on such counts too. */
const POPULATE_MAX = 2 ** 32;

/**
 * DEBUG POPULATE count [prefix] [size]: string keys prefix:0 .. prefix:count-1
 * (a key already there is left alone) with values "value:N", NUL-padded or
 * cut to `size` bytes when size is given. As in Redis the keys are not
 * propagated (no AOF, no dirty count), and a key name is cut at 127 bytes,
 * the prefix at its first NUL (snprintf into a 128-byte buffer).
 */
function debugPopulate(c: Client, argv: string[]): void {
  const keys = parsePositiveLong(c, argv[2]);
  if (keys === null) return;
  if (keys > POPULATE_MAX) {
    c.error('ERR OOM in dictTryExpand');
    return;
  }
  let size = 0;
  if (argv.length === 5) {
    const n = parsePositiveLong(c, argv[4]);
    if (n === null) return;
    size = n;
  }
  let prefix = argv.length === 3 ? 'key' : argv[3];
  const nul = prefix.indexOf('\x00');
  if (nul >= 0) prefix = prefix.slice(0, nul);
  const db = c.db;
  for (let j = 0; j < keys; j++) {
    let key = prefix + ':' + j;
    if (key.length > 127) key = key.slice(0, 127);
    if (db.getForWrite(key) !== undefined) continue;
    let value = 'value:' + j;
    if (size !== 0) value = size <= value.length ? value.slice(0, size) : value + '\x00'.repeat(size - value.length);
    db.set(key, value);
  }
  c.ok();
}

// ---- DEBUG OBJECT -------------------------------------------------------

const fakeAddresses = new WeakMap<object, string>();
let nextAddress = 0x7f0000100000;

function addressOf(v: Value): string {
  if (typeof v === 'string') return '0x' + (nextAddress += 0x40).toString(16);
  let a = fakeAddresses.get(v);
  if (a === undefined) {
    a = '0x' + (nextAddress += 0x40).toString(16);
    fakeAddresses.set(v, a);
  }
  return a;
}

/** rdbSaveLen's size: 1, 2, 5 or 9 bytes. */
function lenSize(n: number): number {
  if (n < 1 << 6) return 1;
  if (n < 1 << 14) return 2;
  return n <= 0xffffffff ? 5 : 9;
}

/** rdbSaveRawString's size without compression (small integers are saved as integers). */
function rdbStringSize(s: string): number {
  if (s.length <= 11) {
    const n = parseInt64(s);
    if (n !== null) {
      if (n >= -128 && n <= 127) return 2;
      if (n >= -32768 && n <= 32767) return 3;
      if (n >= -2147483648 && n <= 2147483647) return 5;
    }
  }
  return lenSize(s.length) + s.length;
}

/** Bytes one entry takes in a listpack (encoding header + data + back length). */
function listpackEntrySize(s: string): number {
  let body: number;
  const n = s.length <= 20 ? parseInt64(s) : null;
  if (n !== null) {
    if (n >= 0 && n <= 127) body = 1;
    else if (n >= -4096 && n <= 4095) body = 2;
    else if (n >= -32768 && n <= 32767) body = 3;
    else if (n >= -8388608 && n <= 8388607) body = 4;
    else if (n >= -2147483648 && n <= 2147483647) body = 5;
    else body = 9;
  } else {
    const len = s.length;
    body = (len < 64 ? 1 : len < 4096 ? 2 : 5) + len;
  }
  return body + (body < 128 ? 1 : body < 16384 ? 2 : body < 2097152 ? 3 : body < 268435456 ? 4 : 5);
}

/** The quicklist a Redis 7.0 list of these items would have (fill = list-max-listpack-size). */
function quicklistShape(items: readonly string[], fill: number): number[] {
  const maxBytes = fill < 0 ? 4096 << Math.min(-fill - 1, 4) : 8192;
  const nodes: number[] = [];
  let bytes = 0;
  let count = 0;
  for (const it of items) {
    const sz = listpackEntrySize(it);
    // _quicklistNodeAllowInsert: the raw length plus an 8-byte overestimate must stay within the limit.
    const est = bytes + it.length + 8;
    const fits = count > 0 && (fill < 0 ? est <= maxBytes : count < fill && est <= 8192);
    if (!fits && count > 0) {
      nodes.push(bytes);
      bytes = 7;
      count = 0;
    }
    if (count === 0) bytes = 7;
    bytes += sz;
    count++;
  }
  if (count > 0) nodes.push(bytes);
  return nodes;
}

interface Iterable {
  toArray?: () => string[];
  members?: () => readonly string[];
  fieldAt?: (i: number) => string;
  valueAt?: (i: number) => string;
}

/** The elements of a collection as RDB would save them, where the value type exposes them. */
function elementsOf(v: Value): string[] {
  if (typeof v === 'string') return [v];
  const it = v as unknown as Iterable;
  if (it.toArray) return it.toArray();
  if (it.members) return [...it.members()];
  if (it.fieldAt && it.valueAt) {
    const out: string[] = [];
    for (let i = 0; i < v.size; i++) out.push(it.fieldAt(i), it.valueAt(i));
    return out;
  }
  return [];
}

function objectInfo(c: Client, key: string, v: Value): string {
  const lru = Math.floor(Date.now() / 1000) & 0xffffff;
  let encoding: string;
  let serialized: number;
  let refcount = 1;
  let extra = '';
  if (typeof v === 'string') {
    encoding = stringEncodingOf(c.db, key, v);
    const n = encoding === 'int' ? parseInt64(v) : null;
    // Redis shares the objects of the integers 0..9999.
    if (n !== null && n >= 0 && n < 10000) refcount = 2147483647;
    serialized = rdbStringSize(v);
  } else if (v.type === 'list') {
    encoding = v.encoding();
    const items = elementsOf(v);
    const fill = c.server.config.int('list-max-listpack-size');
    const nodes = quicklistShape(items, fill);
    const total = nodes.reduce((a, b) => a + b, 0);
    serialized = lenSize(nodes.length) + nodes.reduce((a, b) => a + 1 + lenSize(b) + b, 0);
    const avg = nodes.length > 0 ? items.length / nodes.length : 0;
    const compressed = c.server.config.int('list-compress-depth') !== 0 ? 1 : 0;
    extra =
      ` ql_nodes:${nodes.length} ql_avg_node:${avg.toFixed(2)} ql_listpack_max:${fill}` +
      ` ql_compressed:${compressed} ql_uncompressed_size:${total}`;
  } else {
    encoding = v.encoding();
    const els = elementsOf(v);
    serialized = lenSize(v.size) + els.reduce((a, s) => a + rdbStringSize(s), 0);
  }
  return (
    `Value at:${addressOf(v)} refcount:${refcount} encoding:${encoding} serializedlength:${serialized}` +
    ` lru:${lru} lru_seconds_idle:0${extra}`
  );
}

export const commands: Record<string, Handler> = {
  debug: debugCommand,
};
