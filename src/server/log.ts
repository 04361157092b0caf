/**
 * Redis-style log lines to stdout or the `logfile`:
 *
 *   12345:M 22 Nov 2026 15:22:11.123 * Ready to accept connections
 *
 * The mark after the time is the level: `.` debug, `-` verbose, `*` notice,
 * `#` warning. `loglevel` (CONFIG SET too) filters; `nothing` silences all.
 */
import fs from 'node:fs';

const LEVELS = ['debug', 'verbose', 'notice', 'warning', 'nothing'] as const;
export type LogLevel = (typeof LEVELS)[number];
const MARKS = ['.', '-', '*', '#'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

export class Logger {
  private min = 2;
  private fd: number | null = null;

  setLevel(level: string): void {
    const i = LEVELS.indexOf(level as LogLevel);
    this.min = i < 0 ? 2 : i;
  }

  /** Sends lines to a file (appending) instead of stdout; '' means stdout. */
  setFile(path: string): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = path ? fs.openSync(path, 'a') : null;
  }

  private write(level: number, msg: string): void {
    if (level < this.min) return;
    const d = new Date();
    const line =
      `${process.pid}:M ${pad(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ` +
      `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)} ` +
      `${MARKS[level]} ${msg}\n`;
    if (this.fd !== null) fs.writeSync(this.fd, line);
    else process.stdout.write(line);
  }

  debug(msg: string): void {
    this.write(0, msg);
  }
  verbose(msg: string): void {
    this.write(1, msg);
  }
  notice(msg: string): void {
    this.write(2, msg);
  }
  warning(msg: string): void {
    this.write(3, msg);
  }
}
