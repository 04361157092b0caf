/**
 * Every configuration directive kevy understands: its type, default, whether
 * CONFIG SET may change it at runtime, and how its value is checked.
 *
 * The same table serves kevy.conf, `--directive value` on the command line,
 * CONFIG GET / SET / REWRITE, `kevy-server --help` and INFO. A directive Redis
 * has but kevy does not (./redis-directives.ts) is refused with a clear
 * message, never ignored.
 *
 * Values are kept in their canonical string form (what CONFIG GET prints).
 * Ranges and error texts are Redis 7.0's (config.c's standardConfig table).
 *
 * To add a directive: append an entry in its section; `help` is the paragraph
 * kevy.conf and --help show. A layer that must react to a change registers
 * config.onChange() (see server.ts).
 */

import { parseMemory } from './config';
import { formatNotifyFlags, parseNotifyFlags } from '../server/notify';
import { parseDouble } from '../util/numbers';

export type DirectiveType = 'bool' | 'int' | 'memory' | 'string' | 'enum' | 'list';

export interface Directive {
  name: string;
  type: DirectiveType;
  /** Canonical default ('' for none). */
  default: string;
  /** False: CONFIG SET answers "can't set immutable config". */
  mutable: boolean;
  /** CONFIG SET refuses it unless enable-protected-configs allows ("can't set protected config"). */
  protected?: boolean;
  /**
   * Mutable in Redis, but kevy cannot apply a change while running (rebinding
   * listeners): CONFIG SET to a different value is refused with this reason.
   */
  restartOnly?: boolean;
  /** Inclusive range of int and memory values. */
  min?: number | bigint;
  max?: number | bigint;
  /** Accepted values of an enum (lower-case; CONFIG GET prints them so). */
  values?: string[];
  /** Other names accepted for the same directive (the old ziplist names). */
  aliases?: string[];
  /**
   * Redis's MULTI_ARG_CONFIG: in a config file or on the command line, a
   * lone argument is split again like a line (sdssplitargs: runs of blanks,
   * quotes), so `"50  99"` is two values; CONFIG SET splits at each space.
   */
  multiArg?: boolean;
  /** Repeated lines in one file append to each other (like redis.conf's `save`). */
  accumulate?: boolean;
  /**
   * A directive with its own syntax: the canonical value from the arguments
   * and the current value (a partial client-output-buffer-limit keeps the
   * other classes), or the reason it is refused. Replaces the type's checks.
   */
  parse?: (args: string[], current: string) => { value: string } | { reason: string };
  /** Final adjustment of a valid canonical value (hz is clamped to 1..500). */
  adjust?: (value: string) => string;
  /** The section of kevy.conf and --help it is listed in. */
  section: string;
  /** What it does, for kevy.conf and --help (one or more sentences). */
  help: string;
}

export const INT_MIN = -2147483648;
export const INT_MAX = 2147483647;
export const UINT_MAX = 4294967295;
export const LLONG_MAX = 2n ** 63n - 1n;

const clampHz = (v: string): string => String(Math.max(1, Math.min(500, Number(v))));

/** notify-keyspace-events: event class characters, kept in Redis's canonical order. */
function parseNotify(args: string[]): { value: string } | { reason: string } {
  if (args.length !== 1) return { reason: 'wrong number of arguments' };
  const flags = parseNotifyFlags(args[0]);
  if (flags === null) return { reason: "Invalid event class character. Use 'Ag$lshzxeKEtmdn'." };
  return { value: formatNotifyFlags(flags) };
}

/** The client classes of client-output-buffer-limit, in CONFIG GET order. */
export const OBUF_CLASSES = ['normal', 'slave', 'pubsub'] as const;

/**
 * client-output-buffer-limit: groups of `<class> <hard> <soft> <soft-seconds>`
 * (replica is slave; sizes take memory units); classes not named keep their
 * current limits. Canonical form: `normal 0 0 0 slave 268435456 67108864 60 pubsub ...`.
 */
function parseObufLimits(args: string[], current: string): { value: string } | { reason: string } {
  const words = args.join(' ').split(' ').filter(Boolean);
  if (words.length % 4 !== 0) return { reason: 'Wrong number of arguments in buffer limit configuration.' };
  const cur = current.split(' ');
  const limits = new Map<string, string>();
  for (let i = 0; i < cur.length; i += 4) limits.set(cur[i], cur.slice(i + 1, i + 4).join(' '));
  for (let i = 0; i < words.length; i += 4) {
    let cls = words[i].toLowerCase();
    if (cls === 'replica') cls = 'slave';
    if (!(OBUF_CLASSES as readonly string[]).includes(cls)) {
      return { reason: 'Invalid client class specified in buffer limit configuration.' };
    }
    const hard = parseMemory(words[i + 1]);
    const soft = parseMemory(words[i + 2]);
    if (hard === null || soft === null || !/^[+-]?\d+$/.test(words[i + 3]) || Number(words[i + 3]) < 0) {
      return { reason: 'Error in hard, soft or soft_seconds setting in buffer limit configuration.' };
    }
    limits.set(cls, `${hard} ${soft} ${Number(words[i + 3])}`);
  }
  return { value: OBUF_CLASSES.map((cls) => `${cls} ${limits.get(cls)}`).join(' ') };
}

/**
 * save: pairs of `<seconds> <changes>` (setConfigSaveOption). Every word is
 * a whole number as strtoll reads it (an empty word is 0: "10 " is 10 0, as
 * in Redis), seconds >= 1 and changes >= 0; a single "" means no save points.
 */
function parseSave(value: string[]): { value: string } | { reason: string } {
  if (value.length === 1 && value[0] === '') return { value: '' };
  // CONFIG SET passes the value split at each space; the embedding API may pass it whole.
  const args = value.flatMap((a) => a.split(' '));
  const bad = { reason: 'Invalid save parameters' };
  if (args.length % 2 !== 0) return bad;
  const nums: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const m = /^[ \t\n\v\f\r]*([+-]?\d+)?$/.exec(args[i]);
    if (m === null || (m[1] === undefined && args[i] !== '')) return bad;
    const n = m[1] === undefined ? 0n : BigInt(m[1]);
    if ((i % 2 === 0 && n < 1n) || (i % 2 === 1 && n < 0n)) return bad;
    nums.push(String(n > LLONG_MAX ? LLONG_MAX : n));
  }
  return { value: nums.join(' ') };
}

/**
 * latency-tracking-info-percentiles (setConfigLatencyTrackingInfoPercentilesOutputOption):
 * numbers as string2d reads them, split at each single space (two spaces in
 * a row make an empty, invalid one), each in [0, 100]; none is allowed.
 * Canonical form: each printed with %f, trailing zeros trimmed.
 */
function parsePercentiles(value: string[]): { value: string } | { reason: string } {
  const all = value.join(' ');
  if (all === '') return { value: '' };
  const out: string[] = [];
  for (const tok of all.split(' ')) {
    const p = parseDouble(tok);
    if (p === null) return { reason: 'Invalid latency-tracking-info-percentiles parameters' };
    if (p > 100 || p < 0) return { reason: 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]' };
    out.push(String(Number(p.toFixed(6))));
  }
  return { value: out.join(' ') };
}

/** dbfilename (isValidDBfilename): a file name in dir, not a path. */
function parseDbfilename(args: string[]): { value: string } | { reason: string } {
  if (args.length !== 1) return { reason: 'wrong number of arguments' };
  if (args[0].includes('/')) return { reason: "dbfilename can't be a path, just a filename" };
  return { value: args[0] };
}

export const DIRECTIVES: Directive[] = [
  // network
  { name: 'bind', type: 'list', default: '127.0.0.1 -::1', mutable: true, restartOnly: true, section: 'NETWORK',
    help: 'Addresses to listen on, one or more. A leading "-" marks an address as optional: startup goes on if it is unavailable. "*" is every IPv4 address and "::*" every IPv6 one (bind * -::* listens on all interfaces).' },
  { name: 'port', type: 'int', default: '6379', mutable: true, restartOnly: true, min: 0, max: 65535, section: 'NETWORK',
    help: 'TCP port to accept connections on.' },
  { name: 'protected-mode', type: 'bool', default: 'yes', mutable: true, section: 'NETWORK',
    help: 'When yes and no requirepass is set, only clients from the loopback interface are accepted.' },
  { name: 'tcp-backlog', type: 'int', default: '511', mutable: false, min: 0, max: INT_MAX, section: 'NETWORK',
    help: 'Backlog of the listen() call: pending connections the kernel queues.' },
  { name: 'timeout', type: 'int', default: '0', mutable: true, min: 0, max: INT_MAX, section: 'NETWORK',
    help: 'Close a client after it is idle for this many seconds (0 disables).' },
  { name: 'tcp-keepalive', type: 'int', default: '300', mutable: true, min: 0, max: INT_MAX, section: 'NETWORK',
    help: 'Send TCP keepalives to idle clients every this many seconds (0 disables).' },
  // general
  { name: 'databases', type: 'int', default: '16', mutable: false, min: 1, max: INT_MAX, section: 'GENERAL',
    help: 'Number of databases; SELECT picks one of 0 .. databases-1.' },
  { name: 'dir', type: 'string', default: './data', mutable: true, protected: true, section: 'GENERAL',
    help: 'Working directory for data files, created at startup when missing. Default: $DATA_DIR when set, else ./data.' },
  { name: 'hz', type: 'int', default: '10', mutable: true, min: 0, max: INT_MAX, adjust: clampHz, section: 'GENERAL',
    help: 'Frequency of background tasks per second (active expiry, client timeouts), clamped to 1..500.' },
  { name: 'loglevel', type: 'enum', default: 'notice', mutable: true, values: ['debug', 'verbose', 'notice', 'warning'], section: 'GENERAL',
    help: 'Log verbosity: debug, verbose, notice or warning.' },
  { name: 'logfile', type: 'string', default: '', mutable: false, section: 'GENERAL',
    help: 'Log file name; the empty string logs to standard output.' },
  { name: 'pidfile', type: 'string', default: '', mutable: false, section: 'GENERAL',
    help: 'Write the process id to this file at startup and remove it at exit (empty: no pid file).' },
  { name: 'enable-debug-command', type: 'enum', default: 'no', mutable: false, values: ['no', 'yes', 'local'], section: 'GENERAL',
    help: 'Allow the DEBUG command: no, yes, or local (only from loopback clients).' },
  { name: 'enable-protected-configs', type: 'enum', default: 'no', mutable: false, values: ['no', 'yes', 'local'], section: 'GENERAL',
    help: 'Allow CONFIG SET of protected configs (dir): no, yes, or local.' },
  // snapshotting (src/persistence/snapshot.ts)
  { name: 'save', type: 'list', default: '3600 1 300 100 60 10000', mutable: true, accumulate: true, parse: parseSave, section: 'SNAPSHOTTING',
    help: 'Save points: `save <seconds> <changes>` starts a background save (BGSAVE) when at least <changes> writes happened and more than <seconds> passed since the last save. Several lines or pairs add up; save "" disables them (SAVE and BGSAVE still work). With save points set, SHUTDOWN and SIGTERM save before exiting.' },
  { name: 'stop-writes-on-bgsave-error', type: 'bool', default: 'yes', mutable: true, section: 'SNAPSHOTTING',
    help: 'When the last background save failed and save points are set, refuse write commands (and PING) with -MISCONF until a save succeeds.' },
  { name: 'rdbcompression', type: 'bool', default: 'yes', mutable: true, section: 'SNAPSHOTTING',
    help: 'LZF-compress strings longer than 20 bytes in the dump when that makes them smaller.' },
  { name: 'rdbchecksum', type: 'bool', default: 'yes', mutable: false, section: 'SNAPSHOTTING',
    help: 'Write a CRC64 at the end of the dump and check it when loading (no: write zeros, which loaders never check).' },
  { name: 'dbfilename', type: 'string', default: 'dump.rdb', mutable: true, protected: true, parse: parseDbfilename, section: 'SNAPSHOTTING',
    help: 'File name of the dump, inside dir. It is written through temp-<pid>.rdb, fsync and rename, so a crash leaves the old or the new dump, never a torn one; it is loaded at startup when appendonly is no (a damaged file stops startup).' },
  // security
  { name: 'requirepass', type: 'string', default: '', mutable: true, section: 'SECURITY',
    help: 'Password clients must send with AUTH (empty: no password). A change applies to AUTHs that follow.' },
  // clients and limits
  { name: 'maxclients', type: 'int', default: '10000', mutable: true, min: 1, max: UINT_MAX, section: 'LIMITS',
    help: 'Maximum number of connected clients; more are refused with an error.' },
  { name: 'proto-max-bulk-len', type: 'memory', default: '536870912', mutable: true, min: 1024 * 1024, max: LLONG_MAX, section: 'LIMITS',
    help: 'Largest bulk string a client may send.' },
  { name: 'client-query-buffer-limit', type: 'memory', default: '1073741824', mutable: true, min: 1024 * 1024, max: LLONG_MAX, section: 'LIMITS',
    help: 'Largest unparsed input a client may accumulate; the client is closed beyond it.' },
  { name: 'client-output-buffer-limit', type: 'list', default: 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60',
    mutable: true, parse: parseObufLimits, section: 'LIMITS',
    help: 'Output buffer limits per client class: <class> <hard> <soft> <soft-seconds>, class normal, replica or pubsub. A client whose pending output reaches the hard limit, or stays above the soft limit for soft-seconds, is disconnected (0 disables a limit).' },
  { name: 'tracking-table-max-keys', type: 'int', default: '1000000', mutable: true, min: 0, max: LLONG_MAX, section: 'LIMITS',
    help: 'Keys remembered for client side caching (CLIENT TRACKING); beyond it the oldest are forgotten and their clients told to drop them (0: no limit).' },
  // keyspace notifications
  { name: 'notify-keyspace-events', type: 'string', default: '', mutable: true, parse: parseNotify, section: 'EVENT NOTIFICATION',
    help: 'Keyspace events published to Pub/Sub, as class characters: K keyspace channel, E keyevent channel, g generic, $ string, l list, s set, h hash, z zset, x expired, e evicted, t stream, m key miss, d module, n new key, A alias for g$lshzxetd. Empty disables notifications.' },
  // latency tools
  { name: 'slowlog-log-slower-than', type: 'int', default: '10000', mutable: true, min: -1, max: LLONG_MAX, section: 'SLOW LOG',
    help: 'Log commands slower than this many microseconds (0 logs all, -1 disables).' },
  { name: 'slowlog-max-len', type: 'int', default: '128', mutable: true, min: 0, max: LLONG_MAX, section: 'SLOW LOG',
    help: 'Entries kept in the slow log.' },
  { name: 'latency-monitor-threshold', type: 'int', default: '0', mutable: true, min: 0, max: LLONG_MAX, section: 'LATENCY MONITOR',
    help: 'Record events slower than this many milliseconds (0 disables).' },
  { name: 'latency-tracking', type: 'bool', default: 'yes', mutable: true, section: 'LATENCY TRACKING',
    help: 'Keep a latency histogram per command for INFO latencystats (no: nothing is recorded or shown).' },
  { name: 'latency-tracking-info-percentiles', type: 'list', default: '50 99 99.9', mutable: true, multiArg: true, parse: parsePercentiles, section: 'LATENCY TRACKING',
    help: 'The percentiles INFO latencystats shows, each between 0 and 100 (none: empty).' },
  // append only file (src/persistence/aof*.ts)
  { name: 'appendonly', type: 'bool', default: 'no', mutable: true, section: 'APPEND ONLY MODE',
    help: 'Log every write to the append-only file (AOF) and load it at startup. CONFIG SET appendonly yes at runtime writes a base of the current data first (a rewrite); no stops logging.' },
  { name: 'appendfilename', type: 'string', default: 'appendonly.aof', mutable: false, section: 'APPEND ONLY MODE',
    help: 'Base name of the AOF files: <name>.<seq>.base.rdb|aof, <name>.<seq>.incr.aof and the manifest <name>.manifest.' },
  { name: 'appenddirname', type: 'string', default: 'appendonlydir', mutable: false, section: 'APPEND ONLY MODE',
    help: 'Directory, inside dir, holding the AOF files and their manifest (the layout of Redis 7.0).' },
  { name: 'appendfsync', type: 'enum', default: 'everysec', mutable: true, values: ['always', 'everysec', 'no'], section: 'APPEND ONLY MODE',
    help: 'When the AOF reaches the disk: always (no reply before its write is fsynced; the writes of one event-loop turn share one fsync), everysec (fsync once a second: a crash loses at most about the last second), no (the kernel decides).' },
  { name: 'no-appendfsync-on-rewrite', type: 'bool', default: 'no', mutable: true, section: 'APPEND ONLY MODE',
    help: 'Skip fsync while an AOF rewrite runs (replies are not held then, even with appendfsync always).' },
  { name: 'auto-aof-rewrite-percentage', type: 'int', default: '100', mutable: true, min: 0, max: INT_MAX, section: 'APPEND ONLY MODE',
    help: 'Rewrite the AOF automatically when it grew by this percentage since the last rewrite (0 disables).' },
  { name: 'auto-aof-rewrite-min-size', type: 'memory', default: '67108864', mutable: true, min: 0, max: LLONG_MAX, section: 'APPEND ONLY MODE',
    help: 'No automatic rewrite while the AOF is smaller than this.' },
  { name: 'aof-load-truncated', type: 'bool', default: 'yes', mutable: true, section: 'APPEND ONLY MODE',
    help: 'At startup, a last command cut short at the end of the last AOF file (a crash while writing) is removed with a warning and loading goes on; no: startup stops.' },
  { name: 'aof-load-corrupt-tail-max-size', type: 'memory', default: '4096', mutable: true, min: 0, max: LLONG_MAX, section: 'APPEND ONLY MODE',
    help: 'With aof-load-truncated yes, zero bytes or garbage of at most this size after the last complete command of the last AOF file are removed too (copied first to a .quarantine file beside it). Corruption anywhere else stops startup.' },
  { name: 'aof-use-rdb-preamble', type: 'bool', default: 'yes', mutable: true, section: 'APPEND ONLY MODE',
    help: 'Write the AOF base file as an RDB snapshot (faster to load); no: as RESP commands.' },
  { name: 'aof-timestamp-enabled', type: 'bool', default: 'no', mutable: true, section: 'APPEND ONLY MODE',
    help: 'Write #TS:<unix time> annotations into the AOF when the second changes (Redis 7.0 format; ignored when loading).' },
  // encodings (OBJECT ENCODING follows them)
  { name: 'hash-max-listpack-entries', type: 'int', default: '512', mutable: true, min: 0, max: LLONG_MAX, aliases: ['hash-max-ziplist-entries'], section: 'ADVANCED CONFIG',
    help: 'Hashes with up to this many fields use the compact listpack encoding.' },
  { name: 'hash-max-listpack-value', type: 'memory', default: '64', mutable: true, min: 0, max: LLONG_MAX, aliases: ['hash-max-ziplist-value'], section: 'ADVANCED CONFIG',
    help: 'Hashes whose fields and values are all at most this long use the listpack encoding.' },
  { name: 'zset-max-listpack-entries', type: 'int', default: '128', mutable: true, min: 0, max: LLONG_MAX, aliases: ['zset-max-ziplist-entries'], section: 'ADVANCED CONFIG',
    help: 'Sorted sets with up to this many members use the listpack encoding.' },
  { name: 'zset-max-listpack-value', type: 'memory', default: '64', mutable: true, min: 0, max: LLONG_MAX, aliases: ['zset-max-ziplist-value'], section: 'ADVANCED CONFIG',
    help: 'Sorted sets whose members are all at most this long use the listpack encoding.' },
  { name: 'set-max-intset-entries', type: 'int', default: '512', mutable: true, min: 0, max: LLONG_MAX, section: 'ADVANCED CONFIG',
    help: 'Sets of integers with up to this many members use the intset encoding.' },
  { name: 'list-max-listpack-size', type: 'int', default: '-2', mutable: true, min: INT_MIN, max: INT_MAX, aliases: ['list-max-ziplist-size'], section: 'ADVANCED CONFIG',
    help: 'Size of each list node: positive, a number of entries; -1 .. -5, a byte limit of 4, 8, 16, 32 or 64 kb.' },
  { name: 'list-compress-depth', type: 'int', default: '0', mutable: true, min: 0, max: INT_MAX, section: 'ADVANCED CONFIG',
    help: 'List nodes kept uncompressed at each end (0 disables compression).' },
];

/** Directives by lower-case name, aliases included. */
export const BY_NAME = new Map<string, Directive>();
for (const d of DIRECTIVES) {
  BY_NAME.set(d.name, d);
  for (const a of d.aliases ?? []) BY_NAME.set(a, d);
}

/** Directives only a config file may hold (not configs: CONFIG GET does not know them). */
export const FILE_ONLY_HELP: Record<string, [args: string, help: string]> = {
  include: ['<path>', 'Include another config file (its lines are read at this point; later lines win).'],
  user: [
    'default <rule> ...',
    'The default user, as Redis\'s CONFIG REWRITE writes it (user default on nopass ~* &* +@all). kevy has no ACL yet: the rules may set its passwords (nopass, >password, #<sha256>) but must keep on ~* &* +@all. Applied after the whole configuration, so it wins over requirepass.',
  ],
};

/** Refusal of a Redis directive kevy does not implement: `'appendonly' <hint>`. */
export const NOT_SUPPORTED_HINT = 'is a Redis directive that kevy does not support yet';
