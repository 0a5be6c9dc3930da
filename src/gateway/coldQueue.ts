import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Attempt } from './events';
import type { ChatRequest, ChatResponse } from './ir';
import { readJsonFile, writeFileAtomic } from './stateFiles';

/** Why a request went to the cold tier instead of a provider. */
export type QueueReason = 'all-routes-failed' | 'over-budget' | 'budget-invalid' | 'manual-pause' | 'budget-paused' | 'budget-exhausted';

/** A request waiting in the cold tier: everything needed to send it later. */
export interface QueuedRequest {
  readonly id: string;
  readonly seq: number;
  readonly createdAt: string;
  readonly reason: QueueReason;
  readonly request: ChatRequest;
  /** Reused by every later try, so a provider that saw it before does not bill it twice. */
  readonly idempotencyKey: string;
  /** The request's content key: the same request queued again joins this entry. */
  readonly requestKey?: string;
  /** What the user asked, in a few words (for lists and notifications). */
  readonly label: string;
  readonly attempts: readonly Attempt[];
}

/** The answer to a queued request, stored before the request leaves the queue. */
export interface StoredAnswer {
  readonly id: string;
  readonly label: string;
  readonly answeredAt: string;
  readonly route: string;
  readonly provider: string;
  readonly model: string;
  readonly response: ChatResponse;
  readonly costUsd?: number;
}

/** How one drain went. */
export interface DrainReport {
  readonly answered: StoredAnswer[];
  readonly expired: QueuedRequest[];
  /** Requests no route will ever take as they are (every route refused them): set aside, reported. */
  readonly failed: Array<{ readonly entry: QueuedRequest; readonly reason: string }>;
  readonly remaining: number;
  /** Why the drain stopped before the queue was empty. */
  readonly stoppedBecause?: string;
}

/** What sending a queued request came to: an answer to store, or a reason to stop draining. */
export type DrainSend = (entry: QueuedRequest) => Promise<{ answer: Omit<StoredAnswer, 'id' | 'label' | 'answeredAt'> } | { stop: string } | { drop: string }>;

const ENTRY = /^(\d{12})-(q-[a-z0-9-]+)\.json$/;

/**
 * The cold tier: a journal of requests in the state folder. Each entry and each answer is its
 * own file, written to a temporary name and renamed into place, so a kill at any moment leaves
 * whole files only. A request leaves the queue only after its answer is stored; a drain that
 * finds an answer already stored (the process died in between) removes the entry without
 * sending again. Drains are serialised by a lock file across processes.
 */
export class ColdQueue {
  private readonly queueDir: string;
  private readonly answersDir: string;
  private readonly expiredDir: string;
  private readonly failedDir: string;
  private readonly lockPath: string;
  private nextSeq = 0;
  private draining: Promise<DrainReport> | undefined;

  private constructor(stateDir: string, private readonly maxAgeMs: number, private readonly now: () => number) {
    this.queueDir = join(stateDir, 'queue');
    this.answersDir = join(stateDir, 'answers');
    this.expiredDir = join(stateDir, 'expired');
    this.failedDir = join(stateDir, 'failed');
    this.lockPath = join(stateDir, 'queue.lock');
  }

  static async open(stateDir: string, options: { maxAgeMs: number; now?: () => number }): Promise<ColdQueue> {
    const queue = new ColdQueue(stateDir, options.maxAgeMs, options.now ?? Date.now);
    await Promise.all([queue.queueDir, queue.answersDir, queue.expiredDir, queue.failedDir].map((d) => mkdir(d, { recursive: true })));
    // Temporary files are what a killed write left behind; they were never entries.
    for (const dir of [queue.queueDir, queue.answersDir]) {
      for (const name of await readdir(dir)) if (name.endsWith('.tmp')) await rm(join(dir, name), { force: true });
    }
    const names = await readdir(queue.queueDir);
    queue.nextSeq = names.reduce((max, name) => Math.max(max, Number(ENTRY.exec(name)?.[1] ?? -1) + 1), 0);
    return queue;
  }

  /** The waiting request with this content key, if any. */
  async find(requestKey: string): Promise<QueuedRequest | undefined> {
    return (await this.list()).find((e) => e.requestKey === requestKey);
  }

  /** Queues a request; one already waiting with the same content key is returned instead. */
  async add(entry: Omit<QueuedRequest, 'id' | 'seq' | 'createdAt'>): Promise<QueuedRequest> {
    const same = entry.requestKey ? await this.find(entry.requestKey) : undefined;
    if (same) return same;
    const queued: QueuedRequest = {
      ...entry,
      id: `q-${this.now().toString(36)}-${randomBytes(4).toString('hex')}`,
      seq: this.nextSeq++,
      createdAt: new Date(this.now()).toISOString(),
    };
    await writeFileAtomic(join(this.queueDir, fileName(queued)), `${JSON.stringify(queued)}\n`);
    return queued;
  }

  /** Waiting requests, oldest first. */
  async list(): Promise<QueuedRequest[]> {
    const names = (await readdir(this.queueDir)).filter((n) => ENTRY.test(n)).sort();
    const entries = await Promise.all(names.map((n) => readJsonFile<QueuedRequest>(join(this.queueDir, n)).catch(() => undefined)));
    return entries.filter((e): e is QueuedRequest => e !== undefined);
  }

  async answer(id: string): Promise<StoredAnswer | undefined> {
    return readJsonFile<StoredAnswer>(join(this.answersDir, `${id}.json`));
  }

  /** Requests that waited longer than the maximum age, moved aside and kept for the user. */
  async expired(): Promise<QueuedRequest[]> {
    const names = (await readdir(this.expiredDir)).filter((n) => ENTRY.test(n)).sort();
    return (await Promise.all(names.map((n) => readJsonFile<QueuedRequest>(join(this.expiredDir, n))))).filter((e): e is QueuedRequest => !!e);
  }

  /** Sends waiting requests in order until one cannot be sent; one drain at a time. */
  drain(send: DrainSend): Promise<DrainReport> {
    this.draining ??= this.drainLocked(send).finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private async drainLocked(send: DrainSend): Promise<DrainReport> {
    const unlock = await this.lock();
    if (!unlock) return { answered: [], expired: [], failed: [], remaining: (await this.list()).length, stoppedBecause: 'another process is draining the queue' };
    const answered: StoredAnswer[] = [];
    const expired: QueuedRequest[] = [];
    const failed: DrainReport['failed'] = [];
    try {
      for (const entry of await this.list()) {
        const path = join(this.queueDir, fileName(entry));
        const stored = await this.answer(entry.id);
        if (stored) {
          // Answered before a crash that kept the entry: finish the move, never send again.
          await unlink(path).catch(() => undefined);
          answered.push(stored);
          continue;
        }
        if (this.now() - Date.parse(entry.createdAt) > this.maxAgeMs) {
          await rename(path, join(this.expiredDir, fileName(entry)));
          expired.push(entry);
          continue;
        }
        const result = await send(entry);
        if ('stop' in result) {
          return { answered, expired, failed, remaining: (await this.list()).length, stoppedBecause: result.stop };
        }
        if ('drop' in result) {
          // Kept for the user, out of the way of the requests behind it.
          await rename(path, join(this.failedDir, fileName(entry)));
          failed.push({ entry, reason: result.drop });
          continue;
        }
        const answer: StoredAnswer = { ...result.answer, id: entry.id, label: entry.label, answeredAt: new Date(this.now()).toISOString() };
        await writeFileAtomic(join(this.answersDir, `${entry.id}.json`), `${JSON.stringify(answer)}\n`);
        await unlink(path);
        answered.push(answer);
      }
      // Requests queued while this drain ran are still waiting.
      return { answered, expired, failed, remaining: (await this.list()).length };
    } finally {
      await unlock();
    }
  }

  /** A lock file holding our pid; a lock whose process is gone is taken over. */
  private async lock(): Promise<(() => Promise<void>) | undefined> {
    for (let tries = 0; tries < 2; tries++) {
      try {
        const handle = await open(this.lockPath, 'wx');
        await handle.writeFile(String(process.pid));
        await handle.close();
        return () => rm(this.lockPath, { force: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        if (!(await this.lockIsStale())) return undefined;
        await rm(this.lockPath, { force: true });
      }
    }
    return undefined;
  }

  private async lockIsStale(): Promise<boolean> {
    const pid = Number((await readJsonFile<number>(this.lockPath).catch(() => undefined)) ?? NaN);
    if (!Number.isInteger(pid)) {
      // Unreadable: stale only if old (a writer may be between open and write).
      const info = await stat(this.lockPath).catch(() => undefined);
      return !info || this.now() - info.mtimeMs > 10_000;
    }
    try {
      process.kill(pid, 0);
      return false;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ESRCH';
    }
  }
}

function fileName(entry: QueuedRequest): string {
  return `${String(entry.seq).padStart(12, '0')}-${entry.id}.json`;
}
