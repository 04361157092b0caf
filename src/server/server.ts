/**
 * The server: listening sockets, connected clients, the databases, the
 * command table and the periodic tasks (Redis's serverCron at `hz`).
 *
 * Data path: socket bytes -> RequestParser -> processCommand (dispatcher) ->
 * handler -> store (Database) -> propagate() (AOF listeners) -> the client's
 * reply buffer, written once per read.
 *
 * Other layers attach through:
 *  - hooks.beforeCommand / afterCommand / commandRejected (MULTI queueing,
 *    write refusal after persistence errors, MONITOR, SLOWLOG),
 *  - keyspace hooks (every change to a key, see store/database.ts),
 *  - onPropagate listeners (effects of write commands, for the AOF),
 *  - onClientClose listeners (blocked clients, subscriptions, watches).
 */
import fs from 'node:fs';
import net from 'node:net';
// Imported, not the global: see dispatcher.ts.
import { performance } from 'node:perf_hooks';
import { Config } from '../config/config';
import { CommandTable, type Command } from '../commands/table';
import { families } from '../commands';
import { Database, type KeyspaceHooks } from '../store/database';
import { limits } from '../store/limits';
import * as E from '../errors';
import { RequestParser } from '../protocol/parser';
import { signalKeyAsReady } from './blocking';
import { Client } from './client';
import { processCommand, processEmptyCommand } from './dispatcher';
import { Logger } from './log';
import { touchKey, unwatchAll } from './multi';
import { PubSub, subscribedContextError } from './pubsub';
import { notify, NOTIFY, parseNotifyFlags, setupKeyMissEvents } from './notify';
import { getKeys } from '../commands/command';
import { Stats } from './stats';
import { setupInfo } from './info';
import { setupSnapshots } from '../persistence/snapshot';
import { setupMonitoring } from './slowlog';
import { setupAof } from '../persistence/aof-setup';
import { setupTracking } from './tracking';
import { setupMemoryGuard } from './memory-guard';

/**
 * A client whose commands have run this long in one go stops there: its
 * socket stops being read, the event loop turns (other clients are served,
 * replies written, a background save walks on), and it resumes in the next
 * turn. libuv reads a readable socket up to 32 times 64 KB at once, so a
 * client pipelining 1,000 SETs at a time held everybody else for the whole
 * batch. Another client's GET while redis-benchmark -t set -P 1000 -c 2
 * runs, p50: 1.3-1.8 ms before, 0.7-0.85 ms with this, Redis (which reads
 * 16 KB per turn) 0.8-1.0 ms; the pipelines' own requests/s fell 1-10%
 * (0.5 ms costs the same within the noise).
 */
const YIELD_AFTER_MS = 0.2;
/**
 * The same while a background save walks the keyspace (setBackgroundWalk):
 * the walk's slices are that short too (persistence/pointintime.ts), and a
 * batch of SETs, slower then (each copies its key's old value first), made
 * the wait. Another client's GET during a BGSAVE of 1,000,000 keys under
 * 50,000 SET/s sent 50 at a time (node bench/bgsave-latency.js, kevy alone,
 * 3 rounds): batches of 32-48 SETs took 200-300 us; the slow GETs (p99) had
 * waited for one of them. Yielding after 0.04 ms (every 4 commands) took p99
 * from 0.84 to 0.57 ms (BGSAVE) and 0.55 to 0.40 (BGREWRITEAOF) alone; with
 * 0.02 ms and the shorter slices, see pointintime.ts's table.
 */
const WALK_YIELD_AFTER_MS = 0.02;
/** Replies a stopped client keeps before they are written anyway (bytes). */
const YIELD_FLUSH_BYTES = 64 * 1024;

export const KEVY_VERSION = '0.1.0';
/** The Redis version kevy answers as (clients choose features by it). */
export const REDIS_VERSION = '7.0.15';

/** A startup hook could not load the data (a damaged dump or AOF): the message says which file, where, and what to do. */
export class StartupError extends Error {}

export interface ServerHooks {
  /** null: run the command; a text: refuse with that error; '': already answered (queued). */
  beforeCommand(c: Client, cmd: Command, argv: string[]): string | null;
  afterCommand(c: Client, cmd: Command, argv: string[], usec: number): void;
  /** A command that did not run: refused before running, or empty (processEmptyCommand). */
  commandRejected(c: Client): void;
  /**
   * Around the deferred reply of a blocked client (served by another
   * client's write, timed out, CLIENT UNBLOCK), which runs outside any
   * command of its own: c is the client the work is done for, as Redis's
   * current_client is then (tracking: its own invalidations come after the
   * reply, NOLOOP leaves them out).
   */
  beforeDeferredReply(c: Client): void;
  afterDeferredReply(c: Client): void;
}

/** Errors of listen() that skip an address rather than abort (listenToPort). */
const UNSUPPORTED_FAMILY = new Set(['ENOPROTOOPT', 'EPROTONOSUPPORT', 'ESOCKTNOSUPPORT', 'EPFNOSUPPORT', 'EAFNOSUPPORT']);

/** No address of `bind` could be listened on (or bind is empty). */
export class NotListeningError extends Error {
  constructor() {
    super('Configured to not listen anywhere, exiting.');
  }
}

export class Server {
  readonly config: Config;
  readonly log = new Logger();
  readonly stats = new Stats();
  readonly table = new CommandTable(families);
  dbs: Database[] = [];
  readonly clients = new Map<number, Client>();
  /** Changes since the last successful save (Redis's `dirty`). */
  dirty = 0;
  /** Cached now (ms) for the hot path; refreshed by the cron (every 1000/hz ms). */
  clock = Date.now();
  /**
   * While processInput runs a read's commands: when the last command ended
   * (performance.now()), the start of the next one; -1 otherwise (see call()).
   */
  cmdClock = -1;
  readonly startTime = Date.now();
  /** Set when the server is shutting down: no new connections, no new commands. */
  shuttingDown = false;
  /** The TCP port actually bound (useful when port 0 picked a free one). */
  boundPort = 0;
  private nextClientId = 1;
  private listeners: net.Server[] = [];
  private cron: NodeJS.Timeout | null = null;
  readonly onPropagate: ((db: number, cmds: string[][]) => void)[] = [];
  /**
   * Run by Client.flush before a reply goes to its socket (the AOF writes
   * what was appended first: no client hears of a write that a kill -9
   * could still lose, as Redis's beforeSleep writes the AOF before the
   * replies). null: nothing to do.
   */
  beforeReplies: (() => void) | null = null;
  readonly onClientClose: ((c: Client) => void)[] = [];
  readonly onCron: ((now: number) => void)[] = [];
  /** Extra state of other layers (slowlog, monitors, pub/sub, ...). */
  readonly ext: Record<string, unknown> = {};

  readonly pubsub = new PubSub(this);
  /** notify-keyspace-events as flags (0: off), see ./notify.ts. */
  notifyFlags = 0;

  hooks: ServerHooks = {
    beforeCommand: (c, cmd) => subscribedContextError(c, cmd.name),
    afterCommand: () => {},
    commandRejected: () => {},
    beforeDeferredReply: () => {},
    afterDeferredReply: () => {},
  };

  readonly keyspaceHooks: KeyspaceHooks = {
    keyWillChange: () => {},
    keyChanged: (db, key) => {
      touchKey(db, key);
      signalKeyAsReady(db, key);
    },
    keyExpired: (db, key) => {
      this.stats.expiredKeys++;
      notify(this, NOTIFY.EXPIRED, 'expired', key, db.id);
      this.propagate(db.id, [['DEL', key]]);
    },
    keyAdded: (db, key) => {
      if (this.notifyFlags & NOTIFY.NEW) notify(this, NOTIFY.NEW, 'new', key, db.id);
    },
  };

  constructor(config: Config) {
    this.config = config;
    // The config file's `user default ...` line wins over requirepass, wherever written (ACLLoadUsersAtStartup).
    config.defaultUser.applyDeclared();
    this.log.setLevel(config.get('loglevel'));
    this.log.setFile(config.get('logfile'));
    const n = config.databases;
    for (let i = 0; i < n; i++) {
      const db = new Database(i);
      db.hooks = this.keyspaceHooks;
      this.dbs.push(db);
    }
    this.applyLimits();
    this.notifyFlags = parseNotifyFlags(config.get('notify-keyspace-events')) ?? 0;
    this.onClientClose.push((c) => unwatchAll(c));
    this.onClientClose.push((c) => this.pubsub.removeAll(c));
    config.onChange((name, value) => {
      if (name === 'loglevel') this.log.setLevel(value);
      if (name === 'hz') this.startCron();
      if (name === 'notify-keyspace-events') this.notifyFlags = parseNotifyFlags(value) ?? 0;
      this.applyLimits();
    });
    setupInfo(this);
    setupSnapshots(this);
    setupMonitoring(this);
    setupAof(this);
    setupTracking(this);
    setupKeyMissEvents(this, getKeys);
    // Last: its OOM check runs before the MISCONF ones, as in Redis's processCommand.
    setupMemoryGuard(this);
  }

  private applyLimits(): void {
    const cfg = this.config;
    limits.hashMaxListpackEntries = cfg.int('hash-max-listpack-entries');
    limits.hashMaxListpackValue = cfg.int('hash-max-listpack-value');
    limits.zsetMaxListpackEntries = cfg.int('zset-max-listpack-entries');
    limits.zsetMaxListpackValue = cfg.int('zset-max-listpack-value');
    limits.setMaxIntsetEntries = cfg.int('set-max-intset-entries');
    limits.listMaxListpackSize = cfg.int('list-max-listpack-size');
    limits.listCompressDepth = cfg.int('list-compress-depth');
    this.queryBufferLimit = cfg.int('client-query-buffer-limit');
  }

  /**
   * client-query-buffer-limit, checked on every read: kept here by
   * applyLimits, as a config lookup (two Map gets and a string-to-number
   * parse) cost ~47 ns per read.
   */
  queryBufferLimit = 0;

  /** Effects collected during EXEC, emitted at its end wrapped in MULTI/EXEC. */
  private batch: { db: number; cmds: string[][] }[] | null = null;

  /**
   * Hands the effect of a write to the persistence layer. Listeners receive
   * the database and the commands to log. A transaction that changed more
   * than one thing arrives as MULTI, its commands (each with its own
   * database), EXEC, as Redis 7.0 propagates it.
   */
  propagate(db: number, cmds: string[][]): void {
    if (this.batch !== null) {
      this.batch.push({ db, cmds });
      return;
    }
    for (const l of this.onPropagate) l(db, cmds);
  }

  beginPropagateBatch(): void {
    this.batch = [];
  }

  endPropagateBatch(): void {
    const batch = this.batch;
    this.batch = null;
    if (batch === null || batch.length === 0) return;
    const total = batch.reduce((n, b) => n + b.cmds.length, 0);
    if (total > 1) this.propagate(batch[0].db, [['MULTI']]);
    for (const b of batch) this.propagate(b.db, b.cmds);
    if (total > 1) this.propagate(batch[batch.length - 1].db, [['EXEC']]);
  }

  /** Startup hooks run before listening (loading the snapshot / AOF). */
  readonly onStartup: (() => Promise<void> | void)[] = [];

  /** Loads data (startup hooks), then listens. */
  async start(): Promise<void> {
    fs.mkdirSync(this.config.get('dir'), { recursive: true });
    for (const fn of this.onStartup) await fn();
    await this.listen();
    this.log.notice(`Ready to accept connections tcp (port ${this.boundPort})`);
  }

  // ---- network ----------------------------------------------------------

  async listen(): Promise<void> {
    const port = this.config.port;
    for (const raw of this.config.bind) {
      const optional = raw.startsWith('-');
      const host = optional ? raw.slice(1) : raw;
      // As Redis's anetTcpServer: `*` is every IPv4 address, `::*` every IPv6 one, and an
      // IPv6 socket is IPv6-only (so `bind * -::*` takes the port on both).
      const ipv6 = host.includes(':');
      const address = host === '*' ? '0.0.0.0' : host === '::*' ? '::' : host;
      const srv = net.createServer({ pauseOnConnect: true }, (s) => this.accept(s));
      try {
        await new Promise<void>((resolve, reject) => {
          srv.once('error', reject);
          srv.listen({ port: this.boundPort || port, host: address, ipv6Only: ipv6, backlog: this.config.int('tcp-backlog') }, () => {
            srv.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        // As Redis's listenToPort: an optional address that does not exist here, or an
        // address family the kernel lacks, is skipped with a warning; anything else aborts.
        const code = (err as NodeJS.ErrnoException).code ?? '';
        if ((optional && code === 'EADDRNOTAVAIL') || UNSUPPORTED_FAMILY.has(code)) {
          this.log.warning(`Warning: Could not create server TCP listening socket ${host}:${port}: ${(err as Error).message}`);
          continue;
        }
        await this.closeListeners();
        throw new Error(`Could not create server TCP listening socket ${host}:${port}: ${(err as Error).message}`);
      }
      this.boundPort = (srv.address() as net.AddressInfo).port;
      this.listeners.push(srv);
    }
    if (this.listeners.length === 0) throw new NotListeningError();
    this.startCron();
  }

  private accept(accepted: net.Socket): void {
    const socket = adoptSocket(accepted, (n, buf) => this.onRead(c, buf, n));
    let c: Client;
    if (this.shuttingDown) {
      socket.destroy();
      return;
    }
    if (this.clients.size >= this.config.int('maxclients')) {
      this.stats.rejectedConnections++;
      socket.end('-ERR max number of clients reached\r\n');
      return;
    }
    if (this.config.bool('protected-mode') && this.config.defaultUser.nopass && !isLoopback(socket.remoteAddress)) {
      this.stats.rejectedConnections++;
      socket.end(`-${E.PROTECTED_MODE}\r\n`);
      return;
    }
    socket.setNoDelay(true);
    const keepalive = this.config.int('tcp-keepalive');
    if (keepalive > 0) socket.setKeepAlive(true, keepalive * 1000);
    c = new Client(this, socket, this.nextClientId++);
    this.clients.set(c.id, c);
    this.stats.totalConnections++;
    const parser = new RequestParser({
      maxBulkLen: this.config.int('proto-max-bulk-len'),
      authenticated: () => !c.needsAuth(),
    });
    c.parser = parser;
    socket.on('error', (err) => this.log.verbose(`Client id=${c.id} addr=${c.addr}: ${err.message}`));
    socket.on('close', () => {
      if (!c.closed) {
        c.closed = true;
        this.clientClosed(c);
      }
    });
  }

  /** A read of n bytes into the shared read buffer (see adoptSocket). */
  private onRead(c: Client, buf: Buffer, n: number): void {
    if (c === undefined || c.closed) return; // refused at accept, or closed: the bytes are dropped
    this.stats.netInputBytes += n;
    this.stats.readsProcessed++;
    // Every read and every write counts as activity (Redis's lastinteraction), not only a
    // command: a client uploading a big argument slowly is not idle (timeout, CLIENT LIST).
    c.lastInteraction = this.clock;
    const parser = c.parser!;
    parser.feed(buf.subarray(0, n));
    this.processInput(c);
    parser.release();
  }

  /** How often (every yieldMask + 1 commands) and after how long (ms) processInput stops a client's batch. */
  yieldMask = 15;
  yieldAfterMs = YIELD_AFTER_MS;

  /** Whether a background save (one or more point-in-time views) walks the keyspace: batches yield sooner meanwhile. */
  setBackgroundWalk(walking: boolean): void {
    this.yieldMask = walking ? 3 : 15;
    this.yieldAfterMs = walking ? WALK_YIELD_AFTER_MS : YIELD_AFTER_MS;
  }

  /** The next turn of a client processInput stopped (YIELD_AFTER_MS): its next commands, then its socket. */
  private readonly resumeInput = (c: Client): void => {
    c.inputYielded = false;
    if (c.socket === null) return;
    if (c.closed) {
      // Killed meanwhile (CLIENT KILL: socket.end()): read on, so the peer's EOF closes the socket.
      setReading(c.socket, true);
      return;
    }
    if (this.shuttingDown) {
      // The final save is done: no more commands, only the replies of those that ran.
      c.flush();
      return;
    }
    if (!c.blocked) this.processInput(c);
    if (c.inputYielded) return;
    // Replies first: reading again may read an EOF, and Node then ends the socket.
    this.flushQueuedWrites();
    setReading(c.socket, true);
  };

  /** Runs every complete command in c's query buffer, then writes the replies once. */
  processInput(c: Client): void {
    // After SHUTDOWN's final save nothing runs (a client unblocked or unpaused then, a later read).
    if (this.shuttingDown) return;
    const parser = c.parser!;
    // `clock` (client idle times, OBJECT IDLETIME, AOF timestamps: second
    // resolution) is refreshed by the cron at hz, not per read: a Date.now()
    // per read was ~3% of a -P 1 request's CPU (clock_gettime, ~100 ns).
    if (parser.buffered > this.queryBufferLimit) {
      this.log.warning(`Closing client that reached max query buffer length: id=${c.id} addr=${c.addr}`);
      c.close();
      return;
    }
    const start = performance.now();
    this.cmdClock = start;
    const yieldMask = this.yieldMask;
    const yieldAfter = this.yieldAfterMs;
    c.batchBuffered = parser.buffered;
    let n = 0;
    while (!c.blocked && !c.closeAfterReply && !c.closed && !this.shuttingDown) {
      if (n !== 0 && (n & yieldMask) === 0 && parser.buffered !== 0 && performance.now() - start > yieldAfter) {
        // Not read again (an EOF included) until the commands already received have run.
        c.inputYielded = true;
        if (c.socket !== null) setReading(c.socket, false);
        setImmediate(this.resumeInput, c);
        break;
      }
      const r = parser.next();
      if (r === null) break;
      if (typeof r === 'string') {
        // setProtocolError: the error is a reply like any other, dropped under
        // CLIENT REPLY OFF / SKIP, and the connection closes once its output is
        // written (CLIENT_CLOSE_AFTER_REPLY): with none pending it stays open,
        // its further input unread (Client.flush).
        const mark = c.out.length;
        c.error('ERR ' + r);
        c.dropReplyIfOff(mark);
        c.closeAfterReply = true;
        c.finalOut = c.out.length; // what it wrote is all it will ever send (Client.finalOut)
        this.log.verbose(`Protocol error (${r}) from client: id=${c.id} addr=${c.addr}`);
        break;
      }
      if (r.length === 0) processEmptyCommand(c);
      else processCommand(c, r);
      n++;
    }
    this.cmdClock = -1;
    c.batchBuffered = -1;
    c.queryBuffered = parser.buffered;
    // A client stopped mid-pipeline keeps its replies until the pipeline is read or they fill a write.
    if (c.inputYielded && c.out.length < YIELD_FLUSH_BYTES) return;
    this.queueWrite(c);
  }

  private writeQueue: Client[] = [];
  private writesScheduled = false;

  /**
   * Writes c's replies after every read of this poll phase has run (a
   * setImmediate, as Redis's beforeSleep writes after its reads), not in the
   * read's callback: interleaving write() with the reads woke the benchmark
   * client once per reply and measured ~76% of kevy's busy time in
   * writeLatin1String, mostly context switches (perf: finish_task_switch).
   * The AOF is written before the first of them (beforeReplies, from Client.flush).
   */
  private queueWrite(c: Client): void {
    if (c.writeQueued) return;
    c.writeQueued = true;
    this.writeQueue.push(c);
    if (!this.writesScheduled) {
      this.writesScheduled = true;
      setImmediate(this.writeQueued);
    }
  }

  private readonly writeQueued = (): void => {
    this.writesScheduled = false;
    const list = this.writeQueue;
    this.writeQueue = [];
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      c.writeQueued = false;
      c.flush();
    }
  };

  /**
   * Writes the replies queued so far now instead of at the end of this
   * check phase. A background save's slice (BGSAVE, AOF rewrite) is a
   * setImmediate queued before the replies of the reads that came after it,
   * so without this every reply waited a whole slice.
   */
  flushQueuedWrites(): void {
    if (this.writeQueue.length !== 0) this.writeQueued();
  }

  private pendingFlush = new Set<Client>();
  private flushQueued = false;

  /**
   * Queues a write of c's pending output for the end of the current turn
   * (pub/sub messages, served blocked clients): many replies, one write.
   */
  scheduleFlush(c: Client): void {
    this.pendingFlush.add(c);
    if (!this.flushQueued) {
      this.flushQueued = true;
      process.nextTick(() => this.flushPending());
    }
  }

  private flushPending(): void {
    this.flushQueued = false;
    const list = this.pendingFlush;
    this.pendingFlush = new Set();
    for (const c of list) c.flush();
  }

  clientClosed(c: Client): void {
    if (!this.clients.delete(c.id)) return;
    for (const l of this.onClientClose) l(c);
  }

  // ---- periodic tasks ---------------------------------------------------

  private startCron(): void {
    if (this.cron) clearInterval(this.cron);
    if (this.listeners.length === 0 && !this.cron) {
      // Not listening yet: started by listen().
    }
    const hz = Math.max(1, Math.min(500, this.config.int('hz')));
    this.cron = setInterval(() => this.serverCron(hz), Math.floor(1000 / hz));
    this.cron.unref();
  }

  private serverCron(hz: number): void {
    const now = Date.now();
    this.clock = now;
    this.activeExpireCycle(hz, now);
    this.stats.sample(now);
    const timeout = this.config.int('timeout');
    if (timeout > 0) {
      for (const c of this.clients.values()) {
        // Not a MONITOR client (a replica to Redis: clientsCronHandleTimeout spares CLIENT_SLAVE).
        if (!c.blocked && now - c.lastInteraction > timeout * 1000 && !c.state.subscribed && c.state.monitor !== true) c.close();
      }
    }
    for (const fn of this.onCron) fn(now);
  }

  /**
   * Redis's activeExpireCycle: per database, sample 20 keys with a TTL and
   * delete the expired; repeat while more than 10% of a sample was expired,
   * within 25% of the cron period, so memory is reclaimed without stalling.
   */
  private activeExpireCycle(hz: number, now: number): void {
    if (!this.activeExpireEnabled) return;
    const budget = 1000 / hz / 4;
    const start = performance.now();
    let sampledAll = 0;
    let expiredAll = 0;
    scan: for (const db of this.dbs) {
      if (db.expires.size === 0) continue;
      for (;;) {
        const [sampled, expired] = db.expireSample(20, now);
        sampledAll += sampled;
        expiredAll += expired;
        if (sampled === 0 || expired <= sampled / 10) break;
        if (performance.now() - start > budget) {
          this.stats.expiredTimeCapReached++;
          break scan;
        }
      }
    }
    // INFO expired_stale_perc / expire_cycle_cpu_milliseconds, smoothed as Redis does.
    const stale = sampledAll > 0 ? (expiredAll * 100) / sampledAll : 0;
    this.stats.expiredStalePerc = stale * 0.05 + this.stats.expiredStalePerc * 0.95;
    this.stats.expireCycleMs += performance.now() - start;
  }

  // ---- shutdown ---------------------------------------------------------

  private async closeListeners(): Promise<void> {
    const ls = this.listeners;
    this.listeners = [];
    await Promise.all(ls.map((l) => new Promise<void>((r) => l.close(() => r()))));
  }

  /** DEBUG SET-ACTIVE-EXPIRE 0 turns the active expiry cycle off (lazy expiry stays). */
  activeExpireEnabled = true;
  /** Run after SHUTDOWN (the command) closed everything: the CLI exits the process here. */
  readonly onExit: (() => void)[] = [];

  /** Awaited in order by shutdown() before clients are closed (the final save runs before, in beforeShutdown). */
  readonly onShutdown: (() => Promise<void> | void)[] = [];
  /**
   * Run synchronously first by shutdown(), before anything closes (Redis's
   * finishShutdown: the final save). A throw refuses the shutdown: the
   * promise rejects with it and the server goes on serving.
   */
  readonly beforeShutdown: (() => void)[] = [];
  private shutdownDone: Promise<void> | null = null;

  /**
   * Graceful shutdown (SIGTERM, SIGINT): stop accepting and reading, run the
   * onShutdown hooks, let replies already produced reach their clients (at
   * most graceMs), then close everything. Calling it again returns the same
   * promise.
   */
  shutdown(graceMs = 5000): Promise<void> {
    if (this.shutdownDone) return this.shutdownDone;
    try {
      for (const fn of this.beforeShutdown) fn();
    } catch (e) {
      return Promise.reject(e);
    }
    this.shuttingDown = true;
    this.shutdownDone = (async () => {
      const closing = this.closeListeners();
      for (const c of this.clients.values()) {
        c.socket?.pause();
        c.flush();
      }
      for (const fn of this.onShutdown) await fn();
      const deadline = Date.now() + graceMs;
      const pending = () => {
        for (const c of this.clients.values()) {
          c.flush();
          if (c.outputHeld || (c.socket !== null && !c.socket.destroyed && c.socket.writableLength > 0)) return true;
        }
        return false;
      };
      while (pending() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await this.close();
      await closing;
    })();
    return this.shutdownDone;
  }

  /** Run by close() (observers a server set up). */
  readonly onClose: (() => void)[] = [];

  /** Stops accepting, closes every client, stops the cron. */
  async close(): Promise<void> {
    this.shuttingDown = true;
    for (const fn of this.onClose.splice(0)) fn();
    if (this.cron) clearInterval(this.cron);
    this.cron = null;
    const closing = this.closeListeners();
    for (const c of [...this.clients.values()]) {
      c.flush();
      c.socket?.destroy();
      c.closed = true;
      this.clientClosed(c);
    }
    await closing;
  }
}

/**
 * Every client socket reads into this one buffer: libuv fills it and the
 * callback parses it at once (the parser copies what it keeps: argument
 * strings, and the bytes of an incomplete command). Node's default read path
 * allocates a Buffer per read and pushes it through a Readable stream: a
 * minimal PING server measured 4.0-4.45 us of CPU per request that way and
 * 3.1-3.2 us with a shared buffer (redis-benchmark -t ping_inline -P 1 -c 50).
 */
const readBuffer = Buffer.allocUnsafe(64 * 1024);

/**
 * A socket accepted paused (pauseOnConnect) re-wrapped around the same
 * handle with Node's `onread` option (public only for sockets the program
 * creates: `new net.Socket({ onread })`). The accepted Socket object gives up
 * its handle and is destroyed, which only updates the listener's count.
 */
function adoptSocket(accepted: net.Socket, onRead: (n: number, buf: Buffer) => void): net.Socket {
  const internal = accepted as unknown as { _handle: unknown };
  const handle = internal._handle;
  internal._handle = null;
  accepted.destroy();
  const options = {
    handle,
    readable: true,
    writable: true,
    onread: {
      buffer: readBuffer,
      callback: (n: number, buf: Uint8Array): boolean => {
        onRead(n, buf as Buffer);
        return true;
      },
    },
  };
  return new net.Socket(options as net.SocketConstructorOpts);
}

/**
 * Stops or restarts reading a socket's handle, as Node does when an onread
 * callback returns false and in socket.resume(); resume() goes through the
 * stream machinery (a nextTick, read(0), flow()): ~5 us a call.
 */
function setReading(socket: net.Socket, on: boolean): void {
  const handle = (socket as unknown as { _handle: { reading: boolean; readStart(): number; readStop(): number } | null })._handle;
  if (handle === null || handle.reading === on || socket.destroyed) return;
  handle.reading = on;
  if (on) handle.readStart();
  else handle.readStop();
}

function isLoopback(addr: string | undefined): boolean {
  if (!addr) return true;
  return addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.');
}
