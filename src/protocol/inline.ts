/**
 * Splits an inline command line into arguments exactly as Redis's
 * sdssplitargs does: spaces separate, "double quotes" understand \n \r \t \b
 * \a \\ \" and \xHH, 'single quotes' understand only \', and a closing quote
 * must be followed by a space or the end. Returns null on unbalanced quotes.
 *
 *   splitArgs('SET "a b" \'c\'')  // ['SET', 'a b', 'c']
 */

function isSpace(ch: string): boolean {
  return ch === ' ' || ch === '\n' || ch === '\r' || ch === '\t' || ch === '\v' || ch === '\f';
}

function hexVal(ch: string): number {
  const c = ch.toLowerCase();
  if (c >= '0' && c <= '9') return c.charCodeAt(0) - 48;
  if (c >= 'a' && c <= 'f') return c.charCodeAt(0) - 87;
  return -1;
}

export function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && isSpace(line[i])) i++;
    if (i >= n) return out;
    let inq = false;
    let insq = false;
    let done = false;
    let cur = '';
    while (!done) {
      if (inq) {
        if (i >= n) return null;
        const ch = line[i];
        if (ch === '\\' && line[i + 1] === 'x' && i + 3 < n + 0 && hexVal(line[i + 2] ?? '') >= 0 && hexVal(line[i + 3] ?? '') >= 0) {
          cur += String.fromCharCode(hexVal(line[i + 2]) * 16 + hexVal(line[i + 3]));
          i += 3;
        } else if (ch === '\\' && i + 1 < n) {
          i++;
          const e = line[i];
          cur += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (ch === '"') {
          if (i + 1 < n && !isSpace(line[i + 1])) return null;
          done = true;
        } else {
          cur += ch;
        }
      } else if (insq) {
        if (i >= n) return null;
        const ch = line[i];
        if (ch === '\\' && line[i + 1] === "'") {
          i++;
          cur += "'";
        } else if (ch === "'") {
          if (i + 1 < n && !isSpace(line[i + 1])) return null;
          done = true;
        } else {
          cur += ch;
        }
      } else {
        if (i >= n) {
          done = true;
          break;
        }
        const ch = line[i];
        if (isSpace(ch)) {
          done = true;
        } else if (ch === '"') {
          inq = true;
        } else if (ch === "'") {
          insq = true;
        } else {
          cur += ch;
        }
      }
      if (i < n) i++;
    }
    out.push(cur);
  }
}
