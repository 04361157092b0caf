/**
 * One connection: its protocol state (RESP2/RESP3, selected db, name, auth)
 * and its reply buffer.
 *
 * Replies are appended to `out` (a latin1 string: one char per byte) by the
 * reply methods below and written to the socket once per read, after every
 * command parsed from that read has run (one write per reply measured 4-6x
 * slower under pipelining). The persistence layer may hold `out` back until
 * an fsync covers the client's writes.
 *
 *   c.bulk('v'); c.integer(3); c.error(E.SYNTAX); c.mapLen(2); ...
 */
import type net from 'node:net';
import type { Database } from '../store/database';
import type { RequestParser } from '../protocol/parser';
import { formatDouble } from '../util/numbers';
import type { MultiState } from './multi';
import type { Server } from './server';

// CLIENT REPLY state bits (Client.replyFlags), Redis's client flags of the
// same names. Independent, as in Redis: MULTI; CLIENT REPLY SKIP; CLIENT
// REPLY OFF; EXEC leaves OFF and SKIP both set, and RESET then clears OFF
// but not SKIP (clearClientConnectionState).

/** CLIENT REPLY OFF ran (CLIENT_REPLY_OFF). */
export const REPLY_OFF = 1;
/** The current top-level command's replies are dropped (CLIENT_REPLY_SKIP). */
export const REPLY_SKIP = 2;
/** CLIENT REPLY SKIP ran: the next top-level command is skipped (CLIENT_REPLY_SKIP_NEXT, see commandDone). */
export const REPLY_SKIP_NEXT = 4;
/** Replies are dropped while either is set (prepareClientToWrite). */
export const REPLY_SILENCED = REPLY_OFF | REPLY_SKIP;

const SMALL_INTS = 1024;
const SMALL_INT_REPLY: string[] = Array.from({ length: SMALL_INTS }, (_, i) => ':' + i + '\r\n');

export class Client {
  readonly id: number;
  resp: 2 | 3 = 2;
  db: Database;
  name = '';
  /**
   * Set by AUTH, or at connection / RESET when the default user had no
   * password then; never cleared by a password change (as Redis's
   * c->authenticated). Whether a command needs AUTH: needsAuth().
   */
  authenticated: boolean;
  /** Pending output (latin1). */
  out = '';
  /** CLIENT REPLY state: REPLY_OFF | REPLY_SKIP | REPLY_SKIP_NEXT (see those). */
  replyFlags = 0;
  /**
   * While a command whose replies are dropped (REPLY_SILENCED) runs (call(),
   * a blocked command's deferred reply), the length of `out` from which they
   * are dropped at its end; -1 otherwise. A push it writes moves it past
   * itself (pushed()).
   */
  dropFrom = -1;
  /** The client's request parser (null for internal clients). */
  parser: RequestParser | null = null;
  /** A blocked client (BLPOP, CLIENT PAUSE) runs no further commands until server.unblock(). */
  blocked = false;
  /**
   * Unblocked (served, CLIENT UNBLOCK, the end of a pause) and queued to
   * run its held command or its pending input later in this turn: Redis's
   * CLIENT_UNBLOCKED, set by unblockClient until beforeSleep runs the
   * client (processUnblockedClients). CLIENT LIST shows `u` instead of `b`.
   * A command a pause held keeps `blocked` set meanwhile, so nothing else
   * of its client runs before it.
   */
  unblocked = false;
  /** The MULTI queue, or null outside a transaction. */
  multi: MultiState | null = null;
  /** Set after QUIT, CLIENT KILL of itself or a protocol error: no more commands run; close once `out` is written (flush). */
  closeAfterReply = false;
  /**
   * With closeAfterReply: the length of `out` after the reply of the command
   * that set it (dispatcher's call(): QUIT, CLIENT KILL of itself; a protocol
   * error: Server.processInput, where it is set), or -1 before. Redis adds nothing to the output of
   * a CLIENT_CLOSE_AFTER_REPLY client (_addReplyToBufferOrList returns at
   * once), so a push written later (a pub/sub message, a tracking
   * invalidation) is dropped (flush).
   */
  finalOut = -1;
  closed = false;
  readonly createdAt = Date.now();
  lastInteraction = Date.now();
  /** Lower-case full name of the last command run (`client|list`). */
  lastCommand = 'NULL';
  /** Flags CLIENT LIST shows (N normal, M master, P pubsub, x multi, b blocked, ...). */
  noEvict = false;
  libName = '';
  libVer = '';
  /** Set by commands whose effect must be logged differently from their request (EXPIRE -> PEXPIREAT). */
  propagateAs: string[][] | null = null;
  /** Bytes of the query buffer not yet parsed (for CLIENT LIST qbuf). */
  queryBuffered = 0;
  /**
   * While processInput runs this client's commands: the bytes its query
   * buffer held when the batch started (-1 otherwise). Redis trims what a
   * batch consumed only after the batch, so a client's own CLIENT LIST /
   * CLIENT INFO counts the whole read in qbuf.
   */
  batchBuffered = -1;
  /** Stopped mid-pipeline by processInput (a 0.2 ms turn): its socket is not read until its next turn. */
  inputYielded = false;
  /** Holds this client's socket output while the AOF waits for an fsync (see persistence). */
  outputHeld = false;
  /** In the server's queue of clients to write at the end of the poll phase (Server.queueWrite). */
  writeQueued = false;
  /** Arbitrary per-client state of other layers (MULTI, blocking, pub/sub, tracking). */
  readonly state: Record<string, unknown> = {};
  readonly addr: string;
  readonly laddr: string;

  constructor(
    readonly server: Server,
    readonly socket: net.Socket | null,
    id: number,
  ) {
    this.id = id;
    this.db = server.dbs[0];
    this.authenticated = server.config.defaultUser.nopass;
    this.addr = socket ? formatAddr(socket.remoteAddress, socket.remotePort) : '';
    this.laddr = socket ? formatAddr(socket.localAddress, socket.localPort) : '';
  }

  /** Redis's authRequired(): not authenticated while the default user has a password. */
  needsAuth(): boolean {
    return !this.authenticated && !this.server.config.defaultUser.nopass;
  }

  get dbIndex(): number {
    return this.db.id;
  }

  // ---- reply primitives -------------------------------------------------

  ok(): void {
    this.out += '+OK\r\n';
  }

  simple(s: string): void {
    this.out += '+' + s + '\r\n';
  }

  /** An error reply; `msg` comes from ../errors (e.g. 'ERR syntax error'). */
  error(msg: string): void {
    // Redis turns newlines in an error into spaces so the reply stays one line.
    if (msg.includes('\r') || msg.includes('\n')) msg = msg.replace(/[\r\n]/g, ' ');
    this.out += '-' + msg + '\r\n';
    this.server.stats.countError(msg);
  }

  integer(n: number | bigint): void {
    // Small counts (HSET/ZADD/SADD/DEL... answer 0 or 1) come from a table:
    // no number-to-string conversion and one concatenation instead of three.
    this.out += typeof n === 'number' && n >= 0 && n < SMALL_INTS && (n | 0) === n ? SMALL_INT_REPLY[n] : ':' + n + '\r\n';
  }

  bulk(s: string): void {
    this.out += '$' + s.length + '\r\n' + s + '\r\n';
  }

  /** A bulk, or the null bulk when s is undefined/null. */
  bulkOrNull(s: string | undefined | null): void {
    if (s === undefined || s === null) this.nullBulk();
    else this.out += '$' + s.length + '\r\n' + s + '\r\n';
  }

  /** Null bulk: `$-1` in RESP2, `_` in RESP3. */
  nullBulk(): void {
    this.out += this.resp === 3 ? '_\r\n' : '$-1\r\n';
  }

  /** Null array: `*-1` in RESP2, `_` in RESP3. */
  nullArray(): void {
    this.out += this.resp === 3 ? '_\r\n' : '*-1\r\n';
  }

  arrayLen(n: number): void {
    this.out += '*' + n + '\r\n';
  }

  /** A map of n pairs: `%n` in RESP3, a flat array of 2n in RESP2. */
  mapLen(n: number): void {
    this.out += this.resp === 3 ? '%' + n + '\r\n' : '*' + 2 * n + '\r\n';
  }

  /** A set: `~n` in RESP3, an array in RESP2. */
  setLen(n: number): void {
    this.out += this.resp === 3 ? '~' + n + '\r\n' : '*' + n + '\r\n';
  }

  /** A push frame: `>n` in RESP3, an array in RESP2 (pub/sub messages). */
  pushLen(n: number): void {
    this.out += this.resp === 3 ? '>' + n + '\r\n' : '*' + n + '\r\n';
  }

  /** A double: `,1.5` in RESP3, a bulk in RESP2, formatted as %.17g. */
  double(d: number): void {
    const s = formatDouble(d);
    if (this.resp === 3) this.out += ',' + s + '\r\n';
    else this.out += '$' + s.length + '\r\n' + s + '\r\n';
  }

  /** A boolean: `#t`/`#f` in RESP3, `:1`/`:0` in RESP2. */
  bool(b: boolean): void {
    if (this.resp === 3) this.out += b ? '#t\r\n' : '#f\r\n';
    else this.out += b ? ':1\r\n' : ':0\r\n';
  }

  /** Verbatim text (`=len\r\ntxt:...` in RESP3, a bulk in RESP2). */
  verbatim(s: string, format = 'txt'): void {
    if (this.resp === 3) this.out += '=' + (s.length + 4) + '\r\n' + format + ':' + s + '\r\n';
    else this.bulk(s);
  }

  /** An array of bulks. */
  bulkArray(items: readonly string[]): void {
    let s = '*' + items.length + '\r\n';
    for (const it of items) s += '$' + it.length + '\r\n' + it + '\r\n';
    this.out += s;
  }

  /** An array whose elements may be null bulks. */
  bulkArrayOrNull(items: readonly (string | undefined | null)[]): void {
    this.arrayLen(items.length);
    for (const it of items) this.bulkOrNull(it);
  }

  /** Raw, already-encoded RESP (used by replies generated elsewhere). */
  raw(s: string): void {
    this.out += s;
  }

  // ---- output -----------------------------------------------------------

  /**
   * A top-level command is done (processCommand, or a blocked command's
   * release): a skip ends and CLIENT REPLY SKIP's begins. Redis's resetClient,
   * which runs once per command read from the client, not per command EXEC
   * runs: a SKIP inside MULTI skips the command after EXEC.
   */
  commandDone(): void {
    const f = this.replyFlags;
    // Under OFF too: a SKIP_NEXT set before a queued OFF ran (in one EXEC) becomes a SKIP.
    this.replyFlags = f & REPLY_SKIP_NEXT ? (f & ~REPLY_SKIP_NEXT) | REPLY_SKIP : f & ~REPLY_SKIP;
  }

  /**
   * CLIENT REPLY OFF / SKIP for a reply written since out.length was `mark`
   * outside call() (a rejection, +QUEUED, EXEC's own reply, a blocked
   * command's deferred reply): dropped, as Redis's addReply drops every reply
   * then. (call() does the same for the commands it runs.)
   */
  dropReplyIfOff(mark: number): void {
    if ((this.replyFlags & REPLY_SILENCED) !== 0) this.out = this.out.slice(0, mark);
  }

  /**
   * A push (a pub/sub (un)subscribe confirmation or message) was written
   * from out.length `mark`: it is sent even while CLIENT REPLY OFF/SKIP drop
   * the client's replies, as Redis's addReplyPubsub* set CLIENT_PUSHING,
   * which prepareClientToWrite lets through. When the running command's
   * replies are being dropped (dropFrom >= 0), what it wrote before the push
   * is dropped now and the push stays.
   */
  pushed(mark: number): void {
    const from = this.dropFrom;
    if (from < 0 || (this.replyFlags & REPLY_SILENCED) === 0) return;
    this.out = this.out.slice(0, from) + this.out.slice(mark);
    this.dropFrom = this.out.length;
  }

  /** Writes pending output to the socket (called by the server once per read). */
  flush(): void {
    // Nothing to write closes nothing, closeAfterReply or not: in Redis only a
    // write that empties the output closes a CLIENT_CLOSE_AFTER_REPLY client
    // (writeToClient), and a reply CLIENT REPLY OFF/SKIP dropped queues none
    // (prepareClientToWrite). So QUIT, CLIENT KILL of itself or a protocol
    // error under OFF leave the connection open, reading no more commands.
    if (this.finalOut >= 0 && this.out.length > this.finalOut) {
      // Output that came after its last reply (finalOut) is dropped. A push
      // to a connection left open that way still closes it: Redis queues the
      // client for a write before dropping the push (prepareClientToWrite
      // lets a push through CLIENT REPLY OFF), and writeToClient, finding
      // nothing pending, frees a CLIENT_CLOSE_AFTER_REPLY client. Seen on
      // 7.0.15: REPLY OFF, QUIT, then PUBLISH (answered :1): no message, EOF.
      this.out = this.out.slice(0, this.finalOut);
      if (this.out.length === 0) {
        this.close();
        return;
      }
    }
    if (this.out.length === 0 || this.outputHeld) return;
    const s = this.out;
    this.out = '';
    if (this.socket && !this.closed) {
      const before = this.server.beforeReplies;
      if (before !== null) before();
      const stats = this.server.stats;
      stats.netOutputBytes += s.length;
      stats.writesProcessed++;
      this.socket.write(s, 'latin1');
      this.lastInteraction = this.server.clock;
      // Output the kernel did not take stays in the socket's buffer: bounded by the limits.
      if (this.socket.writableLength !== 0 || this.obufSoftSince !== 0) this.checkOutputLimits();
    }
    if (this.closeAfterReply) this.close();
  }

  /** When the pending output first stayed over the soft limit (ms), or 0. */
  private obufSoftSince = 0;

  /**
   * client-output-buffer-limit (checkClientOutputBufferLimits): a client
   * whose pending output reaches its class's hard limit, or stays over the
   * soft limit longer than soft-seconds, is dropped at once, its pending
   * output discarded (a reader that stopped reading cannot grow memory).
   */
  private checkOutputLimits(): void {
    const socket = this.socket!;
    const used = socket.writableLength + this.out.length;
    const cls = this.state.subscribed === true ? 2 : this.state.replica === true && this.state.monitor !== true ? 1 : 0;
    const [hard, soft, softSeconds] = outputLimits(this.server.config.get('client-output-buffer-limit'), cls);
    let over = hard > 0 && used >= hard;
    if (soft > 0 && used >= soft) {
      const now = Date.now();
      if (this.obufSoftSince === 0) this.obufSoftSince = now;
      else if (now - this.obufSoftSince > softSeconds * 1000) over = true;
    } else {
      this.obufSoftSince = 0;
    }
    if (!over) return;
    this.server.log.warning(
      `Client id=${this.id} addr=${this.addr} laddr=${this.laddr} name=${this.name} ` +
        `age=${Math.floor((Date.now() - this.createdAt) / 1000)} omem=${used} cmd=${this.lastCommand} ` +
        'scheduled to be closed ASAP for overcoming of output buffer limits.',
    );
    this.out = '';
    this.closed = true;
    socket.destroy();
    this.server.clientClosed(this);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.socket) this.socket.end();
    this.server.clientClosed(this);
  }
}

let limitsSpec = '';
let limitsParsed: number[][] = [];

/** [hard, soft, soft-seconds] of a class (0 normal, 1 replica, 2 pubsub) from the directive's canonical value. */
function outputLimits(spec: string, cls: number): number[] {
  if (spec !== limitsSpec) {
    const w = spec.split(' ');
    limitsParsed = [0, 4, 8].map((i) => [Number(w[i + 1]), Number(w[i + 2]), Number(w[i + 3])]);
    limitsSpec = spec;
  }
  return limitsParsed[cls];
}

function formatAddr(host: string | undefined, port: number | undefined): string {
  if (!host) return '';
  if (host.startsWith('::ffff:')) host = host.slice(7);
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
