/**
 * Dense arrays kept as chunks (T[][]), for the arrays that grow with a
 * dataset: IndexedMap's keys and values (the keyspace, its expires, sorted
 * sets' member dictionaries). Element i is chunks[i >>> CHUNK_BITS][i &
 * CHUNK_MASK]; every chunk but the last is full.
 *
 * Why: a JS array grows by copying itself into one 1.5 times as large, on
 * the event loop. IndexedMap.set in a loop (a /tmp script, 3.2M keys, two
 * runs) stalled one insert for 22-26, 29, 40-45 and 106-322 ms at 0.87M,
 * 1.3M, 1.96M and 2.93M keys, the key and the value array growing together
 * (a plain array pushed alone: 13 ms at 1.96M elements, 21 at 2.93M, 31 at
 * 4.4M, with no GC in between). A chunk holds at most 2^14 elements (64 KB
 * of pointers), so growing copies at most that much; with chunks the same
 * script's only stalls over 15 ms were V8's mark-compacts (`--trace-gc`).
 *
 *   const ks: string[][] = [];
 *   chunkPush(ks, 0, 'a'); chunkPush(ks, 1, 'b');   // length is the caller's
 *   ks[1 >>> CHUNK_BITS][1 & CHUNK_MASK];           // 'b'
 *   chunkPop(ks, 2);                                // drops 'b'
 */
export const CHUNK_BITS = 14;
export const CHUNK_MASK = (1 << CHUNK_BITS) - 1;

/** Appends v as element n, n being the current length. */
export function chunkPush<T>(chunks: T[][], n: number, v: T): void {
  const c = n >>> CHUNK_BITS;
  if (c === chunks.length) chunks.push([v]);
  else chunks[c].push(v);
}

/** Drops element n - 1, the last (n > 0 is the current length); an emptied chunk goes with it. */
export function chunkPop<T>(chunks: T[][], n: number): void {
  const chunk = chunks[(n - 1) >>> CHUNK_BITS];
  chunk.pop();
  if (chunk.length === 0) chunks.pop();
}
