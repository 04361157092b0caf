/**
 * Client side caching (tracking.c): CLIENT TRACKING / CACHING / GETREDIR /
 * TRACKINGINFO and the invalidation messages.
 *
 * Default mode: the keys of every read-only command a tracking client runs
 * are remembered in one table, key name -> client ids (names, not databases:
 * a change to `k` in any database invalidates `k`). When a key changes
 * (keyspace hook keyChanged) its entry is removed and each client gets
 *
 *   RESP3:                      >2 invalidate *1 $1 k
 *   RESP2 with REDIRECT to a
 *   subscribed client:          *3 message __redis__:invalidate *1 $1 k
 *
 * BCAST mode: clients register prefixes; changed keys matching a prefix are
 * collected and sent once per event-loop turn, one array per prefix. A
 * FLUSHDB / FLUSHALL sends a null ("everything") to every tracking client and
 * empties the table. Messages for the client running the command are held
 * until its reply is written (after EXEC's, in a transaction), as Redis 7.0.
 *
 * OPTIN / OPTOUT: only reads after CLIENT CACHING YES are remembered (OPTIN),
 * or all but those after CLIENT CACHING NO (OPTOUT); the CACHING flag lasts
 * for the next command, or the next transaction. NOLOOP: no messages about
 * changes the client made itself.
 *
 *   setupTracking(server)   // once, by the Server constructor
 */
import * as E from '../errors';
import type { Command, Handler } from '../commands/table';
import { getKeys } from '../commands/command';
import { resetHooks } from '../commands/connection';
import { parseInt64 } from '../util/numbers';
import type { Client } from './client';
import { infoProviders } from './info';
import { MULTI_PASSTHROUGH } from './multi';
import type { Server } from './server';

export interface TrackingState {
  /** Client id that receives the messages (0: this client). */
  redirect: number;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  /** CLIENT CACHING YES/NO given for the next command. */
  caching: boolean;
  brokenRedir: boolean;
  /** BCAST prefixes of this client. */
  prefixes: Set<string>;
}

interface Bcast {
  /** Keys changed this turn -> the client that changed it last (null: none, e.g. expiry). */
  keys: Map<string, Client | null>;
  clients: Set<Client>;
}

class Tracking {
  /** Key name -> ids of the clients that may cache it. */
  readonly table = new Map<string, Set<number>>();
  totalItems = 0;
  readonly prefixes = new Map<string, Bcast>();
  /** Clients with tracking on. */
  clients = 0;
  /** The client whose command is running (Redis's server.current_client), or null. */
  current: Client | null = null;
  /** Messages for `current`, sent after its reply: a key, or null for a flush. */
  pending: (string | null)[] = [];
  /** While FLUSHDB/FLUSHALL/SWAPDB run: their per-key changes send nothing. */
  suppress = false;
  bcastQueued = false;
  /** tracking-table-max-keys (0: no limit). */
  maxKeys = 0;

  constructor(readonly server: Server) {}
}

const NULL_RESP = ['', '', '$-1\r\n', '_\r\n'];

function trackingOf(server: Server): Tracking {
  return server.ext.tracking as Tracking;
}

export function trackingState(c: Client): TrackingState | undefined {
  return c.state.tracking as TrackingState | undefined;
}

/** sendTrackingMessage: `proto` is the RESP of the value (an array of keys, or a null). */
function sendMessage(t: Tracking, c: Client, st: TrackingState, proto: string): void {
  let target = c;
  let redirected = false;
  if (st.redirect !== 0) {
    const r = t.server.clients.get(st.redirect);
    if (r === undefined) {
      st.brokenRedir = true;
      if (c.resp === 3) {
        c.pushLen(2);
        c.bulk('tracking-redir-broken');
        c.integer(st.redirect);
        t.server.scheduleFlush(c);
      }
      return;
    }
    target = r;
    redirected = true;
  }
  if (target.resp === 3) {
    target.pushLen(2);
    target.bulk('invalidate');
  } else if (redirected && target.state.subscribed === true) {
    target.arrayLen(3);
    target.bulk('message');
    target.bulk('__redis__:invalidate');
  } else {
    return; // RESP2 without a subscribed redirect target: nowhere to send it
  }
  target.raw(proto);
  t.server.scheduleFlush(target);
}

function keyProto(key: string): string {
  return '*1\r\n$' + key.length + '\r\n' + key + '\r\n';
}

/** trackingInvalidateKey, from the keyChanged hook. */
function invalidateKey(t: Tracking, key: string): void {
  if (t.suppress) return;
  if (t.prefixes.size !== 0) rememberForBroadcast(t, key);
  const ids = t.table.get(key);
  if (ids === undefined) return;
  t.table.delete(key);
  t.totalItems -= ids.size;
  for (const id of ids) {
    const target = t.server.clients.get(id);
    const st = target === undefined ? undefined : trackingState(target);
    if (target === undefined || st === undefined || st.bcast) continue;
    if (target === t.current) {
      if (!st.noloop) t.pending.push(key);
      continue;
    }
    sendMessage(t, target, st, keyProto(key));
  }
}

/** A FLUSHDB / FLUSHALL: a null to every tracking client, and an empty table. */
function invalidateAll(t: Tracking): void {
  if (t.clients !== 0) {
    for (const c of t.server.clients.values()) {
      const st = trackingState(c);
      if (st === undefined) continue;
      if (c === t.current) t.pending.push(null);
      else sendMessage(t, c, st, NULL_RESP[c.resp]);
    }
  }
  t.table.clear();
  t.totalItems = 0;
}

function rememberForBroadcast(t: Tracking, key: string): void {
  for (const [prefix, bs] of t.prefixes) {
    // The first writer of the turn stays (raxTryInsert): NOLOOP leaves out only its own first writes.
    if (key.startsWith(prefix) && !bs.keys.has(key)) bs.keys.set(key, t.current);
  }
  if (!t.bcastQueued) {
    t.bcastQueued = true;
    // At the end of the turn, after every read's commands (and the pending input of clients a
    // write unblocked), as Redis's beforeSleep: a process.nextTick ran it after the first read,
    // so a client that read a reply later in the turn got the invalidation before it.
    setImmediate(() => broadcast(t));
  }
}

/** trackingBroadcastInvalidationMessages: once per turn, prefixes and keys in byte order. */
function broadcast(t: Tracking): void {
  t.bcastQueued = false;
  const prefixes = [...t.prefixes.keys()].sort();
  for (const p of prefixes) {
    const bs = t.prefixes.get(p)!;
    if (bs.keys.size === 0) continue;
    const keys = [...bs.keys.keys()].sort();
    const all = keysProto(keys);
    for (const c of bs.clients) {
      const st = trackingState(c);
      if (st === undefined) continue;
      if (st.noloop) {
        const mine = keys.filter((k) => bs.keys.get(k) !== c);
        if (mine.length !== 0) sendMessage(t, c, st, keysProto(mine));
      } else {
        sendMessage(t, c, st, all);
      }
    }
    bs.keys.clear();
  }
}

function keysProto(keys: string[]): string {
  let s = '*' + keys.length + '\r\n';
  for (const k of keys) s += '$' + k.length + '\r\n' + k + '\r\n';
  return s;
}

/** trackingRememberKeys: after a read-only command of a default-mode tracking client. */
function rememberKeys(t: Tracking, c: Client, st: TrackingState, cmd: Command, argv: string[]): void {
  if ((st.optin && !st.caching) || (st.optout && st.caching)) return;
  for (const ref of getKeys(cmd, argv)) {
    const key = argv[ref.pos];
    let ids = t.table.get(key);
    if (ids === undefined) {
      ids = new Set();
      t.table.set(key, ids);
    }
    if (!ids.has(c.id)) {
      ids.add(c.id);
      t.totalItems++;
    }
  }
  // trackingLimitUsedSlots: beyond the limit, forget keys as if they changed (oldest first).
  const max = t.maxKeys;
  if (max > 0 && t.table.size > max) {
    for (const key of t.table.keys()) {
      if (t.table.size <= max) break;
      invalidateKey(t, key);
    }
  }
}

function disableTracking(t: Tracking, c: Client): void {
  const st = trackingState(c);
  if (st === undefined) return;
  for (const p of st.prefixes) {
    const bs = t.prefixes.get(p);
    if (bs === undefined) continue;
    bs.clients.delete(c);
    if (bs.clients.size === 0) t.prefixes.delete(p);
  }
  delete c.state.tracking;
  t.clients--;
}

/** Wraps a command's handler so its per-key changes send nothing, then runs `after`. */
function wrapHandler(server: Server, name: string, t: Tracking, after: ((c: Client) => void) | null): void {
  const cmd = server.table.commands.get(name);
  if (cmd === undefined || cmd.handler === null) return;
  const handler = cmd.handler;
  cmd.handler = (c, argv) => {
    const errors = server.stats.totalErrorReplies;
    t.suppress = true;
    try {
      handler(c, argv);
    } finally {
      t.suppress = false;
    }
    // Redis signals a flush even of an empty database; not after a syntax error.
    if (after !== null && server.stats.totalErrorReplies === errors) after(c);
  };
}

export function setupTracking(server: Server): void {
  const t = new Tracking(server);
  server.ext.tracking = t;
  t.maxKeys = server.config.int('tracking-table-max-keys');
  server.config.onChange((name, value) => {
    if (name === 'tracking-table-max-keys') t.maxKeys = Number(value);
  });
  const prevChanged = server.keyspaceHooks.keyChanged;
  server.keyspaceHooks.keyChanged = (db, key) => {
    prevChanged(db, key);
    if (t.table.size !== 0 || t.prefixes.size !== 0) invalidateKey(t, key);
  };
  const prevBefore = server.hooks.beforeCommand;
  server.hooks.beforeCommand = (c, cmd, argv) => {
    const r = prevBefore(c, cmd, argv);
    if (r === null && (c.multi === null || MULTI_PASSTHROUGH.has(cmd.name))) t.current = c;
    return r;
  };
  const prevAfter = server.hooks.afterCommand;
  server.hooks.afterCommand = (c, cmd, argv, usec) => {
    prevAfter(c, cmd, argv, usec);
    const st = trackingState(c);
    const inExec = c.state.inExec === true;
    if (st !== undefined) {
      if (!st.bcast && cmd.flags.has('readonly')) rememberKeys(t, c, st, cmd, argv);
      // The CACHING flag covers the next command, or the next transaction (resetClient).
      if (!inExec && c.multi === null && !cmd.name.startsWith('client|')) st.caching = false;
    }
    if (!inExec) {
      t.current = null;
      if (t.pending.length !== 0) deliverPending(t, c);
    }
  };
  // A blocked client's deferred reply (./blocking.ts) runs as that client, as Redis's current_client.
  const prevBeforeDeferred = server.hooks.beforeDeferredReply;
  const outer: { current: Client | null; pending: (string | null)[] }[] = [];
  server.hooks.beforeDeferredReply = (c) => {
    prevBeforeDeferred(c);
    outer.push({ current: t.current, pending: t.pending });
    t.current = c;
    t.pending = [];
  };
  const prevAfterDeferred = server.hooks.afterDeferredReply;
  server.hooks.afterDeferredReply = (c) => {
    prevAfterDeferred(c);
    if (t.pending.length !== 0) deliverPending(t, c);
    const o = outer.pop()!;
    t.current = o.current;
    t.pending = o.pending;
  };
  const prevRejected = server.hooks.commandRejected;
  server.hooks.commandRejected = (c) => {
    prevRejected(c);
    const st = trackingState(c);
    if (st !== undefined && c.multi === null) st.caching = false;
    if (t.current === c) t.current = null;
  };
  wrapHandler(server, 'flushdb', t, () => invalidateAll(t));
  wrapHandler(server, 'flushall', t, () => invalidateAll(t));
  wrapHandler(server, 'swapdb', t, null);
  server.onClientClose.push((c) => disableTracking(t, c));
  if (!providersSet) {
    providersSet = true;
    resetHooks.push(resetTracking);
    infoProviders.set('tracking_total_keys', (s) => trackingOf(s).table.size);
    infoProviders.set('tracking_total_items', (s) => trackingOf(s).totalItems);
    infoProviders.set('tracking_total_prefixes', (s) => trackingOf(s).prefixes.size);
  }
}

/** Module-wide registrations (RESET, INFO fields) are made once for every server. */
let providersSet = false;

function deliverPending(t: Tracking, c: Client): void {
  const pending = t.pending;
  t.pending = [];
  const st = trackingState(c);
  if (st === undefined) return;
  for (const key of pending) sendMessage(t, c, st, key === null ? NULL_RESP[c.resp] : keyProto(key));
}

/** RESET and disconnects end tracking. */
export function resetTracking(c: Client): void {
  const t = trackingOf(c.server);
  if (t !== undefined) disableTracking(t, c);
}

// ---- commands ------------------------------------------------------------------

/** Shorter of the two is a prefix of the longer (stringCheckPrefix). */
function overlaps(a: string, b: string): boolean {
  return a.length <= b.length ? b.startsWith(a) : a.startsWith(b);
}

/**
 * checkPrefixCollisionsOrReply, with Redis 7.0's slip: an overlap found
 * between two new prefixes after the first one replies the error but
 * returns "no collision", so the command goes on (and replies +OK as well).
 */
function prefixesCollide(c: Client, st: TrackingState | undefined, prefixes: string[]): boolean {
  for (let i = 0; i < prefixes.length; i++) {
    if (st !== undefined) {
      for (const p of [...st.prefixes].sort()) {
        if (overlaps(p, prefixes[i])) {
          c.error(E.trackingPrefixOverlapsExisting(prefixes[i], p));
          return true;
        }
      }
    }
    for (let j = i + 1; j < prefixes.length; j++) {
      if (overlaps(prefixes[i], prefixes[j])) {
        c.error(E.trackingPrefixOverlapsOther(prefixes[i], prefixes[j]));
        return i === 0;
      }
    }
  }
  return false;
}

function clientTracking(c: Client, argv: string[]): void {
  const t = trackingOf(c.server);
  let redirect = 0;
  let bcast = false;
  let optin = false;
  let optout = false;
  let noloop = false;
  const prefixes: string[] = [];
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    const more = j + 1 < argv.length;
    if (opt === 'redirect' && more) {
      j++;
      if (redirect !== 0) {
        c.error(E.TRACKING_ONE_REDIRECT);
        return;
      }
      const id = parseInt64(argv[j]);
      if (id === null) {
        c.error(E.NOT_INTEGER);
        return;
      }
      if (!c.server.clients.has(id)) {
        c.error(E.TRACKING_NO_REDIRECT_CLIENT);
        return;
      }
      redirect = id;
    } else if (opt === 'bcast') {
      bcast = true;
    } else if (opt === 'optin') {
      optin = true;
    } else if (opt === 'optout') {
      optout = true;
    } else if (opt === 'noloop') {
      noloop = true;
    } else if (opt === 'prefix' && more) {
      prefixes.push(argv[++j]);
    } else {
      c.error(E.SYNTAX);
      return;
    }
  }
  const mode = argv[2].toLowerCase();
  let st = trackingState(c);
  if (mode === 'off') {
    disableTracking(t, c);
    c.ok();
    return;
  }
  if (mode !== 'on') {
    c.error(E.SYNTAX);
    return;
  }
  if (!bcast && prefixes.length !== 0) return c.error(E.TRACKING_PREFIX_NEEDS_BCAST);
  if (st !== undefined && st.bcast !== bcast) return c.error(E.TRACKING_BCAST_SWITCH);
  if (bcast && (optin || optout)) return c.error(E.TRACKING_OPT_BCAST);
  if (optin && optout) return c.error(E.TRACKING_OPTIN_OPTOUT);
  if (st !== undefined && ((optin && st.optout) || (optout && st.optin))) return c.error(E.TRACKING_OPT_SWITCH);
  if (bcast && prefixesCollide(c, st, prefixes)) return;
  // enableTracking
  if (st === undefined) {
    st = { redirect: 0, bcast: false, optin: false, optout: false, noloop: false, caching: false, brokenRedir: false, prefixes: new Set() };
    c.state.tracking = st;
    t.clients++;
  }
  st.redirect = redirect;
  st.brokenRedir = false;
  st.bcast = bcast;
  st.optin = optin;
  st.optout = optout;
  st.noloop = noloop;
  if (bcast) {
    if (prefixes.length === 0) prefixes.push('');
    for (const p of prefixes) {
      let bs = t.prefixes.get(p);
      if (bs === undefined) {
        bs = { keys: new Map(), clients: new Set() };
        t.prefixes.set(p, bs);
      }
      bs.clients.add(c);
      st.prefixes.add(p);
    }
  }
  c.ok();
}

function clientCaching(c: Client, argv: string[]): void {
  const st = trackingState(c);
  if (st === undefined) return c.error(E.CACHING_NOT_TRACKING);
  const opt = argv[2].toLowerCase();
  if (opt === 'yes') {
    if (!st.optin) return c.error(E.CACHING_YES_OPTIN);
  } else if (opt === 'no') {
    if (!st.optout) return c.error(E.CACHING_NO_OPTOUT);
  } else {
    return c.error(E.SYNTAX);
  }
  st.caching = true;
  c.ok();
}

function clientGetredir(c: Client): void {
  const st = trackingState(c);
  c.integer(st === undefined ? -1 : st.redirect);
}

function clientTrackinginfo(c: Client): void {
  const st = trackingState(c);
  c.mapLen(3);
  c.bulk('flags');
  const flags: string[] = [st === undefined ? 'off' : 'on'];
  if (st !== undefined) {
    if (st.bcast) flags.push('bcast');
    if (st.optin) flags.push('optin');
    if (st.optin && st.caching) flags.push('caching-yes');
    if (st.optout) flags.push('optout');
    if (st.optout && st.caching) flags.push('caching-no');
    if (st.noloop) flags.push('noloop');
    if (st.brokenRedir) flags.push('broken_redirect');
  }
  c.setLen(flags.length);
  for (const f of flags) c.bulk(f);
  c.bulk('redirect');
  c.integer(st === undefined ? -1 : st.redirect);
  c.bulk('prefixes');
  const prefixes = st === undefined ? [] : [...st.prefixes].sort();
  c.arrayLen(prefixes.length);
  for (const p of prefixes) c.bulk(p);
}

/** CLIENT LIST flags of a tracking client: t, R (broken redirect), B (broadcast). */
export function trackingFlags(c: Client): string {
  const st = trackingState(c);
  if (st === undefined) return '';
  return 't' + (st.brokenRedir ? 'R' : '') + (st.bcast ? 'B' : '');
}

/** CLIENT LIST redir=: the redirect id of a tracking client, else -1. */
export function trackingRedirect(c: Client): number {
  const st = trackingState(c);
  return st === undefined ? -1 : st.redirect;
}

export const trackingCommands: Record<string, Handler> = {
  'client|tracking': clientTracking,
  'client|caching': clientCaching,
  'client|getredir': clientGetredir,
  'client|trackinginfo': clientTrackinginfo,
};
