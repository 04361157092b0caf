/**
 * SkipList: the ordered half of a sorted set (t_zset.c's zskiplist).
 *
 * Elements are ordered by score, then by member bytes (memcmp: latin1
 * strings compare correctly with `<` on char codes). Each level link records
 * its span (how many level-0 steps it jumps), so a rank is the sum of the
 * spans crossed on the way down: insert, delete, rank and "element at rank"
 * all cost O(log n) expected. Level 0 is doubly linked (`backward`) for
 * reverse iteration.
 *
 * Invariant ("span-sum"): for every node x and level i, x.span[i] equals the
 * number of level-0 links between x and x.next[i] (or to the end of the list
 * when x.next[i] is null and x is the header, the spans of trailing null
 * links are not used). Ranks here are 0-based.
 *
 * Layout for speed: a search step must touch as few objects as possible, so
 * the links and spans of levels 0-3 (all levels of ~99.6% of nodes) are also
 * plain fields of the node (f0-f3, s0-s3); `next` stays the full list of
 * links (readers outside iterate with `next[0]`) and is written in step
 * (setFwd); spans of higher levels live in `hiSpan`.
 *
 * The caller keeps the member -> score map and never inserts a member twice.
 *
 *   const sl = new SkipList();
 *   sl.insert(1, 'a'); sl.insert(1, 'b');
 *   sl.rank(1, 'b');      // 1
 *   sl.at(0)!.member;     // 'a'
 */

export const MAX_LEVEL = 32;
const P = 0.25;

/** Levels whose link and span live in fields of the node. */
const INLINE = 4;

export class SkipNode {
  backward: SkipNode | null = null;
  /** Forward links by level (the ones of levels 0-3 are mirrored in f0-f3). */
  readonly next: (SkipNode | null)[];
  /** Inline copies of the low levels' links and spans: a search step reads one object. */
  f0: SkipNode | null = null;
  f1: SkipNode | null = null;
  f2: SkipNode | null = null;
  f3: SkipNode | null = null;
  s0 = 0;
  s1 = 0;
  s2 = 0;
  s3 = 0;
  /** Spans of levels 4 and up (null for the ~99.6% of nodes with fewer levels). */
  readonly hiSpan: number[] | null;

  constructor(
    public score: number,
    public readonly member: string,
    level: number,
  ) {
    this.next = level === 1 ? [null] : level === 2 ? [null, null] : new Array<SkipNode | null>(level).fill(null);
    this.hiSpan = level > INLINE ? new Array<number>(level - INLINE).fill(0) : null;
  }

  /** The spans by level (a copy, for tests and debugging). */
  get span(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.next.length; i++) out.push(spanOf(this, i));
    return out;
  }
}

function fwdOf(x: SkipNode, i: number): SkipNode | null {
  switch (i) {
    case 0: return x.f0;
    case 1: return x.f1;
    case 2: return x.f2;
    case 3: return x.f3;
    default: return x.next[i];
  }
}

function setFwd(x: SkipNode, i: number, v: SkipNode | null): void {
  x.next[i] = v;
  switch (i) {
    case 0: x.f0 = v; break;
    case 1: x.f1 = v; break;
    case 2: x.f2 = v; break;
    case 3: x.f3 = v; break;
  }
}

function spanOf(x: SkipNode, i: number): number {
  switch (i) {
    case 0: return x.s0;
    case 1: return x.s1;
    case 2: return x.s2;
    case 3: return x.s3;
    default: return x.hiSpan![i - INLINE];
  }
}

function setSpan(x: SkipNode, i: number, v: number): void {
  switch (i) {
    case 0: x.s0 = v; break;
    case 1: x.s1 = v; break;
    case 2: x.s2 = v; break;
    case 3: x.s3 = v; break;
    default: x.hiSpan![i - INLINE] = v;
  }
}

/** A score interval; `minex`/`maxex` make the bound exclusive (`(1.5`). */
export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/**
 * A lexicographic interval over members. A bound is a string, or
 * `-Infinity` / `Infinity` for `-` / `+`.
 */
export interface LexRange {
  min: string | number;
  max: string | number;
  minex: boolean;
  maxex: boolean;
}

/** True when (score, member) sorts before (s2, m2). */
function before(score: number, member: string, s2: number, m2: string): boolean {
  return score < s2 || (score === s2 && member < m2);
}

export function scoreGteMin(v: number, r: ScoreRange): boolean {
  return r.minex ? v > r.min : v >= r.min;
}

export function scoreLteMax(v: number, r: ScoreRange): boolean {
  return r.maxex ? v < r.max : v <= r.max;
}

export function lexGteMin(m: string, r: LexRange): boolean {
  const b = r.min;
  if (typeof b === 'number') return b < 0;
  return r.minex ? m > b : m >= b;
}

export function lexLteMax(m: string, r: LexRange): boolean {
  const b = r.max;
  if (typeof b === 'number') return b > 0;
  return r.maxex ? m < b : m <= b;
}

/** True when no member can ever be inside r (min after max, or an empty open interval). */
export function lexRangeEmpty(r: LexRange): boolean {
  const { min, max } = r;
  if (typeof min === 'number' && typeof max === 'number') return !(min < 0 && max > 0) && min >= max;
  if (typeof min === 'number') return min > 0;
  if (typeof max === 'number') return max < 0;
  return min > max || (min === max && (r.minex || r.maxex));
}

export function scoreRangeEmpty(r: ScoreRange): boolean {
  return r.min > r.max || (r.min === r.max && (r.minex || r.maxex));
}

function randomLevel(): number {
  let level = 1;
  while (level < MAX_LEVEL && Math.random() < P) level++;
  return level;
}

export class SkipList {
  readonly header = new SkipNode(0, '', MAX_LEVEL);
  tail: SkipNode | null = null;
  length = 0;
  level = 1;
  /** Scratch for the update vector (no allocation per insert/delete). */
  private readonly update: SkipNode[] = new Array<SkipNode>(MAX_LEVEL).fill(this.header);
  private readonly rankAt: number[] = new Array<number>(MAX_LEVEL).fill(0);

  get first(): SkipNode | null {
    return this.header.next[0];
  }

  insert(score: number, member: string): SkipNode {
    const update = this.update;
    const rank = this.rankAt;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : rank[i + 1];
      let nx = fwdOf(x, i);
      while (nx !== null && before(nx.score, nx.member, score, member)) {
        rank[i] += spanOf(x, i);
        x = nx;
        nx = fwdOf(x, i);
      }
      update[i] = x;
    }
    const level = randomLevel();
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rank[i] = 0;
        update[i] = this.header;
        setSpan(this.header, i, this.length);
      }
      this.level = level;
    }
    const node = new SkipNode(score, member, level);
    for (let i = 0; i < level; i++) {
      const u = update[i];
      setFwd(node, i, fwdOf(u, i));
      setFwd(u, i, node);
      setSpan(node, i, spanOf(u, i) - (rank[0] - rank[i]));
      setSpan(u, i, rank[0] - rank[i] + 1);
    }
    for (let i = level; i < this.level; i++) setSpan(update[i], i, spanOf(update[i], i) + 1);
    node.backward = update[0] === this.header ? null : update[0];
    const after = node.next[0];
    if (after !== null) after.backward = node;
    else this.tail = node;
    this.length++;
    return node;
  }

  private unlink(x: SkipNode): void {
    const update = this.update;
    for (let i = 0; i < this.level; i++) {
      const u = update[i];
      if (fwdOf(u, i) === x) {
        setSpan(u, i, spanOf(u, i) + spanOf(x, i) - 1);
        setFwd(u, i, fwdOf(x, i));
      } else {
        setSpan(u, i, spanOf(u, i) - 1);
      }
    }
    const after = x.next[0];
    if (after !== null) after.backward = x.backward;
    else this.tail = x.backward;
    while (this.level > 1 && this.header.next[this.level - 1] === null) this.level--;
    this.length--;
  }

  /** Fills `update` with the last node before (score, member) on every level. */
  private seek(score: number, member: string): SkipNode {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = fwdOf(x, i);
      while (nx !== null && before(nx.score, nx.member, score, member)) {
        x = nx;
        nx = fwdOf(x, i);
      }
      this.update[i] = x;
    }
    return x;
  }

  /** Removes (score, member); returns whether it was there. */
  delete(score: number, member: string): boolean {
    const x = this.seek(score, member).next[0];
    if (x === null || x.score !== score || x.member !== member) return false;
    this.unlink(x);
    return true;
  }

  /**
   * Changes the score of an existing element. Reuses the node in place when
   * the order does not change (zslUpdateScore), otherwise re-inserts.
   */
  updateScore(oldScore: number, member: string, newScore: number): SkipNode {
    const x = this.seek(oldScore, member).next[0]!;
    const prev = x.backward;
    const after = x.next[0];
    if ((prev === null || before(prev.score, prev.member, newScore, member)) &&
        (after === null || before(newScore, member, after.score, after.member))) {
      x.score = newScore;
      return x;
    }
    this.unlink(x);
    return this.insert(newScore, member);
  }

  /** 0-based rank of (score, member), or -1 when absent. */
  rank(score: number, member: string): number {
    let x = this.header;
    let rank = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = fwdOf(x, i);
      while (nx !== null && (nx.score < score || (nx.score === score && nx.member <= member))) {
        rank += spanOf(x, i);
        x = nx;
        nx = fwdOf(x, i);
      }
      if (x !== this.header && x.member === member) return rank - 1;
    }
    return -1;
  }

  /** The node at a 0-based rank, or null when out of range. */
  at(rank: number): SkipNode | null {
    if (rank < 0 || rank >= this.length) return null;
    const target = rank + 1;
    let x = this.header;
    let traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = fwdOf(x, i);
      while (nx !== null && traversed + spanOf(x, i) <= target) {
        traversed += spanOf(x, i);
        x = nx;
        nx = fwdOf(x, i);
      }
      if (traversed === target) return x;
    }
    return null;
  }

  /** First node with score inside r, or null. */
  firstInRange(r: ScoreRange): SkipNode | null {
    if (scoreRangeEmpty(r) || this.tail === null || !scoreGteMin(this.tail.score, r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = fwdOf(x, i);
      while (nx !== null && !scoreGteMin(nx.score, r)) {
        x = nx;
        nx = fwdOf(x, i);
      }
    }
    const n = x.next[0];
    return n !== null && scoreLteMax(n.score, r) ? n : null;
  }

  /** Last node with score inside r, or null. */
  lastInRange(r: ScoreRange): SkipNode | null {
    const first = this.header.next[0];
    if (scoreRangeEmpty(r) || first === null || !scoreLteMax(first.score, r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = fwdOf(x, i);
      while (nx !== null && scoreLteMax(nx.score, r)) {
        x = nx;
        nx = fwdOf(x, i);
      }
    }
    return x !== this.header && scoreGteMin(x.score, r) ? x : null;
  }

  /** First node whose member is inside r, or null (meaningful when all scores are equal). */
  firstInLex(r: LexRange): SkipNode | null {
    if (lexRangeEmpty(r) || this.tail === null || !lexGteMin(this.tail.member, r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = fwdOf(x, i);
      while (nx !== null && !lexGteMin(nx.member, r)) {
        x = nx;
        nx = fwdOf(x, i);
      }
    }
    const n = x.next[0];
    return n !== null && lexLteMax(n.member, r) ? n : null;
  }

  /** Last node whose member is inside r, or null. */
  lastInLex(r: LexRange): SkipNode | null {
    const first = this.header.next[0];
    if (lexRangeEmpty(r) || first === null || !lexLteMax(first.member, r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = fwdOf(x, i);
      while (nx !== null && lexLteMax(nx.member, r)) {
        x = nx;
        nx = fwdOf(x, i);
      }
    }
    return x !== this.header && lexGteMin(x.member, r) ? x : null;
  }

  /**
   * Removes the nodes with 0-based ranks start..end (inclusive, in range) and
   * calls onRemove for each, in order.
   */
  deleteRangeByRank(start: number, end: number, onRemove: (member: string) => void): number {
    const update = this.update;
    let x = this.header;
    let traversed = 0;
    const first = start + 1;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = fwdOf(x, i);
      while (nx !== null && traversed + spanOf(x, i) < first) {
        traversed += spanOf(x, i);
        x = nx;
        nx = fwdOf(x, i);
      }
      update[i] = x;
    }
    let removed = 0;
    traversed++;
    let n = x.next[0];
    while (n !== null && traversed <= end + 1) {
      const nx = n.next[0];
      this.unlink(n);
      onRemove(n.member);
      removed++;
      traversed++;
      n = nx;
    }
    return removed;
  }

  /** Removes every node from `start` while `keep(node)` is true; used by the by-score/by-lex deletes. */
  deleteFrom(start: SkipNode, inRange: (n: SkipNode) => boolean, onRemove: (member: string) => void): number {
    // Position the update vector right before start.
    this.seek(start.score, start.member);
    let removed = 0;
    let n: SkipNode | null = start;
    while (n !== null && inRange(n)) {
      const nx: SkipNode | null = n.next[0];
      this.unlink(n);
      onRemove(n.member);
      removed++;
      n = nx;
    }
    return removed;
  }
}
