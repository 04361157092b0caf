/**
 * BGSAVE without fork: the dump as it was when start() ran, written while
 * the server keeps serving.
 *
 *   const bg = new BackgroundSave(server, '/data/dump.rdb', (err) => ...);
 *   bg.start();        // the point in time; returns at once
 *   bg.abort();        // FLUSHALL, SHUTDOWN: like Redis killing its child
 *
 * Each event-loop turn (setImmediate) walks the point-in-time view
 * (./pointintime.ts) for one slice (5-100 us under load, 1 ms idle), the
 * RdbEncoder turns the keys into bytes and AsyncFile hands them to libuv's
 * thread pool, so neither the serialization nor the disk stalls the loop
 * for long. Keys about to change
 * are serialized at once by the view's hook, so the file holds the data of
 * the moment start() ran: a key changed, deleted or expired later still has
 * its old value and TTL; a key created later is absent.
 *
 * The file goes to dir/temp-bg-<pid>.rdb, then fsync, rename over the dump
 * and a directory fsync ("old-or-new", see ./fsutil.ts). When the writer
 * falls behind by more than HIGH_WATER bytes the walk waits for it.
 */
import type { Server } from '../server/server';
import { AsyncFile } from './fsutil';
import { PointInTimeView, TAKE_BYTES } from './pointintime';
import type { RdbEncoder } from './rdb-encode';
import { newRdbEncoder, rdbAux, tempPath } from './rdb-file';

/** Unwritten bytes at which the walk pauses until the writer drains. */
const HIGH_WATER = 16 << 20;

/** Why a background save ended without a new file. */
export class SaveAborted extends Error {}

export class BackgroundSave {
  /** Unix time (ms) of the point in time. */
  readonly startedAt = Date.now();
  private readonly view: PointInTimeView;
  private readonly enc: RdbEncoder;
  private file: AsyncFile | null = null;
  private currentDb = -1;
  private ended = false;
  readonly tmp: string;

  constructor(
    private readonly server: Server,
    private readonly target: string,
    private readonly onDone: (err: Error | null) => void,
  ) {
    this.tmp = tempPath(server, 'bg-');
    this.enc = newRdbEncoder(server, this.startedAt);
    this.view = new PointInTimeView(server, (db, key, value, expireAt) => {
      if (db !== this.currentDb) {
        const s = this.view.sizeOf(db);
        this.enc.selectDb(db, s.size, s.expires);
        this.currentDb = db;
      }
      this.enc.key(key, value, expireAt);
    });
  }

  /** Keys serialized so far and keys in the view (INFO current_save_keys_*). */
  get processed(): number {
    return this.view.emitted;
  }

  get total(): number {
    return this.view.total;
  }

  /** Takes the point-in-time view and starts writing. */
  start(): void {
    this.enc.header(rdbAux());
    this.view.start();
    AsyncFile.create(this.tmp).then(
      (f) => {
        if (this.ended) {
          f.abort();
          return;
        }
        this.file = f;
        f.onDrain = () => {
          if (this.waiting) {
            this.waiting = false;
            setImmediate(this.step);
          }
        };
        this.step();
      },
      (err: Error) => this.end(err),
    );
  }

  private waiting = false;

  private readonly step = (): void => {
    if (this.ended) return;
    const f = this.file!;
    if (f.failed !== null) {
      this.end(f.failed);
      return;
    }
    if (this.server.shuttingDown) {
      this.abort();
      return;
    }
    if (f.pending > HIGH_WATER) {
      this.waiting = true;
      return;
    }
    let done: boolean;
    try {
      done = this.view.slice();
      if (done) {
        this.view.detach();
        this.enc.footer();
      }
      if (done || this.enc.pending >= TAKE_BYTES) for (const b of this.enc.take()) f.write(b);
    } catch (e) {
      // A slice runs from setImmediate: a throw would end the process. The save fails instead.
      this.end(e as Error);
      return;
    }
    if (!done) {
      setImmediate(this.step);
      return;
    }
    f.commit(this.target).then(
      () => this.end(null),
      (err: Error) => this.end(err),
    );
  };

  /** Stops the save and removes its temp file; onDone gets a SaveAborted. */
  abort(): void {
    if (this.ended) return;
    this.file?.abort();
    this.end(new SaveAborted('aborted'));
  }

  private end(err: Error | null): void {
    if (this.ended) return;
    this.ended = true;
    this.view.detach();
    if (err !== null && !(err instanceof SaveAborted)) this.file?.abort();
    this.onDone(err);
  }
}
