/**
 * The RDB file format's constants (Redis 7.0's rdb.h): the version kevy
 * writes, value type bytes, opcodes and the length/string encodings.
 *
 * File layout (version 10, as kevy writes it):
 *
 *   "REDIS0010"
 *   AUX "redis-ver" "7.0.15"  AUX "redis-bits" 64 ...   (0xFA key value)
 *   SELECTDB 0  RESIZEDB <keys> <keys with TTL>           (0xFE len, 0xFB len len)
 *   [EXPIRETIME_MS <8 bytes LE ms>] <type byte> <key> <value>   (per key)
 *   ...
 *   EOF (0xFF)  <CRC64 of everything before, 8 bytes LE; zero = not checked>
 *
 * Lengths: 00xxxxxx (6 bits), 01xxxxxx yyyyyyyy (14 bits, big endian),
 * 0x80 + 4 bytes BE, 0x81 + 8 bytes BE; 11xxxxxx introduces a special
 * string encoding: int8, int16, int32 (little endian) or LZF.
 */

export const RDB_VERSION = 10;
export const RDB_SIGNATURE = 'REDIS';

// Value types (the byte before a key).
export const TYPE_STRING = 0;
export const TYPE_LIST = 1;
export const TYPE_SET = 2;
export const TYPE_ZSET = 3;
export const TYPE_HASH = 4;
export const TYPE_ZSET_2 = 5;
export const TYPE_MODULE = 6;
export const TYPE_MODULE_2 = 7;
export const TYPE_HASH_ZIPMAP = 9;
export const TYPE_LIST_ZIPLIST = 10;
export const TYPE_SET_INTSET = 11;
export const TYPE_ZSET_ZIPLIST = 12;
export const TYPE_HASH_ZIPLIST = 13;
export const TYPE_LIST_QUICKLIST = 14;
export const TYPE_STREAM_LISTPACKS = 15;
export const TYPE_HASH_LISTPACK = 16;
export const TYPE_ZSET_LISTPACK = 17;
export const TYPE_LIST_QUICKLIST_2 = 18;
export const TYPE_STREAM_LISTPACKS_2 = 19;
export const TYPE_SET_LISTPACK = 20;
export const TYPE_STREAM_LISTPACKS_3 = 21;

/** Names for messages about a type kevy cannot load. */
export const TYPE_NAMES: Record<number, string> = {
  6: 'module (pre-GA)',
  7: 'module',
  15: 'stream',
  19: 'stream (v2)',
  20: 'set listpack',
  21: 'stream (v3)',
};

// Opcodes (a byte where a type is expected).
export const OPCODE_FUNCTION = 0xf5; // RDB_OPCODE_FUNCTION_PRE_GA
export const OPCODE_FUNCTION2 = 0xf6;
export const OPCODE_MODULE_AUX = 0xf7;
export const OPCODE_IDLE = 0xf8;
export const OPCODE_FREQ = 0xf9;
export const OPCODE_AUX = 0xfa;
export const OPCODE_RESIZEDB = 0xfb;
export const OPCODE_EXPIRETIME_MS = 0xfc;
export const OPCODE_EXPIRETIME = 0xfd;
export const OPCODE_SELECTDB = 0xfe;
export const OPCODE_EOF = 0xff;

// Length encodings (the top two bits of the first byte, and the 32/64-bit markers).
export const LEN_6BIT = 0;
export const LEN_14BIT = 1;
export const LEN_32BIT = 0x80;
export const LEN_64BIT = 0x81;
export const LEN_ENCVAL = 3;

// Special string encodings (the low 6 bits after 11).
export const ENC_INT8 = 0;
export const ENC_INT16 = 1;
export const ENC_INT32 = 2;
export const ENC_LZF = 3;

// Quicklist 2 node containers.
export const QUICKLIST_NODE_PLAIN = 1;
export const QUICKLIST_NODE_PACKED = 2;

/** Redis LZF-compresses a string longer than this when rdbcompression is on. */
export const LZF_MIN_LEN = 20;
