/**
 * The client side of the AOF's group commit under appendfsync always
 * (./aof.ts): the clients whose output is held until an fsync covers the
 * bytes they depend on, and when the next fsync should start.
 *
 *   held.hold(c, appendedNow);          // after c ran a command while bytes were unsynced
 *   const n = held.release(syncedNow);  // fsync done: flush the covered clients' output
 *   held.gatherAfter(n, fsyncMs);       // the next fsync waits for those n to come back ...
 *   if (held.gathering()) return;       // ... checked before starting it
 *
 * Gathering: without it the clients split in two groups that take turns
 * (the ones released by fsync N come back while fsync N+1, started at once
 * for the others, runs), so an fsync covers half of them: -c 50, 24.8
 * writes per fsync (47-48 with gathering). After an fsync released n
 * clients, the next one waits until n more clients are held (the released
 * ones back with their next command), for at most GATHER_FRACTION of an
 * fsync's average time, or RETURN_FACTOR times as long as the released
 * clients took to come back in the last gatherings that saw them all back,
 * whichever is longer, and never more than GATHER_MAX_MS. A client that
 * does not come back costs that wait once: the next release does not count
 * it.
 */
import type { Client } from '../server/client';

/** Gathering lasts at most this share of an fsync's average time, and this long (ms). */
const GATHER_FRACTION = 0.5;
const GATHER_MAX_MS = 2;
/**
 * ... or this many times the clients' usual return time, when longer. With
 * the fsync alone as the measure, -c 50 gatherings ended ~225 us after a
 * release while the last client came back ~200-300 us after it: half of them
 * timed out and the stragglers took a second fsync. redis-benchmark -t set
 * -d 3, 5 rounds alternating redis / before / after, kevy/redis (kevy CPU
 * us/req): -c 10 1.09 -> 1.18 (19.2 -> 18.6), -c 50 0.90 -> 0.97 (13.8 ->
 * 12.4; writes per fsync 28 -> 37), -c 200 0.89 -> 0.87 (11.4 -> 11.2).
 */
const RETURN_FACTOR = 2;

export class HeldClients {
  /** Held client -> the `appended` offset its output waits for. */
  private readonly waiting = new Map<Client, number>();
  /** Gathering: clients to wait for (0: not gathering), until when (performance.now()). */
  private target = 0;
  private until = 0;
  private timer: NodeJS.Timeout | null = null;
  /** When the last release happened, and the moving average of how long (ms) released clients took to be all back. */
  private releasedAt = 0;
  private returnMs = 0;

  /** wake: run when a gathering times out with no command arriving (starts the fsync). */
  constructor(private readonly wake: () => void) {}

  get size(): number {
    return this.waiting.size;
  }

  /** Holds c's output until the bytes up to `need` are synced. */
  hold(c: Client, need: number): void {
    c.outputHeld = true;
    this.waiting.set(c, need);
  }

  forget(c: Client): void {
    this.waiting.delete(c);
  }

  /** Lets out the output of every client whose bytes are synced; returns how many. */
  release(synced: number): number {
    if (this.waiting.size === 0) return 0;
    let n = 0;
    for (const [c, need] of this.waiting) {
      if (need > synced) continue;
      this.waiting.delete(c);
      c.outputHeld = false;
      n++;
      if (!c.closed) c.flush();
    }
    return n;
  }

  /** After a release of n clients: the next fsync gathers them with the ones still held. */
  gatherAfter(n: number, fsyncMs: number): void {
    if (n === 0) return;
    this.target = this.waiting.size + n;
    this.releasedAt = performance.now();
    this.until = this.releasedAt + Math.min(GATHER_MAX_MS, Math.max(fsyncMs * GATHER_FRACTION, this.returnMs * RETURN_FACTOR));
  }

  /** True while the next fsync should wait for more clients (a timer ends the wait at the latest). */
  gathering(): boolean {
    if (this.target === 0) return false;
    const now = performance.now();
    if (this.waiting.size < this.target) {
      if (now < this.until) {
        this.timer ??= setTimeout(this.timeout, 1);
        return true;
      }
    } else {
      // All back: learn how long that took (timed-out gatherings teach nothing, so no client that stays away lengthens the wait).
      this.returnMs += (now - this.releasedAt - this.returnMs) / 8;
    }
    this.stop();
    return false;
  }

  /** Ends any gathering (policy changed, shutdown). */
  stop(): void {
    this.target = 0;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private readonly timeout = (): void => {
    this.timer = null;
    this.target = 0;
    this.wake();
  };
}
