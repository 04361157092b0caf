/**
 * MONITOR (replication.c replicationFeedMonitors): every command another
 * client (or the monitor itself) runs is sent to each monitoring client, after
 * it ran, as one status line:
 *
 *   +1700000000.123456 [0 127.0.0.1:50000] "SET" "k\x00" "v"
 *
 * Arguments are quoted as sdscatrepr does; passwords (AUTH, HELLO ... AUTH)
 * show as "(redacted)". Commands flagged admin or skip_monitor (CONFIG,
 * DEBUG, EVAL...) and refused commands are not shown. A monitor whose
 * replies are off or skipped (CLIENT REPLY OFF / SKIP) gets no lines then.
 *
 * A monitoring client is a replica for Redis: commands touching the keyspace
 * (read, write or may-replicate) are refused with "Replica can't interact
 * with the keyspace"; others (PING, TIME, QUIT, RESET...) still run. RESET
 * ends monitoring. The hooks are installed by the first MONITOR, so a server
 * nobody monitors pays nothing.
 */
import type { Command } from '../commands/table';
import { REPLY_SILENCED, type Client } from './client';
import type { Server } from './server';

export const MONITOR_REPLICA_ERROR = "ERR Replica can't interact with the keyspace";

interface MonitorState {
  clients: Set<Client>;
}

function stateOf(server: Server): MonitorState | undefined {
  return server.ext.monitor as MonitorState | undefined;
}

/** True when c is in MONITOR mode. */
export function isMonitor(c: Client): boolean {
  return c.state.monitor === true;
}

/** Puts c in MONITOR mode (the caller has checked it may). */
export function startMonitor(c: Client): void {
  const server = c.server;
  let st = stateOf(server);
  if (st === undefined) st = install(server);
  st.clients.add(c);
  c.state.monitor = true;
}

/** Ends MONITOR mode (RESET, close). */
export function stopMonitor(c: Client): void {
  if (!isMonitor(c)) return;
  c.state.monitor = false;
  stateOf(c.server)?.clients.delete(c);
}

function install(server: Server): MonitorState {
  const st: MonitorState = { clients: new Set() };
  server.ext.monitor = st;
  server.onClientClose.push(stopMonitor);
  const before = server.hooks.beforeCommand;
  server.hooks.beforeCommand = (c, cmd, argv) => {
    if (c.state.monitor === true && touchesKeyspace(cmd)) return MONITOR_REPLICA_ERROR;
    return before(c, cmd, argv);
  };
  const after = server.hooks.afterCommand;
  server.hooks.afterCommand = (c, cmd, argv, usec) => {
    after(c, cmd, argv, usec);
    if (st.clients.size !== 0 && !cmd.flags.has('admin') && !cmd.flags.has('skip_monitor')) feed(st, c, cmd, argv);
  };
  return st;
}

function touchesKeyspace(cmd: Command): boolean {
  const f = cmd.flags;
  return f.has('readonly') || f.has('write') || f.has('may_replicate');
}

function feed(st: MonitorState, c: Client, cmd: Command, argv: string[]): void {
  const t = performance.timeOrigin + performance.now();
  const sec = Math.floor(t / 1000);
  const usec = Math.floor((t - sec * 1000) * 1000);
  let line = `+${sec}.${String(usec).padStart(6, '0')} [${c.db.id} ${c.addr}]`;
  for (let j = 0; j < argv.length; j++) line += ' ' + (redacted(cmd, argv, j) ? '"(redacted)"' : repr(argv[j]));
  line += '\r\n';
  // Written once per tick, not per command (a pipelined burst costs one write per monitor), and
  // through scheduleFlush: under appendfsync always the AOF holds it until the fsync, as any reply.
  for (const m of st.clients) {
    // replicationFeedMonitors writes with addReply: the monitor's own CLIENT REPLY OFF / SKIP drops
    // the line (its own command's line is fed after it ran: that of CLIENT REPLY OFF is dropped).
    if ((m.replyFlags & REPLY_SILENCED) !== 0) continue;
    m.out += line;
    c.server.scheduleFlush(m);
  }
}

/**
 * Arguments Redis replaces with shared.redacted in what MONITOR and SLOWLOG
 * show (redactClientCommandArgument): AUTH's, and HELLO's AUTH credentials
 * up to its first bad option (where HELLO stops with a syntax error).
 */
export function redacted(cmd: Command, argv: string[], j: number): boolean {
  if (cmd.name === 'auth') return j >= 1;
  if (cmd.name === 'hello') {
    for (let i = 2; i < argv.length; i++) {
      const opt = argv[i].toLowerCase();
      if (opt === 'auth' && i + 2 < argv.length) {
        if (j === i + 1 || j === i + 2) return true;
        i += 2;
      } else if (opt === 'setname' && i + 1 < argv.length) {
        i += 1;
      } else {
        break;
      }
    }
  }
  return false;
}

/** sdscatrepr: a double-quoted, escaped representation of a binary string. */
export function repr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    switch (ch) {
      case 0x5c: out += '\\\\'; break;
      case 0x22: out += '\\"'; break;
      case 0x0a: out += '\\n'; break;
      case 0x0d: out += '\\r'; break;
      case 0x09: out += '\\t'; break;
      case 0x07: out += '\\a'; break;
      case 0x08: out += '\\b'; break;
      default:
        if (ch >= 0x20 && ch <= 0x7e) out += s[i];
        else out += '\\x' + ch.toString(16).padStart(2, '0');
    }
  }
  return out + '"';
}
