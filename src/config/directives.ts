/**
 * Every configuration directive kevy understands: its type, default, whether
 * CONFIG SET may change it at runtime, and how its value is checked.
 *
 * The same table serves kevy.conf, `--directive value` on the command line,
 * CONFIG GET / SET / REWRITE and INFO. A directive Redis has but kevy does
 * not is refused with a clear message (see ./load.ts), never ignored.
 *
 * Values are kept in their canonical string form (what CONFIG GET prints) and
 * in a typed form in Config.
 */

export type DirectiveType = 'bool' | 'int' | 'memory' | 'string' | 'enum' | 'list';

export interface Directive {
  name: string;
  type: DirectiveType;
  default: string;
  /** False for directives CONFIG SET refuses ("can't set protected config" / immutable). */
  mutable: boolean;
  /** Refused by CONFIG SET unless enable-protected-configs (dir, dbfilename, ...). */
  protected?: boolean;
  min?: number;
  max?: number;
  values?: string[];
  /** Other names accepted for the same directive (old ziplist names). */
  aliases?: string[];
  /** One line for kevy.conf and --help. */
  help: string;
}

const INT_MAX = 2147483647;
const LLONG_MAX = Number.MAX_SAFE_INTEGER;

export const DIRECTIVES: Directive[] = [
  // network
  { name: 'bind', type: 'list', default: '127.0.0.1 -::1', mutable: true, help: 'addresses to listen on' },
  { name: 'port', type: 'int', default: '6379', mutable: true, min: 0, max: 65535, help: 'TCP port (0: do not listen)' },
  { name: 'protected-mode', type: 'bool', default: 'yes', mutable: true, help: 'refuse non-loopback clients when no password is set' },
  { name: 'tcp-backlog', type: 'int', default: '511', mutable: false, min: 0, max: INT_MAX, help: 'listen() backlog' },
  { name: 'timeout', type: 'int', default: '0', mutable: true, min: 0, max: INT_MAX, help: 'close a client idle for N seconds (0: never)' },
  { name: 'tcp-keepalive', type: 'int', default: '300', mutable: true, min: 0, max: INT_MAX, help: 'TCP keepalive interval in seconds' },
  { name: 'maxclients', type: 'int', default: '10000', mutable: true, min: 1, max: INT_MAX, help: 'maximum number of connected clients' },
  // security
  { name: 'requirepass', type: 'string', default: '', mutable: true, help: 'password of the default user (empty: none)' },
  // general
  { name: 'databases', type: 'int', default: '16', mutable: false, min: 1, max: INT_MAX, help: 'number of databases' },
  { name: 'dir', type: 'string', default: './data', mutable: true, protected: true, help: 'working directory for data files ($DATA_DIR when set)' },
  { name: 'hz', type: 'int', default: '10', mutable: true, min: 0, max: INT_MAX, help: 'background tasks per second (active expiry, timeouts)' },
  { name: 'loglevel', type: 'enum', default: 'notice', mutable: true, values: ['debug', 'verbose', 'notice', 'warning', 'nothing'], help: 'log verbosity' },
  { name: 'logfile', type: 'string', default: '', mutable: false, help: 'log file (empty: standard output)' },
  { name: 'pidfile', type: 'string', default: '', mutable: false, help: 'write the process id to this file' },
  { name: 'enable-debug-command', type: 'enum', default: 'no', mutable: false, values: ['yes', 'no', 'local'], help: 'allow DEBUG (yes, no, local)' },
  { name: 'enable-protected-configs', type: 'enum', default: 'no', mutable: false, values: ['yes', 'no', 'local'], help: 'allow CONFIG SET of protected configs (dir, dbfilename)' },
  // limits
  { name: 'proto-max-bulk-len', type: 'memory', default: '536870912', mutable: true, min: 1024 * 1024, max: LLONG_MAX, help: 'largest bulk string a client may send' },
  { name: 'client-query-buffer-limit', type: 'memory', default: '1073741824', mutable: true, min: 1024 * 1024, max: LLONG_MAX, help: 'largest unparsed input per client' },
  // latency tools
  { name: 'slowlog-log-slower-than', type: 'int', default: '10000', mutable: true, min: -1, max: LLONG_MAX, help: 'log commands slower than N microseconds (-1: off)' },
  { name: 'slowlog-max-len', type: 'int', default: '128', mutable: true, min: 0, max: LLONG_MAX, help: 'entries kept in the slow log' },
  { name: 'latency-monitor-threshold', type: 'int', default: '0', mutable: true, min: 0, max: LLONG_MAX, help: 'record events slower than N ms (0: off)' },
  // encodings (OBJECT ENCODING follows them)
  { name: 'hash-max-listpack-entries', type: 'int', default: '512', mutable: true, min: 0, max: LLONG_MAX, aliases: ['hash-max-ziplist-entries'], help: 'hashes up to this many fields are listpacks' },
  { name: 'hash-max-listpack-value', type: 'int', default: '64', mutable: true, min: 0, max: LLONG_MAX, aliases: ['hash-max-ziplist-value'], help: 'hash fields and values up to this size keep a listpack' },
  { name: 'zset-max-listpack-entries', type: 'int', default: '128', mutable: true, min: 0, max: LLONG_MAX, aliases: ['zset-max-ziplist-entries'], help: 'sorted sets up to this many members are listpacks' },
  { name: 'zset-max-listpack-value', type: 'int', default: '64', mutable: true, min: 0, max: LLONG_MAX, aliases: ['zset-max-ziplist-value'], help: 'sorted set members up to this size keep a listpack' },
  { name: 'set-max-intset-entries', type: 'int', default: '512', mutable: true, min: 0, max: LLONG_MAX, help: 'integer sets up to this size are intsets' },
  { name: 'list-max-listpack-size', type: 'int', default: '-2', mutable: true, min: -5, max: INT_MAX, aliases: ['list-max-ziplist-size'], help: 'list node size (negative: -1 4kb ... -5 64kb)' },
  { name: 'list-compress-depth', type: 'int', default: '0', mutable: true, min: 0, max: INT_MAX, help: 'list nodes left uncompressed at each end' },
];

export const BY_NAME = new Map<string, Directive>();
for (const d of DIRECTIVES) {
  BY_NAME.set(d.name, d);
  for (const a of d.aliases ?? []) BY_NAME.set(a, d);
}

/** Redis directives kevy knows of but does not implement yet: refused with this message. */
export const NOT_SUPPORTED_HINT = 'is a Redis directive that kevy does not support yet';
