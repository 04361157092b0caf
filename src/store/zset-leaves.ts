/**
 * Leaves: the leaves of one ZTree (./zset-tree.ts, which states the tree's
 * invariants) kept as blocks of tree-wide pools, and the operations on one
 * leaf or a pair of leaves: the search, slot shifts, and moves between
 * siblings.
 *
 * Layout ("pooled leaves"): a leaf is an integer id. Its elements are the
 * slots [id * STRIDE, id * STRIDE + n) of two pools, `S` (a Float64Array of
 * scores) and `M` (an array of members); its element count and its
 * neighbours in the leaf chain are `meta[3 id]`, `meta[3 id + 1]` (prev) and
 * `meta[3 id + 2]` (next), NONE for none. Freed ids are reused.
 *
 * Why: with a Leaf object holding two JS arrays, the first score of a leaf
 * was three dependent loads away from its parent's pointer (the object, the
 * array, its elements), and on a big set each was a cache miss (`perf
 * annotate` of ZADD at -P 1: the object and array headers took ~18% of the
 * tree's samples); a ZADD that moves an element searches two leaves. Here
 * the parent holds the id, and a score is one load from a pool whose header
 * stays in cache. node bench/run.js --tests zadd --pipeline 1,16 --rounds 7
 * --requests 200000 --base <leaf objects>, same run, kevy CPU per request:
 * -P 1 8.05 -> 7.75 us (ratio 0.88 -> 0.91), -P 16 2.55 -> 2.40 us.
 *
 * Invariant ("padding"): every slot of a block past its leaf's count, and
 * every slot of a free block, holds NaN and ''. Comparisons with NaN are all
 * false, so padding sorts after every element (NaN is never a score: Redis
 * refuses it), and a search can run over the whole block without reading
 * the count first (its first load does not wait for another one).
 *
 *   const L = new Leaves();
 *   const a = L.alloc();
 *   leafInsertAt(L, a, 0, 1.5, 'x');   // leaf a holds (1.5, 'x')
 */

/**
 * Elements per leaf. ZADD with random scores into 100k members (ZSetValue.add
 * in a loop, 2M calls, ns per call, two runs, leaves as objects then):
 * 32 -> 850-940, 64 -> 700-830, 128 -> 1430-1580 (the skip list before:
 * 1250-2000).
 */
export const LEAF_MAX = 64;
/** Slots per block: one more than LEAF_MAX (an insert may overfill a leaf just before it splits). */
export const STRIDE = LEAF_MAX + 1;
/** No leaf (the end of the chain). */
export const NONE = -1;

export class Leaves {
  /** Scores, STRIDE slots per leaf. Replaced when the pools grow: read it after alloc(). */
  S = new Float64Array(STRIDE).fill(NaN);
  /** Members, STRIDE slots per leaf. */
  readonly M: string[] = new Array<string>(STRIDE).fill('');
  /** Per leaf: count, prev, next. */
  meta = new Int32Array(3);
  /** Ids handed out so far (the high-water mark); ids below it not in `free` are in use. */
  private used = 0;
  private readonly free: number[] = [];

  /** Blocks the pools have room for. */
  get capacity(): number {
    return this.meta.length / 3;
  }

  /** A new empty leaf with no neighbours. */
  alloc(): number {
    const id = this.free.length !== 0 ? this.free.pop()! : this.used++;
    if (id >= this.capacity) this.reserve(Math.max(id + 1, Math.ceil(this.capacity * 1.5)));
    const meta = this.meta;
    meta[3 * id] = 0;
    meta[3 * id + 1] = NONE;
    meta[3 * id + 2] = NONE;
    return id;
  }

  /** Returns an empty leaf (its slots are padding already) for reuse. */
  release(id: number): void {
    this.free.push(id);
  }

  /** Grows the pools to hold `blocks` leaves (never shrinks). */
  reserve(blocks: number): void {
    const cap = this.capacity;
    if (blocks <= cap) return;
    const S = new Float64Array(blocks * STRIDE);
    S.set(this.S);
    S.fill(NaN, cap * STRIDE);
    this.S = S;
    for (let i = cap * STRIDE; i < blocks * STRIDE; i++) this.M.push('');
    const meta = new Int32Array(3 * blocks);
    meta.set(this.meta);
    this.meta = meta;
  }

  n(id: number): number {
    return this.meta[3 * id];
  }

  prev(id: number): number {
    return this.meta[3 * id + 1];
  }

  next(id: number): number {
    return this.meta[3 * id + 2];
  }

  setPrev(id: number, p: number): void {
    this.meta[3 * id + 1] = p;
  }

  setNext(id: number, q: number): void {
    this.meta[3 * id + 2] = q;
  }

  score(id: number, i: number): number {
    return this.S[id * STRIDE + i];
  }

  member(id: number, i: number): string {
    return this.M[id * STRIDE + i];
  }
}

/** First slot of leaf whose key is >= (s, m): a search over the whole block (see "padding"). */
export function leafLowerBound(L: Leaves, leaf: number, s: number, m: string): number {
  const S = L.S;
  const M = L.M;
  const base = leaf * STRIDE;
  let lo = 0;
  let hi = STRIDE;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const sc = S[base + mid];
    if (sc < s || (sc === s && M[base + mid] < m)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function leafInsertAt(L: Leaves, leaf: number, i: number, s: number, m: string): void {
  const S = L.S;
  const M = L.M;
  const base = leaf * STRIDE;
  const n = L.meta[3 * leaf];
  for (let t = base + n; t > base + i; t--) {
    S[t] = S[t - 1];
    M[t] = M[t - 1];
  }
  S[base + i] = s;
  M[base + i] = m;
  L.meta[3 * leaf] = n + 1;
}

export function leafRemoveAt(L: Leaves, leaf: number, i: number): void {
  const S = L.S;
  const M = L.M;
  const base = leaf * STRIDE;
  const last = base + L.meta[3 * leaf] - 1;
  for (let t = base + i; t < last; t++) {
    S[t] = S[t + 1];
    M[t] = M[t + 1];
  }
  S[last] = NaN;
  M[last] = '';
  L.meta[3 * leaf]--;
}

/** Moves `count` slots of leaf `from` (starting at fi) to leaf `to` at ti; `to` must have room. */
export function moveLeafSlots(L: Leaves, from: number, fi: number, to: number, ti: number, count: number): void {
  const S = L.S;
  const M = L.M;
  const fb = from * STRIDE;
  const tb = to * STRIDE;
  const fn = L.meta[3 * from];
  const tn = L.meta[3 * to];
  for (let t = tn - 1; t >= ti; t--) {
    S[tb + t + count] = S[tb + t];
    M[tb + t + count] = M[tb + t];
  }
  for (let t = 0; t < count; t++) {
    S[tb + ti + t] = S[fb + fi + t];
    M[tb + ti + t] = M[fb + fi + t];
  }
  L.meta[3 * to] = tn + count;
  for (let t = fi + count; t < fn; t++) {
    S[fb + t - count] = S[fb + t];
    M[fb + t - count] = M[fb + t];
  }
  for (let t = fn - count; t < fn; t++) {
    S[fb + t] = NaN;
    M[fb + t] = '';
  }
  L.meta[3 * from] = fn - count;
}
