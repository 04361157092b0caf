/**
 * FUNCTION and SCRIPT (functions.c, eval.c) as a server with nothing loaded
 * answers them: kevy runs no scripts, so the function libraries and the
 * script cache are always empty. FLUSH, LIST, STATS, EXISTS and HELP reply
 * exactly as Redis 7.0 does in that state, argument errors included.
 */
import * as E from '../errors';
import type { Client } from '../server/client';
import type { Handler } from './table';

const FUNCTION_HELP = [
  'FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
  'HELP',
  '    Prints this help.',
];

const SCRIPT_HELP = [
  'SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DEBUG (YES|SYNC|NO)',
  '    Set the debug mode for subsequent scripts executed.',
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the scripts cache.',
  '    * SYNC: Synchronously flush the scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
  'HELP',
  '    Prints this help.',
];

function help(c: Client, lines: readonly string[]): void {
  c.arrayLen(lines.length);
  for (const l of lines) c.simple(l);
}

/** The optional SYNC|ASYNC argument of FUNCTION FLUSH / SCRIPT FLUSH; false after an error reply. */
function flushMode(c: Client, argv: string[], error: string): boolean {
  if (argv.length === 2) return true;
  const m = argv[2].toLowerCase();
  if (argv.length === 3 && (m === 'sync' || m === 'async')) return true;
  c.error(error);
  return false;
}

function functionFlushCommand(c: Client, argv: string[]): void {
  if (argv.length > 3) {
    c.error(E.subcommandSyntax(argv[1], 'function'));
    return;
  }
  if (!flushMode(c, argv, E.FUNCTION_FLUSH_OPTION)) return;
  // Counted as a change (and propagated) even when there was nothing to flush, as in Redis.
  c.server.dirty++;
  c.ok();
}

function functionListCommand(c: Client, argv: string[]): void {
  let withCode = false;
  let libraryName = false;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i].toLowerCase();
    if (!withCode && a === 'withcode') {
      withCode = true;
    } else if (!libraryName && a === 'libraryname') {
      if (i >= argv.length - 1) {
        c.error(E.LIBRARY_NAME_MISSING);
        return;
      }
      libraryName = true;
      i++;
    } else {
      c.error(E.unknownArgument(argv[i]));
      return;
    }
  }
  c.arrayLen(0);
}

function functionStatsCommand(c: Client): void {
  c.mapLen(2);
  c.bulk('running_script');
  c.nullBulk();
  c.bulk('engines');
  c.mapLen(1);
  c.bulk('LUA');
  c.mapLen(2);
  c.bulk('libraries_count');
  c.integer(0);
  c.bulk('functions_count');
  c.integer(0);
}

function scriptFlushCommand(c: Client, argv: string[]): void {
  if (!flushMode(c, argv, E.SCRIPT_FLUSH_OPTION)) return;
  c.ok();
}

function scriptExistsCommand(c: Client, argv: string[]): void {
  c.arrayLen(argv.length - 2);
  for (let i = 2; i < argv.length; i++) c.integer(0);
}

export const commands: Record<string, Handler> = {
  'function|flush': functionFlushCommand,
  'function|list': functionListCommand,
  'function|stats': functionStatsCommand,
  'function|help': (c) => help(c, FUNCTION_HELP),
  'script|flush': scriptFlushCommand,
  'script|exists': scriptExistsCommand,
  'script|help': (c) => help(c, SCRIPT_HELP),
};
