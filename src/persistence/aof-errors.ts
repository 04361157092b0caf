/**
 * What the AOF writer (./aof.ts) reports when the disk fails: the C
 * library's text for an errno code, and Redis's MISCONF refusal of writes
 * while the last AOF write or fsync failed.
 */
import type { Command } from '../commands/table';
import type { Client } from '../server/client';

/** The C library's text for an errno code (what Redis prints after MISCONF). */
export function strerrorCode(code: string | undefined, fallback: string): string {
  const texts: Record<string, string> = {
    ENOSPC: 'No space left on device',
    EFBIG: 'File too large',
    EIO: 'Input/output error',
    EDQUOT: 'Disk quota exceeded',
    EROFS: 'Read-only file system',
    EBADF: 'Bad file descriptor',
    EACCES: 'Permission denied',
    ENOENT: 'No such file or directory',
  };
  return (code && texts[code]) || fallback;
}

/**
 * Redis's writeCommandsDeniedByDiskError for the AOF: writes, EXEC of a
 * transaction holding writes, and PING are refused while a write failed.
 */
export function deniedByAofError(aof: { writeError: string | null; on: boolean }, c: Client, cmd: Command): string | null {
  if (aof.writeError === null || !aof.on) return null;
  const write =
    cmd.isWrite ||
    cmd.name === 'ping' ||
    (cmd.name === 'exec' && c.multi !== null && c.multi.queue.some((q) => q.cmd.isWrite));
  return write ? `MISCONF Errors writing to the AOF file: ${aof.writeError}` : null;
}
