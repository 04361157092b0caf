/**
 * Glob-style matching exactly as Redis's stringmatchlen (util.c, 7.0): the
 * matcher behind KEYS, SCAN MATCH, PSUBSCRIBE, CONFIG GET, ...
 *
 *   *        any run of bytes (an empty one included)
 *   ?        one byte
 *   [abc]    one of; [^abc] none of; [a-z] a range (its ends may be given
 *            in either order); \x inside brackets is a literal x
 *   \x       a literal x
 *
 * Malformed patterns behave as in Redis rather than being refused: an
 * unterminated `[abc` is the class [abc] ending the pattern, a trailing `\`
 * is a literal backslash, `[a-` is the set {a, -}. Redis compares bytes as C
 * `char`, signed on the platforms it ships for, so a range such as `[a-\xff]`
 * orders its ends as signed bytes; nocase folds only ASCII A-Z (C locale).
 *
 * Pattern and subject are latin1 strings (one char per byte).
 *
 *   globMatch('user:*', 'user:42')        // true
 *   globMatch('h[^e]llo', 'hallo')        // true
 *   globMatch('HELLO', 'hello', true)     // true
 */

/** The byte as C's signed char. */
function sc(b: number): number {
  return b > 127 ? b - 256 : b;
}

/** C-locale tolower on a (possibly negative) char value. */
function lower(b: number): number {
  return b >= 65 && b <= 90 ? b + 32 : b;
}

/**
 * One step of the recursive matcher. `skip[0]` is Redis's skipLongerMatches:
 * once the rest of a pattern after a `*` failed against every suffix of the
 * string, no earlier `*` can help by consuming more, so the search stops
 * (keeps patterns like `*a*a*a*...b` from taking exponential time).
 */
function matchFrom(
  pat: string,
  pi: number,
  str: string,
  si: number,
  nocase: boolean,
  skip: boolean[],
): boolean {
  const pend = pat.length;
  const send = str.length;
  while (pi < pend && si < send) {
    const pc = pat.charCodeAt(pi);
    if (pc === 42 /* * */) {
      while (pi + 1 < pend && pat.charCodeAt(pi + 1) === 42) pi++;
      if (pi + 1 === pend) return true;
      while (si < send) {
        if (matchFrom(pat, pi + 1, str, si, nocase, skip)) return true;
        if (skip[0]) return false;
        si++;
      }
      skip[0] = true;
      return false;
    } else if (pc === 63 /* ? */) {
      si++;
    } else if (pc === 91 /* [ */) {
      const c = str.charCodeAt(si);
      pi++;
      const not = pi < pend && pat.charCodeAt(pi) === 94; /* ^ */
      if (not) pi++;
      let match = false;
      for (;;) {
        if (pi >= pend) {
          // Unterminated class: Redis steps back so the closing pattern++
          // lands exactly on the end.
          pi--;
          break;
        }
        const b = pat.charCodeAt(pi);
        if (b === 92 /* \ */ && pend - pi >= 2) {
          pi++;
          if (pat.charCodeAt(pi) === c) match = true;
        } else if (b === 93 /* ] */) {
          break;
        } else if (pend - pi >= 3 && pat.charCodeAt(pi + 1) === 45 /* - */) {
          let start = sc(b);
          let end = sc(pat.charCodeAt(pi + 2));
          let x = sc(c);
          if (start > end) {
            const t = start;
            start = end;
            end = t;
          }
          if (nocase) {
            start = lower(start);
            end = lower(end);
            x = lower(x);
          }
          pi += 2;
          if (x >= start && x <= end) match = true;
        } else if (nocase ? lower(b) === lower(c) : b === c) {
          match = true;
        }
        pi++;
      }
      if (not) match = !match;
      if (!match) return false;
      si++;
    } else {
      let b = pc;
      if (pc === 92 /* \ */ && pend - pi >= 2) {
        pi++;
        b = pat.charCodeAt(pi);
      }
      const c = str.charCodeAt(si);
      if (nocase ? lower(b) !== lower(c) : b !== c) return false;
      si++;
    }
    pi++;
    if (si === send) {
      while (pi < pend && pat.charCodeAt(pi) === 42) pi++;
      break;
    }
  }
  return pi === pend && si === send;
}

/** Redis's stringmatchlen(pattern, string, nocase) !== 0. */
export function globMatch(pattern: string, subject: string, nocase = false): boolean {
  return matchFrom(pattern, 0, subject, 0, nocase, [false]);
}
