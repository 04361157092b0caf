/**
 * The slow log (Redis's slowlog.c): the latest `slowlog-max-len` commands
 * that took at least `slowlog-log-slower-than` microseconds, newest first.
 *
 * An entry keeps at most 32 arguments (the last one then says "... (N more
 * arguments)") and at most 128 bytes of each argument ("... (N more
 * bytes)"), so a huge MSET does not pin its values in memory. Passwords
 * (AUTH, HELLO ... AUTH) are logged as "(redacted)", as Redis does.
 *
 * setupMonitoring(server) wires the recording into hooks.afterCommand; it
 * also feeds the latency monitor (./latency.ts):
 *
 *   setupMonitoring(server);               // in the Server constructor
 *   slowlogOf(server).entries[0].argv      // ['debug', 'sleep', '1']
 */
import type { Command } from '../commands/table';
import { unblockedHooks } from './blocking';
import type { Client } from './client';
import { recordLatency } from './info';
import { latencyAddSampleIfNeeded, latencyOf } from './latency';
import { redacted } from './monitor';
import type { Server } from './server';

export const SLOWLOG_ENTRY_MAX_ARGC = 32;
export const SLOWLOG_ENTRY_MAX_STRING = 128;

export interface SlowlogEntry {
  id: number;
  /** Unix time in seconds. */
  time: number;
  /** Microseconds. */
  duration: number;
  argv: string[];
  peer: string;
  name: string;
}

export interface Slowlog {
  /** Newest first. */
  entries: SlowlogEntry[];
  nextId: number;
  /** slowlog-log-slower-than and slowlog-max-len, kept current by a config listener. */
  slowerThan: number;
  maxLen: number;
}

export function slowlogOf(server: Server): Slowlog {
  let s = server.ext.slowlog as Slowlog | undefined;
  if (s === undefined) {
    const cfg = server.config;
    s = { entries: [], nextId: 0, slowerThan: cfg.int('slowlog-log-slower-than'), maxLen: cfg.int('slowlog-max-len') };
    server.ext.slowlog = s;
  }
  return s;
}

/** The argv as the slow log keeps it: truncated, passwords redacted. */
function entryArgv(cmd: Command, argv: string[]): string[] {
  const argc = argv.length;
  const n = Math.min(argc, SLOWLOG_ENTRY_MAX_ARGC);
  const out = new Array<string>(n);
  for (let j = 0; j < n; j++) {
    if (n !== argc && j === n - 1) {
      out[j] = `... (${argc - n + 1} more arguments)`;
      continue;
    }
    let a = argv[j];
    if (redacted(cmd, argv, j)) a = '(redacted)';
    else if (a.length > SLOWLOG_ENTRY_MAX_STRING) {
      a = a.slice(0, SLOWLOG_ENTRY_MAX_STRING) + `... (${a.length - SLOWLOG_ENTRY_MAX_STRING} more bytes)`;
    }
    out[j] = a;
  }
  return out;
}

export function slowlogPush(server: Server, c: Client, cmd: Command, argv: string[], usec: number): void {
  const log = slowlogOf(server);
  if (log.slowerThan < 0) return;
  if (usec >= log.slowerThan) {
    log.entries.unshift({
      id: log.nextId++,
      time: Math.floor(Date.now() / 1000),
      duration: usec,
      argv: entryArgv(cmd, argv),
      peer: c.addr,
      name: c.name,
    });
  }
  if (log.entries.length > log.maxLen) log.entries.length = log.maxLen;
}

/** A command that blocked, as it ran (c.state.blockedCall), for when it is served or unblocked. */
interface BlockedCall {
  cmd: Command;
  argv: string[];
  usec: number;
}

/**
 * Redis's updateStatsOnUnblock: a blocked command served or woken by CLIENT
 * UNBLOCK is logged and measured now (the time it ran plus the serve's).
 * Redis 7.0 has freed the arguments of an unblocked one (unblockClient ->
 * resetClient) before it logs it: its entry has none. A timeout records
 * nothing (replyToBlockedClientTimedOut does not call it in 7.0.15: seen,
 * no latencystats line and no slow log entry for a BLPOP that timed out).
 */
unblockedHooks.push((c, how, serveUsec) => {
  const call = c.state.blockedCall as BlockedCall | undefined;
  if (call === undefined) return;
  delete c.state.blockedCall;
  if (how === 'timeout') return;
  const server = c.server;
  const usec = call.usec + serveUsec;
  recordLatency(server, call.cmd, usec);
  latencyAddSampleIfNeeded(server, 'command-unblocking', Math.floor(serveUsec / 1000));
  slowlogPush(server, c, call.cmd, how === 'unblocked' ? [] : call.argv, usec);
});

/**
 * Chains slow log and latency recording onto hooks.afterCommand. As in
 * Redis's call(), EXEC itself is not logged (its commands are), and a
 * command that left its client blocked is measured when it is served or
 * unblocked (above), not when it times out.
 */
export function setupMonitoring(server: Server): void {
  const log = slowlogOf(server);
  const lat = latencyOf(server);
  server.config.onChange((name, value) => {
    if (name === 'slowlog-log-slower-than') log.slowerThan = Number(value);
    else if (name === 'slowlog-max-len') log.maxLen = Number(value);
    else if (name === 'latency-monitor-threshold') lat.threshold = Number(value);
  });
  const prev = server.hooks.afterCommand;
  server.hooks.afterCommand = (c, cmd, argv, usec) => {
    prev(c, cmd, argv, usec);
    if (c.blocked) {
      const call: BlockedCall = { cmd, argv, usec };
      c.state.blockedCall = call;
      return;
    }
    if (cmd.skipSlowlog) return;
    // The thresholds are tested here first: this runs after every command.
    if (lat.threshold !== 0) latencyAddSampleIfNeeded(server, cmd.isFast ? 'fast-command' : 'command', Math.floor(usec / 1000));
    if (log.slowerThan >= 0 && usec >= log.slowerThan) slowlogPush(server, c, cmd, argv, usec);
  };
}
