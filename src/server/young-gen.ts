/**
 * Caps V8's young generation for the kevy-server process (not for a server
 * embedded in someone else's process: their GC is theirs to tune).
 *
 * V8 grows each semi-space of the young generation from 1 MB up to 16 MB
 * under a steady allocation rate, and the grown, mostly empty young
 * generation stays resident: 32 MB that a server holding its data in the old
 * generation does not need. Capped at 8 MB a semi-space:
 *   node bench/memory.js --n 1000000, RSS ratio kevy/redis: hash 1.52 ->
 *   1.21, set 1.44 -> 1.28; and no CPU cost (node bench/run.js --tests
 *   set,get,hset,lpush --pipeline 16 --rounds 5 --requests 300000 with the
 *   same build run with --max-semi-space-size=8: 1.27/1.17/1.63/0.80 us
 *   per request vs 1.30/1.17/1.63/0.80).
 * A smaller cap (1-4 MB) measured a CPU cost (more frequent scavenges).
 *
 * --max-semi-space-size is only read when the heap is set up, so the cap is
 * applied the one way V8 allows at run time: --semi-space-growth-factor,
 * which each scavenge reads, is set to 1 (no growth) once a semi-space has
 * reached the cap and back to 2 if V8 shrank it (an idle server), checked
 * after each garbage collection.
 */
import v8 from 'node:v8';
import { PerformanceObserver } from 'node:perf_hooks';

const CAP_BYTES = 8 * 1024 * 1024;

export function capYoungGeneration(): void {
  let growing = true;
  const check = (): void => {
    const ns = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    if (ns === undefined) return;
    const semi = ns.space_size / 2;
    const grow = semi < CAP_BYTES;
    if (grow === growing) return;
    growing = grow;
    v8.setFlagsFromString(`--semi-space-growth-factor=${grow ? 2 : 1}`);
  };
  const obs = new PerformanceObserver(check);
  obs.observe({ entryTypes: ['gc'] });
}
