/**
 * Every error text kevy sends, byte-identical to Redis 7.0 (server.c's shared
 * objects and the addReplyError calls of each t_*.c file).
 *
 * A constant is the text without the leading '-' and without CRLF: the reply
 * writer adds both. Texts that begin with an upper-case code (WRONGTYPE,
 * NOAUTH, ...) are sent as they are; the others start with "ERR ".
 *
 *   c.error(E.SYNTAX)                  // -ERR syntax error\r\n
 *   c.error(E.wrongArity('get'))       // -ERR wrong number of arguments for 'get' command\r\n
 */

export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
export const SYNTAX = 'ERR syntax error';
export const NO_SUCH_KEY = 'ERR no such key';
export const NOT_INTEGER = 'ERR value is not an integer or out of range';
export const NOT_FLOAT = 'ERR value is not a valid float';
export const NOT_FLOAT_MIN_MAX = 'ERR min or max is not a float';
export const OVERFLOW = 'ERR increment or decrement would overflow';
export const INCR_NAN_OR_INF = 'ERR increment would produce NaN or Infinity';
export const OUT_OF_RANGE = 'ERR index out of range';
export const DB_INDEX_OUT_OF_RANGE = 'ERR DB index is out of range';
export const SAME_OBJECT = 'ERR source and destination objects are the same';
export const BUSYKEY = 'BUSYKEY Target key name already exists.';
export const NOAUTH = 'NOAUTH Authentication required.';
export const HELLO_NOAUTH =
  'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time';
export const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';
export const AUTH_NOT_CONFIGURED =
  'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?';
export const EXECABORT = 'EXECABORT Transaction discarded because of previous errors.';
export const LOADING = 'LOADING Redis is loading the dataset in memory';
export const OOM = "OOM command not allowed when used memory > 'maxmemory'.";
/** kevy's refusal when V8's heap (not maxmemory) is nearly full (server/memory-guard.ts): Redis's OOM code, the limit named. */
export const oomHeap = (limitMb: number): string =>
  `OOM command not allowed when used memory is near the V8 heap limit (${limitMb} MB): free memory, or restart kevy with NODE_OPTIONS=--max-old-space-size=<MB>.`;
export const MISCONF_RDB =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";
export const STRING_TOO_LONG = 'ERR string exceeds maximum allowed size (proto-max-bulk-len)';
export const BIT_OFFSET = 'ERR bit offset is not an integer or out of range';
export const BIT_VALUE = 'ERR bit is not an integer or out of range';
export const OFFSET_OUT_OF_RANGE = 'ERR offset is out of range';
export const TIMEOUT_NOT_FLOAT = 'ERR timeout is not a float or out of range';
export const TIMEOUT_NEGATIVE = 'ERR timeout is negative';
export const TIMEOUT_OUT_OF_RANGE = 'ERR timeout is out of range';
export const UNBLOCKED = 'UNBLOCKED client unblocked via CLIENT UNBLOCK';
export const UNBLOCK_REASON = 'ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR';
export const LPOS_RANK_ZERO =
  "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";
export const LPOS_COUNT_NEGATIVE = "ERR COUNT can't be negative";
export const LPOS_MAXLEN_NEGATIVE = "ERR MAXLEN can't be negative";
/** addReplySubcommandSyntaxError: `CLIENT UNBLOCK 1 TIMEOUT x` and friends. */
export const clientSubcommandSyntax = (sub: string) =>
  `ERR unknown subcommand or wrong number of arguments for '${sub}'. Try CLIENT HELP.`;
export const INVALID_CURSOR = 'ERR invalid cursor';
export const NO_PERMISSION = 'NOPERM';
export const PROTOCOL_VERSION = 'NOPROTO unsupported protocol version';
export const UNKNOWN_CLIENT = 'ERR No such client';
export const CLIENT_NAME_SPACES = 'ERR Client names cannot contain spaces, newlines or special characters.';
export const DEBUG_DISABLED_PREFIX = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"no\", you can't use this command. ";
export const NESTED_MULTI = 'ERR MULTI calls can not be nested';
export const EXEC_WITHOUT_MULTI = 'ERR EXEC without MULTI';
export const DISCARD_WITHOUT_MULTI = 'ERR DISCARD without MULTI';
export const NOT_ALLOWED_IN_MULTI = 'ERR Command not allowed inside a transaction';
export const WATCH_IN_MULTI = 'ERR WATCH inside MULTI is not allowed';
export const SUBSCRIBE_CONTEXT_PREFIX = 'ERR Can\'t execute';
export const INVALID_EXPIRE_TIME = (cmd: string) => `ERR invalid expire time in '${cmd}' command`;
export const NX_XX_GT_LT =
  'ERR NX and XX, GT or LT options at the same time are not compatible';
export const GT_LT_NX = 'ERR GT and LT options at the same time are not compatible';
export const SCORE_NOT_FLOAT = 'ERR value is not a valid float';
export const ZADD_NX_XX = 'ERR XX and NX options at the same time are not compatible';
export const ZADD_GT_LT_NX = 'ERR GT, LT, and/or NX options at the same time are not compatible';
export const ZADD_INCR_PAIR = 'ERR INCR option supports a single increment-element pair';
export const HASH_VALUE_NOT_INTEGER = 'ERR hash value is not an integer';
export const HASH_VALUE_NOT_FLOAT = 'ERR hash value is not a float';
export const NUMKEYS_ZERO = (cmd: string) => `ERR at least 1 input key is needed for '${cmd}' command`;
export const NUMKEYS_GT_ZERO = 'ERR numkeys should be greater than 0';
export const COUNT_GT_ZERO = 'ERR count should be greater than 0';
export const VALUE_OUT_OF_RANGE_POSITIVE = 'ERR value is out of range, must be positive';
export const MIN_MAX_NOT_STRING = 'ERR min or max not valid string range item';

export const PROTECTED_MODE =
  "DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.";

/** A string as C's %s prints it: up to its first NUL. */
function cstr(s: string): string {
  const i = s.indexOf('\0');
  return i < 0 ? s : s.slice(0, i);
}

/**
 * `-ERR unknown command 'foo', with args beginning with: 'a' 'b' ` as
 * server.c builds it (%.128s and '%.*s': each argument ends at a NUL, and
 * the 128 bytes count what was printed).
 */
export function unknownCommand(name: string, args: string[]): string {
  let list = '';
  for (const a of args) {
    if (list.length >= 128) break;
    list += `'${cstr(a).slice(0, 128 - list.length)}' `;
  }
  return `ERR unknown command '${cstr(name).slice(0, 128)}', with args beginning with: ${list}`;
}

/** `-ERR unknown subcommand 'foo'. Try CLIENT HELP.` */
export function unknownSubcommand(sub: string, container: string): string {
  return `ERR unknown subcommand '${cstr(sub).slice(0, 128)}'. Try ${container.toUpperCase()} HELP.`;
}

/** Arity error; `name` is the lower-case full name (`get`, `client|kill`). */
export function wrongArity(name: string): string {
  return `ERR wrong number of arguments for '${name}' command`;
}

export function protocolError(detail: string): string {
  return `ERR Protocol error: ${detail}`;
}

/** getRangeLongFromObjectOrReply's range error (e.g. MOVE/COPY db index beyond an int). */
export function valueOutOfRange(min: number, max: number): string {
  return `ERR value is out of range, value must between ${min} and ${max}`;
}

/** An unknown EXPIRE-family flag (parseExtendedExpireArgumentsOrReply). */
export function unsupportedOption(opt: string): string {
  return `ERR Unsupported option ${opt}`;
}

// Hashes and sets (t_hash.c, t_set.c).
export const VALUE_NAN_OR_INF = 'ERR value is NaN or Infinity';
export const VALUE_OUT_OF_RANGE = 'ERR value is out of range';
/** getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX): HRANDFIELD and SRANDMEMBER counts. */
export const COUNT_OUT_OF_LONG_RANGE =
  'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807';
export const NUMKEYS_GT_ARGS = "ERR Number of keys can't be greater than number of args";
export const LIMIT_NEGATIVE = "ERR LIMIT can't be negative";

// CONFIG (config.c).
/** CONFIG SET of a name that is no config (or a wrong number of arguments). */
export function configUnknownOption(name: string): string {
  return `ERR Unknown option or number of arguments for CONFIG SET - '${name}'`;
}
/** CONFIG SET refused for one argument: `reason` is one of the CONFIG_* texts below or a value error. */
export function configSetFailed(name: string, reason: string): string {
  return `ERR CONFIG SET failed (possibly related to argument '${name}') - ${reason}`;
}
export const CONFIG_IMMUTABLE = "can't set immutable config";
export const CONFIG_PROTECTED = "can't set protected config";
export const CONFIG_DUPLICATE = 'duplicate parameter';
/** kevy-only: a Redis config kevy does not implement. */
export const CONFIG_NOT_SUPPORTED = 'kevy does not support this config yet';
/** kevy-only: port and bind cannot be changed while running (no live rebinding). */
export const CONFIG_RESTART_ONLY = 'kevy cannot change this config while running; set it in the config file and restart';
export const NO_CONFIG_FILE = 'ERR The server is running without a config file';
export function configRewriteFailed(reason: string): string {
  return `ERR Rewriting config file: ${reason}`;
}

// ---- strings and bitmaps (t_string.c, bitops.c) ----
export const DECREMENT_OVERFLOW = 'ERR decrement would overflow';
export const LCS_NOT_STRINGS = 'ERR The specified keys must contain string values';
export const LCS_LEN_AND_IDX = 'ERR If you want both the length and indexes, please just use IDX.';
export const LCS_TOO_LONG = 'ERR String too long for LCS';
export const LCS_OVER_LIMIT = 'ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len';
export const LCS_ALLOC_FAILED = 'ERR Insufficient memory, failed allocating transient memory for LCS';
export const BITOP_NOT_ONE_KEY = 'ERR BITOP NOT must be called with a single source key.';
export const BIT_ARG_NOT_01 = 'ERR The bit argument must be 1 or 0.';
export const BITFIELD_BAD_OVERFLOW = 'ERR Invalid OVERFLOW type specified';
export const BITFIELD_BAD_TYPE =
  'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';
export const BITFIELD_RO_GET_ONLY = 'ERR BITFIELD_RO only supports the GET subcommand';

// ---- server commands (server.c, debug.c, db.c) ----
export const DEBUG_NOT_ALLOWED =
  'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.';
export const INVALID_FIRST_DB_INDEX = 'ERR invalid first DB index';
export const INVALID_SECOND_DB_INDEX = 'ERR invalid second DB index';
export const NO_SHUTDOWN_IN_PROGRESS = 'ERR No shutdown in progress.';
export const MONITOR_DENY_BLOCKING = "ERR MONITOR isn't allowed for DENY BLOCKING client";
export const FUNCTION_FLUSH_OPTION = 'ERR FUNCTION FLUSH only supports SYNC|ASYNC option';
export const SCRIPT_FLUSH_OPTION = 'ERR SCRIPT FLUSH only support SYNC|ASYNC option';
export const LIBRARY_NAME_MISSING = 'ERR library name argument was not given';
export const unknownArgument = (arg: string) => `ERR Unknown argument ${arg}`;
/** addReplySubcommandSyntaxError: `'sub'` is echoed as sent, the container upper-cased. */
export const subcommandSyntax = (sub: string, container: string) =>
  `ERR unknown subcommand or wrong number of arguments for '${sub.slice(0, 128)}'. Try ${container.toUpperCase()} HELP.`;

// ---- sorted sets and SORT (t_zset.c, sort.c) ----
export const ZADD_NAN = 'ERR resulting score is not a number (NaN)';
export const WEIGHT_NOT_FLOAT = 'ERR weight value is not a float';
export const ZRANGE_LIMIT_NEEDS_BY = 'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX';
export const ZRANGE_WITHSCORES_BYLEX = 'ERR syntax error, WITHSCORES not supported in combination with BYLEX';
export const SORT_SCORE_NOT_DOUBLE = "ERR One or more scores can't be converted into double";

// ---- DUMP / RESTORE (cluster.c) ----
export const DUMP_PAYLOAD_INVALID = 'ERR DUMP payload version or checksum are wrong';
export const BAD_DATA_FORMAT = 'ERR Bad data format';
export const RESTORE_INVALID_TTL = 'ERR Invalid TTL value, must be >= 0';
export const RESTORE_INVALID_IDLETIME = 'ERR Invalid IDLETIME value, must be >= 0';
export const RESTORE_INVALID_FREQ = 'ERR Invalid FREQ value, must be >= 0 and <= 255';
export const AOF_REWRITE_IN_PROGRESS = 'ERR Background append only file rewriting already in progress';
export const AOF_REWRITE_FAILED = "ERR Can't execute an AOF background rewriting. Please check the server logs for more information.";

// ---- snapshots (rdb.c, server.c, debug.c) ----
export const BGSAVE_IN_PROGRESS = 'ERR Background save already in progress';
export const BGSAVE_OTHER_CHILD =
  "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.";
/** shared.err: a save that failed (the reason is in the log). */
export const SAVE_FAILED = 'ERR';
export const SHUTDOWN_FAILED = 'ERR Errors trying to SHUTDOWN. Check logs.';
export const RELOAD_LOAD_FAILED = 'ERR Error trying to load the RDB dump';
export const RELOAD_OPTIONS = 'ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.';

// ---- client side caching (networking.c clientCommand, tracking.c) ----
export const TRACKING_ONE_REDIRECT = 'ERR A client can only redirect to a single other client';
export const TRACKING_NO_REDIRECT_CLIENT = 'ERR The client ID you want redirect to does not exist';
export const TRACKING_PREFIX_NEEDS_BCAST = 'ERR PREFIX option requires BCAST mode to be enabled';
export const TRACKING_BCAST_SWITCH =
  "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.";
export const TRACKING_OPT_BCAST = 'ERR OPTIN and OPTOUT are not compatible with BCAST';
export const TRACKING_OPTIN_OPTOUT = "ERR You can't specify both OPTIN mode and OPTOUT mode";
export const TRACKING_OPT_SWITCH =
  "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.";
export const CACHING_NOT_TRACKING =
  'ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled';
export const CACHING_YES_OPTIN = 'ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.';
export const CACHING_NO_OPTOUT = 'ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.';
export const trackingPrefixOverlapsExisting = (p: string, q: string): string =>
  `ERR Prefix '${p}' overlaps with an existing prefix '${q}'. Prefixes for a single client must not overlap.`;
export const trackingPrefixOverlapsOther = (p: string, q: string): string =>
  `ERR Prefix '${p}' overlaps with another provided prefix '${q}'. Prefixes for a single client must not overlap.`;
