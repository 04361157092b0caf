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
 * The cost: the outer arrays, ~110-150 bytes a map (100k sorted sets of 3
 * members in kevy-server, a /tmp script: 3,004 -> 3,111-3,159 bytes of RSS
 * each); and one level more per access: a /tmp micro-benchmark of a
 * 100k-member score dictionary (slotOf + valAt + setValAt, ZADD's update)
 * took 358-377 ns against 334-347, lost in bench/inproc.js's noise (ZADD
 * 841-877 against 818-871 ns).
 *
 *   const ks = newChunks(valueChunks) as string[][];
 *   chunkPush(ks, 0, 'a', valueChunks); chunkPush(ks, 1, 'b', valueChunks);   // length is the caller's
 *   ks[1 >>> CHUNK_BITS][1 & CHUNK_MASK];                                   // 'b'
 *   chunkPop(ks, 2);                                                        // drops 'b'
 */
export const CHUNK_BITS = 14;
export const CHUNK_MASK = (1 << CHUNK_BITS) - 1;

/**
 * Where a kind of chunk is made: `first()` the empty chunk 0 every array
 * starts with, `next(v)` a chunk holding v. Each is its own array literal,
 * and must stay so: V8 learns one elements kind per literal, and number
 * chunks made where string or object chunks are made would hold their
 * numbers boxed (a review measured a 1M-member sorted set's dictionary at
 * 38.8 bytes an entry against 20.9, and 5M score updates at 152 ms against
 * 13: each store allocated a number).
 */
export interface ChunkKind<T> {
  first(): T[];
  next(v: T): T[];
}

/** Strings and objects (keys, the keyspace's values). */
export const valueChunks: ChunkKind<unknown> = { first: () => [], next: (v) => [v] };
/** Numbers (sorted-set scores, expire times): unboxed doubles. */
export const numberChunks: ChunkKind<number> = { first: () => [], next: (v) => [v] };

/** A new, empty chunked array: [chunk 0] (one outer slot; a small map stays small). */
export function newChunks<T>(kind: ChunkKind<T>): T[][] {
  return [kind.first()];
}

/**
 * Appends v as element n, n being the current length. A chunk that fills up
 * is replaced by an exact copy: grown by push it has room for ~21,000
 * elements, 28% it would keep unused for good (a 1M-entry sorted-set
 * dictionary measured 22.8 bytes an entry with that room, 16.0 with the
 * copies, 20.9 as one array).
 */
export function chunkPush<T>(chunks: T[][], n: number, v: T, kind: ChunkKind<T>): void {
  const c = n >>> CHUNK_BITS;
  if (c === chunks.length) {
    chunks.push(kind.next(v));
    return;
  }
  const chunk = chunks[c];
  chunk.push(v);
  if (chunk.length === CHUNK_MASK + 1) chunks[c] = chunk.slice();
}

/** Drops element n - 1, the last (n > 0 is the current length); an emptied chunk goes with it, but chunk 0. */
export function chunkPop<T>(chunks: T[][], n: number): void {
  const chunk = chunks[(n - 1) >>> CHUNK_BITS];
  chunk.pop();
  if (chunk.length === 0 && chunks.length > 1) chunks.pop();
}
