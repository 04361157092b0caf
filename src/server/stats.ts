/**
 * Server-wide counters for INFO stats / errorstats / commandstats.
 *
 * Error replies are counted by their code, the first word of the text
 * (`ERR`, `WRONGTYPE`, ...), as Redis's errorstats does.
 */
export class Stats {
  totalConnections = 0;
  rejectedConnections = 0;
  totalCommands = 0;
  totalErrorReplies = 0;
  /** totalErrorReplies when the running command last looked (dispatcher's call(): Redis's prev_err_count). */
  errorMark = 0;
  expiredKeys = 0;
  keyspaceHits = 0;
  keyspaceMisses = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  /** Active expiry: smoothed % of sampled keys found expired, cycles cut by their time budget, time spent. */
  expiredStalePerc = 0;
  expiredTimeCapReached = 0;
  expireCycleMs = 0;
  evictedKeys = 0;
  /** Socket reads handled and reply writes made. */
  readsProcessed = 0;
  writesProcessed = 0;
  readonly errors = new Map<string, number>();
  /** Run by reset() (CONFIG RESETSTAT): INFO forgets its latency histograms and memory peak. */
  readonly onReset: (() => void)[] = [];
  /** Samples of ops/sec and bytes/sec for the instantaneous_* fields. */
  private samples: { t: number; cmds: number; inp: number; out: number }[] = [];

  countError(msg: string): void {
    this.totalErrorReplies++;
    const sp = msg.indexOf(' ');
    const code = sp < 0 ? msg : msg.slice(0, sp);
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  /** Called by the cron: records one sample (Redis keeps 16, every 100 ms). */
  sample(now: number): void {
    this.samples.push({ t: now, cmds: this.totalCommands, inp: this.netInputBytes, out: this.netOutputBytes });
    if (this.samples.length > 16) this.samples.shift();
  }

  instantaneous(field: 'cmds' | 'inp' | 'out'): number {
    if (this.samples.length < 2) return 0;
    const a = this.samples[0];
    const b = this.samples[this.samples.length - 1];
    const dt = (b.t - a.t) / 1000;
    return dt > 0 ? (b[field] - a[field]) / dt : 0;
  }

  reset(): void {
    this.totalConnections = 0;
    this.rejectedConnections = 0;
    this.totalCommands = 0;
    this.totalErrorReplies = 0;
    this.expiredKeys = 0;
    this.keyspaceHits = 0;
    this.keyspaceMisses = 0;
    this.netInputBytes = 0;
    this.netOutputBytes = 0;
    this.expiredStalePerc = 0;
    this.expiredTimeCapReached = 0;
    this.expireCycleMs = 0;
    this.evictedKeys = 0;
    this.readsProcessed = 0;
    this.writesProcessed = 0;
    this.errors.clear();
    this.samples = [];
    for (const fn of this.onReset) fn();
  }
}
