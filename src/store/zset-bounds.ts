/**
 * Score and lexicographic intervals of the sorted set range commands
 * (t_zset.c's zrangespec / zlexrangespec) and their membership tests.
 *
 * Members compare as Redis's memcmp does: latin1 strings (one char per
 * byte) compare correctly with `<` on char codes.
 *
 *   const r: ScoreRange = { min: 1, max: 2, minex: true, maxex: false }; // (1 2
 *   scoreGteMin(1, r);   // false
 */

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
