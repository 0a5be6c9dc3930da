import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { processAlive } from './processAlive';

/** Nobody holds the lock longer than a few file operations; one older than this was left behind. */
const STALE_MS = 5_000;
/** Give up (and refuse the try) rather than freeze the window waiting. */
const WAIT_MS = 10_000;
/**
 * A lock taken is kept to the end of the event-loop turn, for at most this long, so that the holds
 * of a burst of requests share one lock instead of paying its file operations each.
 */
const REUSE_MS = 20;
const pause = new Int32Array(new SharedArrayBuffer(4));
/** Tells this process's lock tokens from every other's; a counter then tells them apart. */
const TOKEN_PREFIX = `${process.pid} ${randomBytes(6).toString('hex')}`;
let tokens = 0;

/**
 * The locks this process holds, by path. Shared by every LedgerLock of the process: two ledgers
 * on one state folder in one process (two chains) never interleave their synchronous steps, so
 * the lock need only keep other processes out.
 */
const heldHere = new Map<string, { token: string; at: number }>();

function readOwner(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * An exclusive lock file shared by every process on the state folder: created with O_EXCL
 * (`wx`), holding `pid token time`. It is held only around the ledger's check-and-hold and its
 * settlement, so waits are short; a lock whose owner has died, or that is older than a few
 * seconds, is taken over. Synchronous on purpose: a hold is decided in one step, with no other
 * request of this process interleaving.
 */
export class LedgerLock {
  constructor(private readonly path: string) {}

  /**
   * Runs `work` holding the lock; throws when it cannot be taken. The lock stays taken to the end
   * of this event-loop turn (at most a few milliseconds), so the next hold of the same turn does
   * not take it again; other processes wait that long at most.
   */
  with<T>(work: () => T): T {
    const held = heldHere.get(this.path);
    if (!held || Date.now() - held.at >= REUSE_MS) {
      if (held) this.releaseHeld();
      const token = this.acquire();
      heldHere.set(this.path, { token, at: Date.now() });
      setImmediate(() => {
        if (heldHere.get(this.path)?.token === token) this.releaseHeld();
      });
    }
    return work();
  }

  /** Gives the lock back now (the journal is closing, or the turn is over). */
  releaseHeld(): void {
    const held = heldHere.get(this.path);
    if (!held) return;
    heldHere.delete(this.path);
    this.release(held.token);
  }

  private acquire(): string {
    const token = `${TOKEN_PREFIX}.${tokens++} ${Date.now()}`;
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      try {
        const fd = openSync(this.path, 'wx', 0o600);
        try {
          writeSync(fd, token);
        } finally {
          closeSync(fd);
        }
        return token;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`cannot create the ledger lock ${this.path}: ${(e as Error).message}`);
      }
      this.takeOverIfStale();
      if (Date.now() > deadline) throw new Error(`the ledger lock ${this.path} has been held for over ${WAIT_MS / 1000} s; if no Context Gateway process is running, delete it`);
      Atomics.wait(pause, 0, 0, 1);
    }
  }

  /** Moves a left-behind lock aside; a rename is atomic, so of two processes only one takes it. */
  private takeOverIfStale(): void {
    const owner = readOwner(this.path);
    if (owner === undefined) return;
    const [pid, , time] = owner.split(' ');
    let age = Date.now() - Number(time);
    if (!Number.isFinite(age)) age = Date.now() - (statSafe(this.path) ?? Date.now());
    if (processAlive(Number(pid)) && age < STALE_MS) return;
    const aside = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
    try {
      renameSync(this.path, aside);
    } catch {
      return; // another process took it over first
    }
    if (readOwner(aside) !== owner) {
      // Between reading and renaming, the old lock went and a live one came: put that one back.
      try {
        linkSync(aside, this.path);
      } catch {
        // A third process already holds a new lock; the owner we moved aside checks before releasing.
      }
    }
    try {
      unlinkSync(aside);
    } catch {
      // already gone
    }
  }

  private release(token: string): void {
    // Only our own lock: after a takeover, the file may be someone else's now.
    if (readOwner(this.path) !== token) return;
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
  }
}

function statSafe(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}
