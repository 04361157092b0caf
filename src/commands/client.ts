/**
 * CLIENT subcommands (networking.c's clientCommand): ID, INFO, LIST, KILL,
 * SETNAME, GETNAME, NO-EVICT, REPLY, PAUSE, UNPAUSE, HELP. (CLIENT UNBLOCK
 * is with the blocking commands; TRACKING/CACHING with client tracking.)
 *
 * CLIENT PAUSE: while a pause is on, a command it covers (every command for
 * ALL; for WRITE the writes, the commands that may replicate, and an EXEC
 * whose queue holds one) is held: its client is marked blocked, the command
 * is kept, and when the pause ends (timer or CLIENT UNPAUSE) it runs, then
 * the rest of the client's input. Nothing is lost or reordered. Between the
 * pause's end and the run its client shows `u` in CLIENT LIST, not `b`
 * (Redis: unblocked, waiting for beforeSleep). The guard is
 * installed on the first CLIENT PAUSE, so a server never paused pays nothing.
 * CLIENT UNBLOCK <id> ERROR answers a held command with -UNBLOCKED and,
 * after the turn's reads, holds it again at the back of the queue
 * (unblockHeld).
 */
import * as E from '../errors';
import { REPLY_OFF, REPLY_SKIP, REPLY_SKIP_NEXT, type Client } from '../server/client';
import { deferredReply, otherUnblockers } from '../server/blocking';
import { processCommand } from '../server/dispatcher';
import { recordLatency } from '../server/info';
import { slowlogPush } from '../server/slowlog';
import { trackingCommands, trackingFlags, trackingRedirect } from '../server/tracking';
import type { Server } from '../server/server';
import { parseInt64 } from '../util/numbers';
import { validClientName } from './connection';
import { replyHelp } from './command';
import type { Command, Handler } from './table';

// ---- CLIENT LIST / INFO -----------------------------------------------------

type ClientType = 'normal' | 'master' | 'replica' | 'pubsub';

function typeByName(name: string): ClientType | null {
  switch (name.toLowerCase()) {
    case 'normal':
      return 'normal';
    case 'slave':
    case 'replica':
      return 'replica';
    case 'pubsub':
      return 'pubsub';
    case 'master':
      return 'master';
    default:
      return null;
  }
}

interface SubCounts {
  channels: { size: number };
  patterns: { size: number };
  shards: { size: number };
}

function subscriptions(c: Client): [number, number, number] {
  const s = c.state.pubsub as SubCounts | undefined;
  return s === undefined ? [0, 0, 0] : [s.channels.size, s.patterns.size, s.shards.size];
}

/** Redis's getClientType: a monitor counts as normal, a subscriber as pubsub. */
function typeOf(c: Client): ClientType {
  if (c.state.replica === true && c.state.monitor !== true) return 'replica';
  return c.state.subscribed === true ? 'pubsub' : 'normal';
}

function flagsOf(c: Client): string {
  let f = '';
  if (c.state.monitor === true) f += 'O';
  if (c.state.subscribed === true) f += 'P';
  if (c.multi !== null) f += 'x';
  if (c.blocked && !c.unblocked) f += 'b';
  f += trackingFlags(c);
  if ((c.state.watch as { dirty?: boolean } | undefined)?.dirty === true) f += 'd';
  if (c.closeAfterReply) f += 'c';
  if (c.unblocked) f += 'u';
  if (c.noEvict) f += 'e';
  return f === '' ? 'N' : f;
}

function argvBytes(argv: readonly string[]): number {
  let n = 0;
  for (const a of argv) n += a.length;
  return n;
}

/**
 * One CLIENT LIST line, with Redis 7.0's fields in its order. `self` is the
 * client running CLIENT LIST/INFO with its request (its command and query
 * buffer are the ones being processed, as Redis shows them).
 */
function clientInfoLine(o: Client, self: Client, selfArgv: string[]): string {
  const now = Date.now();
  const isSelf = o === self;
  const argv = isSelf ? selfArgv : pendingArgv(o);
  // Its own line: the whole read being run (Client.batchBuffered), or, for a command run
  // later (let go by a pause), what was left after it, as Redis's trimmed query buffer.
  const qbuf = isSelf && o.batchBuffered >= 0 ? o.batchBuffered : o.queryBuffered;
  const argvMem = argv === null ? 0 : argvBytes(argv);
  let multiMem = 0;
  if (o.multi !== null) for (const q of o.multi.queue) multiMem += argvBytes(q.argv) + 16;
  const pending = o.out.length + (o.socket?.writableLength ?? 0);
  const rbs = Math.max(1024, o.out.length);
  const [sub, psub, ssub] = subscriptions(o);
  const fd = (o.socket as unknown as { _handle?: { fd?: number } } | null)?._handle?.fd ?? -1;
  const cmd = isSelf ? selfCommand(self, selfArgv) : lastCommandOf(o);
  return (
    `id=${o.id} addr=${o.addr} laddr=${o.laddr} fd=${fd} name=${o.name}` +
    ` age=${Math.floor((now - o.createdAt) / 1000)} idle=${Math.floor((now - o.lastInteraction) / 1000)}` +
    ` flags=${flagsOf(o)} db=${o.dbIndex} sub=${sub} psub=${psub} ssub=${ssub}` +
    ` multi=${o.multi === null ? -1 : o.multi.queue.length} qbuf=${qbuf} qbuf-free=0 argv-mem=${argvMem}` +
    ` multi-mem=${multiMem} rbs=${rbs} rbp=${o.out.length} obl=${Math.min(o.out.length, 16384)} oll=${pending > 16384 ? 1 : 0}` +
    ` omem=${pending > 16384 ? pending - 16384 : 0} tot-mem=${1024 + qbuf + argvMem + multiMem + rbs + pending}` +
    ` events=r${pending > 0 ? 'w' : ''} cmd=${cmd} user=default redir=${trackingRedirect(o)} resp=${o.resp}\n`
  );
}

/**
 * The arguments Redis still holds for a client that is not running
 * (argv-mem): a command a pause holds, or a blocking command waiting for its
 * keys (its argv is freed when it is served or unblocked: unblockClient ->
 * resetClient).
 */
function pendingArgv(o: Client): string[] | null {
  const held = pausedArgv(o);
  if (held !== null || !o.blocked) return held;
  return (o.state.blockedCall as { argv: string[] } | undefined)?.argv ?? null;
}

/** Redis records the last command at lookup, so a command queued in MULTI counts too. */
function lastCommandOf(o: Client): string {
  const q = o.multi?.queue;
  return q !== undefined && q.length > 0 ? q[q.length - 1].cmd.name : o.lastCommand;
}

function selfCommand(c: Client, argv: string[]): string {
  const cmd = c.server.table.lookup(argv);
  return cmd === undefined ? 'NULL' : cmd.name;
}

function clientList(c: Client, argv: string[]): void {
  let out = '';
  if (argv.length === 4 && argv[2].toLowerCase() === 'type') {
    const type = typeByName(argv[3]);
    if (type === null) {
      c.error(`ERR Unknown client type '${argv[3]}'`);
      return;
    }
    for (const o of c.server.clients.values()) if (typeOf(o) === type) out += clientInfoLine(o, c, argv);
  } else if (argv.length > 3 && argv[2].toLowerCase() === 'id') {
    for (let j = 3; j < argv.length; j++) {
      const id = parseInt64(argv[j]);
      if (id === null) {
        c.error('ERR Invalid client ID');
        return;
      }
      const o = c.server.clients.get(id);
      if (o !== undefined) out += clientInfoLine(o, c, argv);
    }
  } else if (argv.length !== 2) {
    c.error(E.SYNTAX);
    return;
  } else {
    for (const o of c.server.clients.values()) out += clientInfoLine(o, c, argv);
  }
  c.verbatim(out);
}

function clientInfo(c: Client, argv: string[]): void {
  c.verbatim(clientInfoLine(c, c, argv));
}

// ---- CLIENT KILL ------------------------------------------------------------

function clientKill(c: Client, argv: string[]): void {
  let addr: string | null = null;
  let laddr: string | null = null;
  let user: string | null = null;
  let type: ClientType | null = null;
  let id = 0;
  let skipme = true;
  if (argv.length === 3) {
    addr = argv[2];
    skipme = false; // the old form can kill the caller itself
  } else if (argv.length > 3) {
    for (let i = 2; i < argv.length; i += 2) {
      const opt = argv[i].toLowerCase();
      const more = i + 1 < argv.length;
      if (opt === 'id' && more) {
        const n = parseInt64(argv[i + 1]);
        if (n === null || n < 1) {
          c.error('ERR client-id should be greater than 0');
          return;
        }
        id = n;
      } else if (opt === 'type' && more) {
        type = typeByName(argv[i + 1]);
        if (type === null) {
          c.error(`ERR Unknown client type '${argv[i + 1]}'`);
          return;
        }
      } else if (opt === 'addr' && more) {
        addr = argv[i + 1];
      } else if (opt === 'laddr' && more) {
        laddr = argv[i + 1];
      } else if (opt === 'user' && more) {
        // kevy has one user, `default` (no ACL users yet).
        if (argv[i + 1] !== 'default') {
          c.error(`ERR No such user '${argv[i + 1]}'`);
          return;
        }
        user = argv[i + 1];
      } else if (opt === 'skipme' && more) {
        const v = argv[i + 1].toLowerCase();
        if (v === 'yes') skipme = true;
        else if (v === 'no') skipme = false;
        else {
          c.error(E.SYNTAX);
          return;
        }
      } else {
        c.error(E.SYNTAX);
        return;
      }
    }
  }
  let killed = 0;
  for (const o of [...c.server.clients.values()]) {
    if (addr !== null && o.addr !== addr) continue;
    if (laddr !== null && o.laddr !== laddr) continue;
    if (type !== null && typeOf(o) !== type) continue;
    if (id !== 0 && o.id !== id) continue;
    if (user !== null && user !== 'default') continue;
    if (o === c && skipme) continue;
    if (o === c) c.closeAfterReply = true;
    else {
      // Closed at once, its pending output dropped, as Redis's freeClient(): a peer that keeps its
      // side open (half-close) is not held on to.
      o.close();
      o.socket?.destroy();
    }
    killed++;
  }
  if (argv.length === 3) {
    if (killed === 0) c.error(E.UNKNOWN_CLIENT);
    else c.ok();
  } else {
    c.integer(killed);
  }
}

// ---- small subcommands ------------------------------------------------------

function clientSetname(c: Client, argv: string[]): void {
  const name = argv[2];
  if (name.length > 0 && !validClientName(name)) {
    c.error(E.CLIENT_NAME_SPACES);
    return;
  }
  c.name = name;
  c.ok();
}

function clientGetname(c: Client): void {
  c.bulkOrNull(c.name === '' ? null : c.name);
}

function clientNoEvict(c: Client, argv: string[]): void {
  const v = argv[2].toLowerCase();
  if (v !== 'on' && v !== 'off') {
    c.error(E.SYNTAX);
    return;
  }
  c.noEvict = v === 'on';
  c.ok();
}

/**
 * CLIENT REPLY (clientReplyCommand): OFF and SKIP answer nothing. SKIP only
 * marks the next command; the skip starts when this top-level command ends
 * (Client.commandDone). ON leaves a pending SKIP in place, as Redis's does.
 */
function clientReply(c: Client, argv: string[]): void {
  const v = argv[2].toLowerCase();
  if (v === 'on') {
    c.replyFlags &= ~(REPLY_OFF | REPLY_SKIP);
    c.ok();
  } else if (v === 'off') {
    c.replyFlags |= REPLY_OFF;
  } else if (v === 'skip') {
    if ((c.replyFlags & REPLY_OFF) === 0) c.replyFlags |= REPLY_SKIP_NEXT;
  } else {
    c.error(E.SYNTAX);
  }
}

// ---- CLIENT PAUSE / UNPAUSE ---------------------------------------------------

interface Held {
  c: Client;
  cmd: Command;
  argv: string[];
}

interface PauseState {
  type: 'none' | 'write' | 'all';
  /** Absolute end time (ms). */
  end: number;
  timer: NodeJS.Timeout | null;
  /** Held commands in arrival order. */
  held: Held[];
  /**
   * Held commands let go (the pause ended, or CLIENT UNBLOCK ... ERROR) that
   * have not run yet, in the order they go (Redis's unblocked_clients): their
   * clients are flagged `unblocked` and stay `blocked` until runReleased.
   */
  released: Held[];
  /** A runReleased is scheduled. */
  runQueued: boolean;
}

/** Commands that are not writes but replicate something (CMD_MAY_REPLICATE in Redis 7.0). */
const MAY_REPLICATE = new Set([
  'eval', 'evalsha', 'fcall', 'publish', 'spublish', 'pfcount',
  'function|delete', 'function|flush', 'function|load', 'function|restore', 'script|flush', 'script|load',
]);

function mayReplicate(c: Client, cmd: Command): boolean {
  if (cmd.isWrite || MAY_REPLICATE.has(cmd.name)) return true;
  if (cmd.name === 'exec' && c.multi !== null) {
    for (const q of c.multi.queue) if (q.cmd.isWrite || MAY_REPLICATE.has(q.cmd.name)) return true;
  }
  return false;
}

/** The command a pause holds for c (or let go and not yet run): Redis keeps its argv meanwhile (argv-mem). */
function pausedArgv(c: Client): string[] | null {
  const p = c.server.ext.pause as PauseState | undefined;
  if (p === undefined || !c.blocked) return null;
  for (const h of p.held) if (h.c === c) return h.argv;
  for (const h of p.released) if (h.c === c) return h.argv;
  return null;
}

function pauseState(server: Server): PauseState {
  let p = server.ext.pause as PauseState | undefined;
  if (p !== undefined) return p;
  const state: PauseState = { type: 'none', end: 0, timer: null, held: [], released: [], runQueued: false };
  server.ext.pause = state;
  const prev = server.hooks.beforeCommand;
  server.hooks.beforeCommand = (c, cmd, argv) => {
    // The pause lasts until its timer (or CLIENT UNPAUSE) releases the held commands in order.
    if (state.type !== 'none' && (state.type === 'all' || mayReplicate(c, cmd))) {
      c.blocked = true;
      state.held.push({ c, cmd, argv });
      return ''; // answered later, when the command runs
    }
    return prev(c, cmd, argv);
  };
  return state;
}

/** The pause's timer: ends the pause and runs the held commands, then each client's pending input. */
function unpause(server: Server): void {
  endPause(server);
  runReleased(server);
}

/** Ends the pause (unpauseClients): lets go of the commands it held, still to run (runReleased). */
function endPause(server: Server): void {
  const p = pauseState(server);
  p.type = 'none';
  p.end = 0;
  if (p.timer !== null) clearTimeout(p.timer);
  p.timer = null;
  for (const h of p.held) release(p, h);
  p.held = [];
}

/** Queues a held command to run (Redis's unblockClient -> queueClientForReprocessing): CLIENT LIST shows its client `u`. */
function release(p: PauseState, h: Held): void {
  h.c.unblocked = true;
  p.released.push(h);
}

/** Runs the released commands later in this turn, after this turn's reads (Redis: in beforeSleep). */
function scheduleRun(server: Server, p: PauseState): void {
  if (p.runQueued || p.released.length === 0) return;
  p.runQueued = true;
  setImmediate(() => runReleased(server));
}

/**
 * Runs the released commands in order, then the rest of each client's
 * input (a command held again if a pause is on by then). Each client keeps
 * its `u` until its own turn, as in processUnblockedClients, so one that
 * runs CLIENT LIST sees those after it still waiting.
 */
function runReleased(server: Server): void {
  const p = pauseState(server);
  p.runQueued = false;
  while (p.released.length > 0) {
    const { c, argv } = p.released.shift()!;
    c.unblocked = false;
    if (c.closed || server.shuttingDown) continue;
    c.blocked = false;
    processCommand(c, argv);
    server.processInput(c);
  }
}

/**
 * CLIENT UNBLOCK <id> ERROR on a client whose command the pause holds, as
 * Redis 7.0.15 does it for a BLOCKED_POSTPONE client (clientCommand's
 * "unblock", then unblockClient and updateStatsOnUnblock): CLIENT UNBLOCK
 * answers :1, the client gets -UNBLOCKED (dropped under CLIENT REPLY
 * OFF/SKIP; counted in errorstats, total_error_replies, and as a failed
 * CLIENT UNBLOCK), its command counts one failed call but no call, and is
 * logged with its arguments (slow log, latencystats): unblockClient resets
 * no postponed client, so its argv and its command survive. Then
 * queueClientForReprocessing runs that command again in beforeSleep: till
 * then the client shows flags=u (seen: `CLIENT UNBLOCK <id> ERROR; CLIENT
 * LIST` in one pipeline), then the pause holds it again, at the end of the
 * queue, and it runs when the pause ends (seen: `SET k v` held, unblocked
 * with ERROR, answers +OK after the pause and k is set; flags=b again).
 * When a CLIENT UNPAUSE follows in the same turn, this command, let go
 * first, runs before those the pause held.
 *
 * TIMEOUT answers :0 and leaves the client held. Redis 7.0.15 crashes there
 * (replyToBlockedClientTimedOut has no reply for BLOCKED_POSTPONE:
 * serverPanic). A held command has no timeout reply to give, and Redis's own
 * rule for module clients (a client that cannot time out is not unblocked
 * by CLIENT UNBLOCK, even with ERROR) says 0; Valkey fixed the crash this
 * way (blockedClientMayTimeout is false for a postponed client). ERROR
 * keeps Redis 7.0's observable behaviour.
 */
function unblockHeld(server: Server, id: number, withError: boolean): boolean {
  const p = server.ext.pause as PauseState | undefined;
  if (p === undefined || !withError) return false;
  const i = p.held.findIndex((h) => h.c.id === id);
  if (i < 0) return false;
  const h = p.held[i];
  const { c, cmd, argv } = h;
  p.held.splice(i, 1);
  deferredReply(c, () => c.error(E.UNBLOCKED));
  cmd.stats.failedCalls++;
  // The time it ran (none: a held command never reached call()).
  recordLatency(server, cmd, 0);
  if (!cmd.skipSlowlog) slowlogPush(server, c, cmd, argv, 0);
  server.scheduleFlush(c);
  // Run again after this turn's reads, as Redis does in beforeSleep: held
  // again if the pause is still on then.
  release(p, h);
  scheduleRun(server, p);
  return true;
}
otherUnblockers.push(unblockHeld);

function clientPause(c: Client, argv: string[]): void {
  let type: 'write' | 'all' = 'all';
  if (argv.length === 4) {
    const m = argv[3].toLowerCase();
    if (m === 'write') type = 'write';
    else if (m !== 'all') {
      c.error('ERR CLIENT PAUSE mode must be WRITE or ALL');
      return;
    }
  } else if (argv.length > 4) {
    c.error(E.subcommandSyntax(argv[1], argv[0]));
    return;
  }
  const ms = parseInt64(argv[2]);
  if (ms === null) {
    c.error('ERR timeout is not an integer or out of range');
    return;
  }
  if (ms < 0) {
    c.error(E.TIMEOUT_NEGATIVE);
    return;
  }
  const server = c.server;
  const p = pauseState(server);
  const end = Date.now() + ms;
  // Redis adds the timeout to the clock in 64 bits: a sum past INT64_MAX wraps to the past (no pause).
  if (end < 2 ** 63) {
    if (p.type !== 'all') p.type = type;
    if (end > p.end) {
      p.end = end;
      if (p.timer !== null) clearTimeout(p.timer);
      p.timer = setTimeout(() => unpause(server), Math.min(ms, 2 ** 31 - 1));
      p.timer.unref();
    }
  }
  c.ok();
}

/**
 * CLIENT UNPAUSE (unpauseClients): the pause ends now, so the rest of this
 * client's pipeline runs unpaused and a CLIENT UNBLOCK finds nothing held;
 * the held commands run after this turn's reads, as Redis runs its
 * unblocked clients in beforeSleep (seen on 7.0.15: `CLIENT UNPAUSE; CLIENT
 * UNBLOCK <held> ERROR; INCR n` answers +OK :0 :1, the held INCR then :2;
 * `CLIENT UNPAUSE; CLIENT LIST` shows the held client flags=u).
 */
function clientUnpause(c: Client): void {
  c.ok();
  const p = c.server.ext.pause as PauseState | undefined;
  if (p === undefined) return;
  endPause(c.server);
  scheduleRun(c.server, p);
}

const CLIENT_HELP = [
  'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CACHING (YES|NO)',
  '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
  'GETREDIR',
  '    Return the client ID we are redirecting to when tracking is enabled.',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port>',
  '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options are:',
  '    * ADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made from the specified address',
  '    * LADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made to specified local address',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Kill connections by type.',
  '    * USER <username>',
  '      Kill connections authenticated by <username>.',
  '    * SKIPME (YES|NO)',
  '      Skip killing current connection (default: yes).',
  'LIST [options ...]',
  '    Return information about client connections. Options:',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Return clients of specified type.',
  'UNPAUSE',
  '    Stop the current client pause, resuming traffic.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Suspend all, or just write, clients for <timeout> milliseconds.',
  'REPLY (ON|OFF|SKIP)',
  '    Control the replies sent to the current connection.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]',
  '    Unblock the specified blocked client.',
  'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
  '         [OPTIN] [OPTOUT] [NOLOOP]',
  '    Control server assisted client side caching.',
  'TRACKINGINFO',
  '    Report tracking status for the current connection.',
  'NO-EVICT (ON|OFF)',
  '    Protect current client connection from eviction.',
  'HELP',
  '    Prints this help.',
];

export const commands: Record<string, Handler> = {
  'client|id': (c) => c.integer(c.id),
  'client|info': clientInfo,
  'client|list': clientList,
  'client|kill': clientKill,
  'client|setname': clientSetname,
  'client|getname': clientGetname,
  'client|no-evict': clientNoEvict,
  'client|reply': clientReply,
  'client|pause': clientPause,
  'client|unpause': clientUnpause,
  'client|help': (c) => replyHelp(c, CLIENT_HELP),
  ...trackingCommands,
};
