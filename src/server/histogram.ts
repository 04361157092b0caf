/**
 * Per-command latency histograms for INFO latencystats, with the bucket
 * layout of the HdrHistogram Redis 7.0 uses (lowest 1 ns, highest 1e9 ns,
 * 2 significant digits), so a percentile reads the same as in Redis: the
 * highest value equivalent to the bucket the percentile falls in.
 *
 *   const h = new LatencyHistogram();
 *   h.record(10_000);                 // nanoseconds
 *   h.valueAtPercentile(50);          // 10047
 *
 * Layout (invariant "hdr-layout"): 256 sub-buckets per bucket, the lower half
 * of every bucket but the first is shared with the previous one, so the
 * counts array has (23 + 1) * 128 slots and a value v lands in
 *   bucket = bitlen(v | 255) - 8, sub = v >> bucket.
 */

const SUB_HALF_MAG = 7; // log2(sub-bucket count) - 1
const SUB_HALF = 1 << SUB_HALF_MAG; // 128
const SUB_COUNT = SUB_HALF * 2; // 256: 2 significant decimal digits need >= 200
const SUB_MASK = SUB_COUNT - 1;
const BUCKETS = 23; // 256 << 22 > 1e9
const COUNTS_LEN = (BUCKETS + 1) * SUB_HALF;

export const LATENCY_MIN = 1;
export const LATENCY_MAX = 1_000_000_000;

function bucketOf(v: number): number {
  return 32 - Math.clz32(v | SUB_MASK) - (SUB_HALF_MAG + 1);
}

function valueAtIndex(index: number): number {
  let bucket = (index >> SUB_HALF_MAG) - 1;
  let sub = (index & (SUB_HALF - 1)) + SUB_HALF;
  if (bucket < 0) {
    sub -= SUB_HALF;
    bucket = 0;
  }
  return sub * 2 ** bucket;
}

/** The highest value that lands in the same slot as v. */
function highestEquivalent(v: number): number {
  const bucket = bucketOf(v);
  const sub = v >>> bucket;
  const lowest = sub * 2 ** bucket;
  const size = 2 ** (sub >= SUB_COUNT ? bucket + 1 : bucket);
  return lowest + size - 1;
}

function lowestEquivalent(v: number): number {
  const bucket = bucketOf(v);
  return (v >>> bucket) * 2 ** bucket;
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(COUNTS_LEN);
  total = 0;

  /** Records one duration in nanoseconds (clamped to 1 ns .. 1 s, as Redis does). */
  record(ns: number): void {
    let v = Math.floor(ns);
    if (v < LATENCY_MIN) v = LATENCY_MIN;
    else if (v > LATENCY_MAX) v = LATENCY_MAX;
    const bucket = bucketOf(v);
    const sub = v >>> bucket;
    this.counts[((bucket + 1) << SUB_HALF_MAG) + sub - SUB_HALF]++;
    this.total++;
  }

  /** hdr_value_at_percentile: the value below which `p` percent of the records fall. */
  valueAtPercentile(p: number): number {
    const req = p < 100 ? p : 100;
    let target = Math.floor((req / 100) * this.total + 0.5);
    if (target < 1) target = 1;
    let seen = 0;
    let value = 0;
    for (let i = 0; i < COUNTS_LEN; i++) {
      seen += this.counts[i];
      if (seen >= target) {
        value = valueAtIndex(i);
        break;
      }
    }
    return p === 0 ? lowestEquivalent(value) : highestEquivalent(value);
  }
}
