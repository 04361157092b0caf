/**
 * kevy-check-rdb: reads an RDB file the way the loader does and reports
 * what it finds, in redis-check-rdb's words, so an operator can tell a good
 * file from a damaged one before starting the server.
 *
 *   $ kevy-check-rdb dump.rdb
 *   [offset 0] Checking RDB file dump.rdb
 *   [offset 27] AUX FIELD redis-ver = '7.0.15'
 *   [offset 82] Selecting DB ID 0
 *   [offset 214] Checksum OK
 *   [offset 214] \o/ RDB looks OK! \o/
 *   [info] 8 keys read
 *   [info] 1 expires
 *   [info] 0 already expired
 *
 * On a damaged file it prints "--- RDB ERROR DETECTED ---", the offset and
 * the reason, what it was doing and the key it was reading; exit status 1.
 */
import fs from 'node:fs';
import * as F from './rdb-format';
import { decodeRdb, printable, RdbError, type RdbReader } from './rdb-decode';

/** redis-check-rdb's names of the RDB types (rdb_type_string). */
const TYPE_STRING = [
  'string', 'list-linked', 'set-hashtable', 'zset-v1', 'hash-hashtable', 'zset-v2', 'module-pre-release',
  'module-value', '', 'hash-zipmap', 'list-ziplist', 'set-intset', 'zset-ziplist', 'hash-ziplist', 'quicklist',
  'stream', 'hash-listpack', 'zset-listpack', 'quicklist-v2', 'stream-v2',
];

/** What the checker was doing, by the opcode it last read. */
function doingFor(type: number): string {
  switch (type) {
    case F.OPCODE_EXPIRETIME:
    case F.OPCODE_EXPIRETIME_MS:
      return 'read-expire';
    case F.OPCODE_AUX:
      return 'read-aux';
    case F.OPCODE_SELECTDB:
    case F.OPCODE_RESIZEDB:
    case F.OPCODE_IDLE:
    case F.OPCODE_FREQ:
      return 'read-len';
    case F.OPCODE_MODULE_AUX:
      return 'read-module-aux';
    case F.OPCODE_FUNCTION:
    case F.OPCODE_FUNCTION2:
      return 'read-function';
    case F.OPCODE_EOF:
      return 'check-sum';
    default:
      return 'read-key';
  }
}

/**
 * Checks `file` and writes the report through `print`. Returns the exit
 * status: 0 when the file loads, 1 otherwise. `now` decides which keys are
 * counted as already expired.
 */
export function checkRdb(file: string, print: (line: string) => void, now = Date.now()): number {
  print(`[offset 0] Checking RDB file ${file}`);
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    print(`Cannot open RDB file ${file}: ${(e as Error).message}`);
    return 1;
  }
  return checkRdbBuffer(buf, file, print, now).status;
}

/**
 * Checks the RDB at the start of buf (after the "Checking RDB file" line).
 * `end` is the offset right after it: where the AOF tail of a preamble
 * starts (kevy-check-aof).
 */
export function checkRdbBuffer(buf: Buffer, file: string, print: (line: string) => void, now = Date.now()): { status: number; end: number } {
  let reader: RdbReader | null = null;
  const offset = () => (reader === null ? 0 : reader.pos);
  let doing = 'start';
  let lastType = 0;
  let currentKey: string | undefined;
  let keys = 0;
  let expires = 0;
  let expired = 0;
  let checksumLine: string | null = null;
  let crcBad = false;
  let okAt = 0;
  try {
    decodeRdb(
      buf,
      {
        selectDb(id) {
          print(`[offset ${offset()}] Selecting DB ID ${id}`);
        },
        aux(k, v) {
          print(`[offset ${offset()}] AUX FIELD ${printable(k)} = '${printable(v)}'`);
        },
        key(_key, _value, expireAtMs) {
          keys++;
          if (expireAtMs >= 0) {
            expires++;
            if (expireAtMs < now) expired++;
          }
          currentKey = undefined;
        },
      },
      { file },
      {
        attach(r) {
          reader = r;
        },
        type(type) {
          lastType = type;
          doing = doingFor(type);
          currentKey = undefined;
        },
        keyStart(key) {
          currentKey = key;
          doing = 'read-object-value';
        },
        checksum(at, ok, stored) {
          okAt = at;
          if (stored === 0n) checksumLine = `[offset ${at}] RDB file was saved with checksum disabled: no check performed.`;
          else if (ok) checksumLine = `[offset ${at}] Checksum OK`;
          else {
            checksumLine = null;
            crcBad = true;
          }
        },
      },
    );
  } catch (e) {
    if (!(e instanceof RdbError)) throw e;
    print('--- RDB ERROR DETECTED ---');
    // redis-check-rdb's words for a checksum mismatch (the loader's are longer).
    print(`[offset ${e.offset}] ${crcBad ? 'RDB CRC error' : e.reason}`);
    print(`[additional info] While doing: ${doing}`);
    if (currentKey !== undefined) print(`[additional info] Reading key '${printable(currentKey)}'`);
    const t = doing === 'read-object-value' || doing === 'read-key' ? lastType : 0;
    print(`[additional info] Reading type ${t} (${TYPE_STRING[t] ?? 'unknown'})`);
    info(print, keys, expires, expired);
    return { status: 1, end: offset() };
  }
  const end = offset();
  if (checksumLine !== null) print(checksumLine);
  else okAt = end;
  print(`[offset ${okAt}] \\o/ RDB looks OK! \\o/`);
  info(print, keys, expires, expired);
  return { status: 0, end };
}

function info(print: (line: string) => void, keys: number, expires: number, expired: number): void {
  print(`[info] ${keys} keys read`);
  print(`[info] ${expires} expires`);
  print(`[info] ${expired} already expired`);
}

/** The command-line entry (bin/kevy-check-rdb). */
export function main(args: string[]): number {
  if (args.length !== 1) {
    process.stderr.write('Usage: kevy-check-rdb <rdb-file-name>\n');
    return 1;
  }
  return checkRdb(args[0], (line) => process.stdout.write(line + '\n'));
}
