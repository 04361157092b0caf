/**
 * The latency monitor (Redis's latency.c): per event class ("command",
 * "fast-command", and whatever other layers report, e.g. "aof-fsync-always"),
 * a ring of the last 160 samples, at most one per second (the worst of that
 * second), plus the all-time maximum. Samples below
 * `latency-monitor-threshold` ms are not recorded; 0 disables the monitor.
 *
 *   latencyAddSampleIfNeeded(server, 'command', ms);
 *   latencyOf(server).events.get('command')?.max
 */
import { BY_NAME } from '../config/directives';
import type { Server } from './server';

export const LATENCY_TS_LEN = 160;

export interface LatencySample {
  /** Unix time in seconds (0: empty slot). */
  time: number;
  /** Milliseconds. */
  latency: number;
}

export interface LatencySeries {
  idx: number;
  max: number;
  samples: LatencySample[];
}

export interface LatencyMonitor {
  /** Event name -> time series, in creation order. */
  events: Map<string, LatencySeries>;
  /** latency-monitor-threshold (ms), kept current by a config listener. */
  threshold: number;
}

/** A directive's value, or undefined while kevy does not know the directive yet. */
export function optionalConfig(server: Server, name: string): string | undefined {
  return BY_NAME.has(name) ? server.config.get(name) : undefined;
}

export function latencyOf(server: Server): LatencyMonitor {
  let m = server.ext.latency as LatencyMonitor | undefined;
  if (m === undefined) {
    m = { events: new Map(), threshold: server.config.int('latency-monitor-threshold') };
    server.ext.latency = m;
  }
  return m;
}

export function latencyAddSampleIfNeeded(server: Server, event: string, ms: number): void {
  const m = latencyOf(server);
  if (m.threshold !== 0 && ms >= m.threshold) latencyAddSample(m, event, ms);
}

export function latencyAddSample(m: LatencyMonitor, event: string, ms: number): void {
  let ts = m.events.get(event);
  if (ts === undefined) {
    ts = { idx: 0, max: 0, samples: [] };
    for (let i = 0; i < LATENCY_TS_LEN; i++) ts.samples.push({ time: 0, latency: 0 });
    m.events.set(event, ts);
  }
  const now = Math.floor(Date.now() / 1000);
  if (ms > ts.max) ts.max = ms;
  // One sample per second: a second sample in the same second keeps the worst.
  const prev = ts.samples[(ts.idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN];
  if (prev.time === now) {
    if (ms > prev.latency) prev.latency = ms;
    return;
  }
  ts.samples[ts.idx] = { time: now, latency: ms };
  ts.idx = (ts.idx + 1) % LATENCY_TS_LEN;
}

/** Deletes one event's data (case-insensitive), or all of it; returns how many series were removed. */
export function latencyReset(m: LatencyMonitor, event: string | null): number {
  let n = 0;
  for (const name of [...m.events.keys()]) {
    if (event === null || name.toLowerCase() === event.toLowerCase()) {
      m.events.delete(name);
      n++;
    }
  }
  return n;
}

/** The samples of a series, oldest first. */
export function latencySamples(ts: LatencySeries): LatencySample[] {
  const out: LatencySample[] = [];
  for (let j = 0; j < LATENCY_TS_LEN; j++) {
    const s = ts.samples[(ts.idx + j) % LATENCY_TS_LEN];
    if (s.time !== 0) out.push(s);
  }
  return out;
}

/** The latest sample of a series. */
export function latencyLast(ts: LatencySeries): LatencySample {
  return ts.samples[(ts.idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN];
}

interface LatencyStats {
  samples: number;
  avg: number;
  mad: number;
  period: number;
}

function analyze(ts: LatencySeries): LatencyStats {
  const all = latencySamples(ts);
  const st: LatencyStats = { samples: all.length, avg: 0, mad: 0, period: 0 };
  if (all.length === 0) return st;
  let sum = 0;
  let oldest = 0;
  for (const s of all) {
    sum += s.latency;
    if (oldest === 0 || s.time < oldest) oldest = s.time;
  }
  st.avg = Math.floor(sum / all.length);
  st.period = Math.floor(Date.now() / 1000) - oldest || 1;
  let dev = 0;
  for (const s of all) dev += Math.abs(st.avg - s.latency);
  st.mad = Math.floor(dev / all.length);
  return st;
}

/**
 * LATENCY DOCTOR's report, in the words of Redis's createLatencyReport. Only
 * the advice that can apply to kevy's event classes is produced (there is no
 * fork, and the THP check does not apply to a Node.js process).
 */
export function latencyReport(server: Server): string {
  const m = latencyOf(server);
  if (m.events.size === 0 && m.threshold === 0) {
    return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n";
  }
  let report = '';
  let advices = 0;
  let eventnum = 0;
  const advise = {
    slowlogEnabled: false,
    slowlogTuning: false,
    slowlogInspect: false,
    scheduler: false,
    largeObjects: false,
    relaxFsync: false,
    hz: false,
  };
  const slowerThan = server.config.int('slowlog-log-slower-than');
  for (const [event, ts] of m.events) {
    eventnum++;
    if (eventnum === 1) {
      report += "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
    }
    const ls = analyze(ts);
    report += `${eventnum}. ${event}: ${ls.samples} latency spikes (average ${ls.avg}ms, mean deviation ${ls.mad}ms, period ${(ls.period / ls.samples).toFixed(2)} sec). Worst all time event ${ts.max}ms.`;
    const ev = event.toLowerCase();
    if (ev === 'command') {
      if (slowerThan < 0) {
        advise.slowlogEnabled = true;
        advices++;
      } else if (Math.trunc(slowerThan / 1000) > m.threshold) {
        advise.slowlogTuning = true;
        advices++;
      }
      advise.slowlogInspect = true;
      advise.largeObjects = true;
      advices += 2;
    } else if (ev === 'fast-command') {
      advise.scheduler = true;
      advices++;
    } else if (ev === 'aof-fsync-always') {
      advise.relaxFsync = true;
      advices++;
    } else if (ev === 'expire-cycle') {
      advise.hz = true;
      advise.largeObjects = true;
      advices += 2;
    }
    report += '\n';
  }
  if (eventnum === 0 && advices === 0) {
    return (
      report +
      'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n'
    );
  }
  if (advices === 0) {
    return (
      report +
      "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n"
    );
  }
  report += '\nI have a few advices for you:\n\n';
  if (advise.slowlogEnabled) {
    report += `- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than ${m.threshold * 1000}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n`;
  }
  if (advise.slowlogTuning) {
    report += `- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than ${m.threshold * 1000}'.\n`;
  }
  if (advise.slowlogInspect) {
    report +=
      '- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n';
  }
  if (advise.scheduler) {
    report +=
      '- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n' +
      '  1) Lower the system load.\n' +
      '  2) Use a computer / VM just for Redis if you are running other software in the same system.\n' +
      '  3) Check if you have a "noisy neighbour" problem.\n' +
      "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
      '  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n';
  }
  if (advise.relaxFsync && optionalConfig(server, 'appendfsync') === 'always') {
    report +=
      "- Your fsync policy is set to 'always'. It is very hard to get good performances with such a setup, if possible try to relax the fsync policy to 'onesec'.\n";
  }
  if (advise.hz && server.config.int('hz') < 100) {
    report +=
      "- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n";
  }
  if (advise.largeObjects) {
    report +=
      '- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n';
  }
  return report;
}
