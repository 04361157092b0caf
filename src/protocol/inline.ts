/**
 * Splits a line into arguments exactly as Redis's sdssplitargs does, for
 * inline commands (../protocol/parser.ts), the config file and CONFIG
 * REWRITE (../config/load.ts, rewrite.ts) and the AOF manifest: blanks
 * separate words; "double quotes" understand \n \r \t \b \a \\ \" and \xHH,
 * 'single quotes' understand only \', and a closing quote must be followed
 * by a blank or the end. Returns null on unbalanced quotes.
 *
 * As in C, the line ends at a NUL byte. Between words any isspace() char is
 * skipped, but inside an unquoted word only space, \n, \r and \t end it
 * (\v and \f stay part of the word).
 *
 *   splitArgs('SET "a b" \'c\'')  // ['SET', 'a b', 'c']
 */

/** C isspace(): space, \t, \n, \v, \f, \r. */
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
  const nul = line.indexOf('\0');
  const n = nul < 0 ? line.length : nul;
  let i = 0;
  for (;;) {
    while (i < n && isSpace(line[i])) i++;
    if (i >= n) return out;
    let inq = false;
    let insq = false;
    let cur = '';
    for (;; i++) {
      if (inq) {
        if (i >= n) return null;
        const ch = line[i];
        if (ch === '\\' && line[i + 1] === 'x' && i + 3 < n && hexVal(line[i + 2]) >= 0 && hexVal(line[i + 3]) >= 0) {
          cur += String.fromCharCode(hexVal(line[i + 2]) * 16 + hexVal(line[i + 3]));
          i += 3;
        } else if (ch === '\\' && i + 1 < n) {
          i++;
          const e = line[i];
          cur += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (ch === '"') {
          if (i + 1 < n && !isSpace(line[i + 1])) return null;
          i++;
          break;
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
          i++;
          break;
        } else {
          cur += ch;
        }
      } else {
        if (i >= n) break;
        const ch = line[i];
        if (ch === ' ' || ch === '\n' || ch === '\r' || ch === '\t') break;
        if (ch === '"') inq = true;
        else if (ch === "'") insq = true;
        else cur += ch;
      }
    }
    out.push(cur);
  }
}
