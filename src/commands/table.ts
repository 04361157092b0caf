/**
 * The command table: one entry per command kevy implements, with the
 * metadata Redis 7.0 itself reports (arity, flags, key positions, docs).
 *
 * The metadata is data: ./meta.json is generated from a real redis-server
 * 7.0 by scripts/gen-command-meta.mjs (COMMAND INFO + COMMAND DOCS). The
 * handlers come from one file per family; a handler whose name has no
 * metadata is a bug and stops startup.
 *
 * Container commands (CLIENT, CONFIG, OBJECT, ...) hold subcommands keyed by
 * their lower-case name; their handlers are registered as `client|list`.
 *
 *   const cmd = lookupCommand(['client', 'list']);   // the client|list entry
 */
import meta from './meta.json';
import type { Client } from '../server/client';
import type { LatencyHistogram } from '../server/histogram';

/** A command body. It replies through the client; the dispatcher has already checked arity and auth. */
export type Handler = (c: Client, argv: string[]) => void;

/** RESP3-typed metadata as generated: {s}, {set}, {map}, arrays, strings, numbers. */
export type Meta = unknown;

export interface CommandStats {
  calls: number;
  usec: number;
  rejectedCalls: number;
  failedCalls: number;
  /** Its latency histogram (INFO latencystats, LATENCY HISTOGRAM), made at its first call since start or CONFIG RESETSTAT. */
  latency: LatencyHistogram | null;
}

export interface Command {
  /** Lower-case full name: `get`, `client|list`. */
  readonly name: string;
  readonly arity: number;
  readonly flags: ReadonlySet<string>;
  readonly firstKey: number;
  readonly lastKey: number;
  readonly keyStep: number;
  readonly isWrite: boolean;
  readonly denyOom: boolean;
  /**
   * Its key lookups count as INFO keyspace_hits/misses: the commands whose
   * keys Redis reads with lookupKeyRead (the read-only ones, and the
   * writes in READ_LOOKUP_WRITES).
   */
  readonly countsLookups: boolean;
  /**
   * Flags the hooks run after every command test, as booleans: a Set lookup
   * per flag per command was ~5% of SET's in-process time, with the
   * histogram Map INFO kept per command.
   */
  readonly isFast: boolean;
  readonly skipSlowlog: boolean;
  handler: Handler | null;
  subcommands: Map<string, Command> | null;
  /** Raw COMMAND INFO and COMMAND DOCS entries from Redis (for COMMAND). */
  readonly info: Meta[];
  readonly docs: Meta | undefined;
  readonly stats: CommandStats;
}

const RAW_CACHE_MAX = 4096;

type RawMeta = Record<string, { info: Meta[]; docs?: Meta }>;

function flagsOf(info: Meta[]): Set<string> {
  const f = info[2] as { set: { s: string }[] };
  return new Set(f.set.map((x) => x.s));
}

/**
 * Write commands that read (some of) their keys with lookupKeyRead: SET's GET
 * and the GET-family (getGenericCommand), COPY's source, the sources of
 * SUNIONSTORE/SDIFFSTORE/SINTERSTORE, the sorted set stores and BITOP, SORT.
 */
const READ_LOOKUP_WRITES = new Set([
  'set', 'getex', 'getdel', 'getset', 'copy', 'sort', 'bitop',
  'sunionstore', 'sdiffstore', 'sinterstore', 'zunionstore', 'zinterstore', 'zdiffstore', 'zrangestore',
]);

function makeCommand(info: Meta[], docs: Meta | undefined): Command {
  const flags = flagsOf(info);
  const subs = info[9] as Meta[][];
  const cmd: Command = {
    name: info[0] as string,
    arity: info[1] as number,
    flags,
    firstKey: info[3] as number,
    lastKey: info[4] as number,
    keyStep: info[5] as number,
    isWrite: flags.has('write'),
    denyOom: flags.has('denyoom'),
    countsLookups: flags.has('readonly') || READ_LOOKUP_WRITES.has(info[0] as string),
    isFast: flags.has('fast'),
    skipSlowlog: flags.has('skip_slowlog'),
    handler: null,
    subcommands: null,
    info,
    docs,
    stats: { calls: 0, usec: 0, rejectedCalls: 0, failedCalls: 0, latency: null },
  };
  if (subs.length > 0) {
    cmd.subcommands = new Map();
    const subDocs = docsSubcommands(docs);
    for (const s of subs) {
      const full = s[0] as string;
      cmd.subcommands.set(full.slice(full.indexOf('|') + 1), makeCommand(s, subDocs.get(full)));
    }
  }
  return cmd;
}

/** The `subcommands` map of a COMMAND DOCS entry, by full name. */
function docsSubcommands(docs: Meta | undefined): Map<string, Meta> {
  const out = new Map<string, Meta>();
  if (!docs) return out;
  const m = (docs as { map: Meta[] }).map;
  for (let i = 0; i < m.length; i += 2) {
    if (m[i] === 'subcommands') {
      const sm = (m[i + 1] as { map: Meta[] }).map;
      for (let j = 0; j < sm.length; j += 2) out.set(sm[j] as string, sm[j + 1]);
    }
  }
  return out;
}

export class CommandTable {
  /** Implemented commands by lower-case name. */
  readonly commands = new Map<string, Command>();

  constructor(families: Record<string, Handler>[]) {
    const all = meta as unknown as RawMeta;
    for (const family of families) {
      for (const [name, handler] of Object.entries(family)) {
        const [base, sub] = name.split('|');
        const m = all[base];
        if (!m) throw new Error(`command table: no Redis metadata for '${name}'`);
        let cmd = this.commands.get(base);
        if (!cmd) {
          cmd = makeCommand(m.info, m.docs);
          this.commands.set(base, cmd);
        }
        if (sub === undefined) {
          cmd.handler = handler;
        } else {
          const sc = cmd.subcommands?.get(sub);
          if (!sc) throw new Error(`command table: no Redis metadata for '${name}'`);
          sc.handler = handler;
        }
      }
    }
    // A container only lists the subcommands kevy implements.
    for (const cmd of this.commands.values()) {
      if (!cmd.subcommands) continue;
      for (const [k, sc] of cmd.subcommands) if (!sc.handler) cmd.subcommands.delete(k);
    }
  }

  /**
   * Commands by the exact spelling clients send (`SET`, `set`, `Set`), so the
   * hot path does not lower-case every request. Only known names are cached,
   * and at most RAW_CACHE_MAX spellings.
   */
  private readonly byRawName = new Map<string, Command>();
  /**
   * The last name looked up and its command. The request parser hands out
   * the same string object for a name it saw last (parser.ts commandName),
   * so a pipeline of one command compares pointers instead of probing
   * byRawName (Builtins_FindOrderedHashMapEntry: ~2% of kevy's CPU at GET
   * -P 16 under perf).
   */
  private lastName: string | null = null;
  private lastCmd: Command | null = null;

  /** The command for argv (a subcommand when argv[0] is a container), or undefined. */
  lookup(argv: string[]): Command | undefined {
    const name = argv[0];
    let cmd: Command | undefined;
    if (name === this.lastName) {
      cmd = this.lastCmd!;
    } else {
      cmd = this.byRawName.get(name);
      if (cmd === undefined) {
        cmd = this.commands.get(name.toLowerCase());
        if (cmd === undefined) return undefined;
        if (this.byRawName.size < RAW_CACHE_MAX) this.byRawName.set(name, cmd);
      }
      this.lastName = name;
      this.lastCmd = cmd;
    }
    if (cmd.subcommands === null || argv.length === 1) return cmd;
    return cmd.subcommands.get(argv[1].toLowerCase());
  }

  /** Every implemented command and subcommand, for COMMAND and INFO commandstats. */
  *all(): IterableIterator<Command> {
    for (const cmd of this.commands.values()) {
      yield cmd;
      if (cmd.subcommands) yield* cmd.subcommands.values();
    }
  }

  /** Key positions of argv according to the command's first/last/step (COMMAND GETKEYS, MULTI WATCH). */
  static keysOf(cmd: Command, argv: string[]): number[] {
    const out: number[] = [];
    if (cmd.firstKey <= 0) return out;
    const last = cmd.lastKey < 0 ? argv.length + cmd.lastKey : cmd.lastKey;
    for (let i = cmd.firstKey; i <= last && i < argv.length; i += cmd.keyStep || 1) out.push(i);
    return out;
  }
}
