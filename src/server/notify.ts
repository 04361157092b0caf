/**
 * Keyspace notifications (notify.c): when `notify-keyspace-events` enables
 * a class of events, a command that changes a key publishes
 *
 *   __keyspace@<db>__:<key>    with the event name as the message (flag K)
 *   __keyevent@<db>__:<event>  with the key as the message (flag E)
 *
 * Classes: g generic, $ string, l list, s set, h hash, z zset, x expired,
 * e evicted, t stream, d module, m key-miss, n new key; A = g$lshzxetd.
 *
 *   notify(c.server, NOTIFY.GENERIC, 'del', key, c.db.id);
 */
import type { Command } from '../commands/table';
import type { Server } from './server';

export const NOTIFY = {
  KEYSPACE: 1 << 0,
  KEYEVENT: 1 << 1,
  GENERIC: 1 << 2,
  STRING: 1 << 3,
  LIST: 1 << 4,
  SET: 1 << 5,
  HASH: 1 << 6,
  ZSET: 1 << 7,
  EXPIRED: 1 << 8,
  EVICTED: 1 << 9,
  STREAM: 1 << 10,
  KEY_MISS: 1 << 11,
  LOADED: 1 << 12,
  MODULE: 1 << 13,
  NEW: 1 << 14,
} as const;

const ALL =
  NOTIFY.GENERIC | NOTIFY.STRING | NOTIFY.LIST | NOTIFY.SET | NOTIFY.HASH | NOTIFY.ZSET |
  NOTIFY.EXPIRED | NOTIFY.EVICTED | NOTIFY.STREAM | NOTIFY.MODULE;

const CHARS: [string, number][] = [
  ['g', NOTIFY.GENERIC],
  ['$', NOTIFY.STRING],
  ['l', NOTIFY.LIST],
  ['s', NOTIFY.SET],
  ['h', NOTIFY.HASH],
  ['z', NOTIFY.ZSET],
  ['x', NOTIFY.EXPIRED],
  ['e', NOTIFY.EVICTED],
  ['K', NOTIFY.KEYSPACE],
  ['E', NOTIFY.KEYEVENT],
  ['t', NOTIFY.STREAM],
  ['m', NOTIFY.KEY_MISS],
  ['d', NOTIFY.MODULE],
  ['n', NOTIFY.NEW],
];

/** keyspaceEventsStringToFlags: the flags, or null for an unknown character. */
export function parseNotifyFlags(s: string): number | null {
  let flags = 0;
  for (const ch of s) {
    if (ch === 'A') {
      flags |= ALL;
      continue;
    }
    const e = CHARS.find(([c]) => c === ch);
    if (!e) return null;
    flags |= e[1];
  }
  return flags;
}

/** keyspaceEventsFlagsToString: the canonical form CONFIG GET prints. */
export function formatNotifyFlags(flags: number): string {
  let out = '';
  if ((flags & ALL) === ALL) {
    out += 'A';
  } else {
    for (const [ch, f] of CHARS) {
      if (f === NOTIFY.KEYSPACE || f === NOTIFY.KEYEVENT || f === NOTIFY.KEY_MISS || f === NOTIFY.NEW) continue;
      if (flags & f) out += ch;
    }
    // Redis prints `n` only when not all classes are on (A hides it).
    if (flags & NOTIFY.NEW) out += 'n';
  }
  if (flags & NOTIFY.KEYSPACE) out += 'K';
  if (flags & NOTIFY.KEYEVENT) out += 'E';
  if (flags & NOTIFY.KEY_MISS) out += 'm';
  return out;
}

/** Publishes a keyspace event if its class is enabled. */
export function notify(server: Server, type: number, event: string, key: string, dbid: number): void {
  const flags = server.notifyFlags;
  if (flags === 0 || !(flags & type)) return;
  if (flags & NOTIFY.KEYSPACE) server.pubsub.publish(`__keyspace@${dbid}__:${key}`, event);
  if (flags & NOTIFY.KEYEVENT) server.pubsub.publish(`__keyevent@${dbid}__:${event}`, key);
}

/**
 * `keymiss` events (class m): Redis publishes one for each key a read
 * lookup does not find (lookupKeyRead). kevy derives them after each
 * read-only command from its key arguments, in order, duplicates included;
 * a command that failed before its lookups (a syntax error) and OBJECT /
 * MEMORY USAGE (NONOTIFY lookups) publish none. Write commands that read a
 * source key (GETDEL, COPY, SUNIONSTORE, ...) publish none here.
 */
export function setupKeyMissEvents(server: Server, keysOf: (cmd: Command, argv: string[]) => { pos: number }[]): void {
  // call() counts a failed call in cmd.stats.failedCalls before afterCommand: a change since the last call is this one.
  const failedSeen = new Map<Command, number>();
  const snapshot = () => {
    failedSeen.clear();
    for (const cmd of server.table.commands.values()) {
      failedSeen.set(cmd, cmd.stats.failedCalls);
      if (cmd.subcommands !== null) for (const sc of cmd.subcommands.values()) failedSeen.set(sc, sc.stats.failedCalls);
    }
  };
  server.config.onChange((name) => {
    if (name === 'notify-keyspace-events') snapshot();
  });
  if (server.notifyFlags & NOTIFY.KEY_MISS) snapshot();
  const prev = server.hooks.afterCommand;
  server.hooks.afterCommand = (c, cmd, argv, usec) => {
    prev(c, cmd, argv, usec);
    if (!(server.notifyFlags & NOTIFY.KEY_MISS) || !cmd.flags.has('readonly')) return;
    const failed = cmd.stats.failedCalls;
    const seen = failedSeen.get(cmd);
    failedSeen.set(cmd, failed);
    if (seen !== undefined && failed > seen) return; // (after CONFIG RESETSTAT the counts restart lower)
    if (cmd.name.startsWith('object|') || cmd.name === 'memory|usage') return;
    for (const ref of keysOf(cmd, argv)) {
      const key = argv[ref.pos];
      if (!c.db.data.has(key)) notify(server, NOTIFY.KEY_MISS, 'keymiss', key, c.db.id);
    }
  };
}
