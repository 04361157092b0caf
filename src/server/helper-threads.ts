/**
 * Lowers the scheduling priority of V8's helper threads in the kevy-server
 * process (Linux only; not for a server embedded in someone else's process).
 *
 * V8 runs parts of its garbage collection (parallel scavenge helpers,
 * concurrent marking and sweeping) and its optimizing compiler on a pool of
 * worker threads. The main thread wakes them, and Linux tends to run a woken
 * thread on the waker's CPU: the helper then preempts the event loop, even
 * with the other CPU idle, and every client waits. During a BGSAVE of
 * 1,000,000 keys under 50,000 SET/s (perf record -e sched:sched_switch) the
 * event loop was preempted 60 times, 26 ms in all (p90 1.8 ms), 22 of them by
 * one V8 worker. At nice 19 a helper still runs whenever a CPU has nothing
 * better to do (they used 170 ms of CPU in that save), but no longer takes
 * the event loop's. GET p99 of another client during that save and during a
 * BGREWRITEAOF (node bench/bgsave-latency.js --rounds 4 --base <nice 0>,
 * both builds in one run): 0.42 / 0.31 ms at nice 19 against 0.74 / 0.35 at
 * nice 0 (Redis 0.35 / 0.37); in two runs of 3 rounds, 0.42 / 0.30 against
 * 0.45 / 0.34. No cost seen: scavenge pauses p50 / p90 4.4 / 7.0 ms against
 * 4.5 / 7.4 (--trace-gc, the same runs), and node bench/run.js --base gave
 * the same requests/s for SET, GET, INCR, LPUSH, HSET, ZADD at -P 1 and 16
 * (within 0.02 of each other's ratio).
 *
 * Only threads that exist now are changed: libuv's thread pool (file writes,
 * the AOF's fsync) starts later, from the main thread, and keeps its
 * priority. A thread's nice value is per thread on Linux: setpriority() on a
 * thread id changes that thread alone.
 */
import fs from 'node:fs';
import os from 'node:os';

/** The nice value given to the helper threads (19: the lowest priority). */
const HELPER_NICE = 19;

/** Returns how many threads were changed (0 where /proc is not there). */
export function lowerHelperThreadPriority(): number {
  let tids: string[];
  try {
    tids = fs.readdirSync('/proc/self/task');
  } catch {
    return 0; // not Linux
  }
  let n = 0;
  for (const t of tids) {
    const tid = Number(t);
    if (!Number.isInteger(tid) || tid === process.pid) continue;
    try {
      os.setPriority(tid, HELPER_NICE);
      n++;
    } catch {
      // the thread ended meanwhile, or the system refuses: its priority stays
    }
  }
  return n;
}
