/**
 * Longest common subsequence of two byte strings, the way Redis's LCS
 * command computes it (t_string.c lcsCommand): the classic dynamic
 * programming table, then a walk back from the end that collects the
 * matched ranges from the last to the first. The walk prefers moving in `a`
 * when both directions keep the same length, so ties break as in Redis.
 *
 *   const t = lcsTable('ohmytext', 'mynewtext');
 *   lcsString(t)       // 'mytext'
 *   lcsMatches(t, 0)   // [[4, 7, 5, 8], [2, 3, 0, 1]]  (a start, a end, b start, b end)
 */

export interface LcsTable {
  a: string;
  b: string;
  /** LCS(i, j) at cells[i * (b.length + 1) + j]. */
  cells: Uint32Array;
  /** Length of the LCS. */
  len: number;
}

/** Bytes the DP table needs (Redis refuses above proto-max-bulk-len). */
export function lcsTableBytes(alen: number, blen: number): number {
  return (alen + 1) * (blen + 1) * 4;
}

/** Builds the table; throws RangeError when it cannot be allocated. */
export function lcsTable(a: string, b: string): LcsTable {
  const alen = a.length;
  const blen = b.length;
  const w = blen + 1;
  const cells = new Uint32Array((alen + 1) * w);
  for (let i = 1; i <= alen; i++) {
    const ca = a.charCodeAt(i - 1);
    const row = i * w;
    const prev = row - w;
    for (let j = 1; j <= blen; j++) {
      if (ca === b.charCodeAt(j - 1)) {
        cells[row + j] = cells[prev + j - 1] + 1;
      } else {
        const up = cells[prev + j];
        const left = cells[row + j - 1];
        cells[row + j] = up > left ? up : left;
      }
    }
  }
  return { a, b, cells, len: cells[alen * w + blen] };
}

/** The LCS itself. */
export function lcsString(t: LcsTable): string {
  const out: number[] = new Array(t.len);
  let idx = t.len;
  let i = t.a.length;
  let j = t.b.length;
  const w = t.b.length + 1;
  while (i > 0 && j > 0) {
    const ca = t.a.charCodeAt(i - 1);
    if (ca === t.b.charCodeAt(j - 1)) {
      out[--idx] = ca;
      i--;
      j--;
    } else if (t.cells[(i - 1) * w + j] > t.cells[i * w + j - 1]) {
      i--;
    } else {
      j--;
    }
  }
  let s = '';
  for (let k = 0; k < out.length; k += 8192) s += String.fromCharCode(...out.slice(k, k + 8192));
  return s;
}

/**
 * The matched ranges, last first, as [aStart, aEnd, bStart, bEnd] (inclusive),
 * keeping only those at least `minLen` long (0: all).
 */
export function lcsMatches(t: LcsTable, minLen: number): [number, number, number, number][] {
  const { a, b, cells } = t;
  const alen = a.length;
  const w = b.length + 1;
  const out: [number, number, number, number][] = [];
  let i = alen;
  let j = b.length;
  // arangeStart === alen means "no range open", as in Redis.
  let aStart = alen;
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      if (aStart === alen) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      i--;
      j--;
    } else {
      if (cells[(i - 1) * w + j] > cells[i * w + j - 1]) i--;
      else j--;
      if (aStart !== alen) emit = true;
    }
    if (emit) {
      const matchLen = aEnd - aStart + 1;
      if (minLen === 0 || matchLen >= minLen) out.push([aStart, aEnd, bStart, bEnd]);
      aStart = alen;
    }
  }
  return out;
}
