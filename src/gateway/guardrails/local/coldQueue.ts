import { randomBytes } from 'node:crypto';
import { open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ColdQueue, DrainReport, DrainSend, QueuedRequest, StoredAnswer, UnreadableFile } from '../coldQueue';
import { ensureStateDir, readJsonFile, STATE_FILE_MODE, writeFileAtomic } from './stateFiles';
import { QUEUE_ID, queuedRequestProblem, storedAnswerProblem } from './stateShapes';
import { processAlive } from './processAlive';

const ENTRY = /^(\d{12})-(q-[a-z0-9-]+)\.json$/;
const REASON_SUFFIX = '.reason.txt';

/** True for an id of the form the queue gives; anything else must never become a path. */
export function isQueueId(id: string): boolean {
  return QUEUE_ID.test(id);
}

/**
 * The cold tier: a journal of requests in the state folder. Each entry and each answer is its
 * own file, written to a temporary name and renamed into place, so a kill at any moment leaves
 * whole files only. A request leaves the queue only after its answer is stored; a drain that
 * finds an answer already stored (the process died in between) removes the entry without
 * sending again. Drains are serialised by a lock file across processes.
 */
export class LocalColdQueue implements ColdQueue {
  readonly backend = 'local';
  private readonly queueDir: string;
  private readonly answersDir: string;
  private readonly expiredDir: string;
  private readonly failedDir: string;
  private readonly unreadableDir: string;
  private readonly lockPath: string;
  private nextSeq = 0;
  private draining: Promise<DrainReport> | undefined;

  private constructor(stateDir: string, private readonly maxAgeMs: number, private readonly now: () => number, private readonly log: (line: string) => void) {
    this.queueDir = join(stateDir, 'queue');
    this.answersDir = join(stateDir, 'answers');
    this.expiredDir = join(stateDir, 'expired');
    this.failedDir = join(stateDir, 'failed');
    this.unreadableDir = join(stateDir, 'unreadable');
    this.lockPath = join(stateDir, 'queue.lock');
  }

  /** Opens the queue over a state folder; `log` hears of every file set aside as unreadable. */
  static async open(stateDir: string, options: { maxAgeMs: number; now?: () => number; log?: (line: string) => void }): Promise<LocalColdQueue> {
    const queue = new LocalColdQueue(stateDir, options.maxAgeMs, options.now ?? Date.now, options.log ?? (() => {}));
    // Entries hold the user's code: folders made earlier with a wider mode are narrowed too.
    await ensureStateDir(stateDir);
    await Promise.all([queue.queueDir, queue.answersDir, queue.expiredDir, queue.failedDir, queue.unreadableDir].map(ensureStateDir));
    // Temporary files are what a killed write left behind; they were never entries. One whose
    // writer (the pid in its name) is alive is another process writing now: it is left alone.
    for (const dir of [queue.queueDir, queue.answersDir]) {
      for (const name of await readdir(dir)) {
        if (!name.endsWith('.tmp')) continue;
        const writer = /\.(\d+)\.[0-9a-f]+\.tmp$/.exec(name);
        if (writer && processAlive(Number(writer[1]))) continue;
        await rm(join(dir, name), { force: true });
      }
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

  /**
   * Waiting requests, oldest first. An entry that cannot be read (cut short, edited, of another
   * shape) is set aside with its reason, so it neither blocks the requests behind it nor vanishes.
   */
  async list(setAside: UnreadableFile[] = []): Promise<QueuedRequest[]> {
    const names = (await readdir(this.queueDir)).filter((n) => ENTRY.test(n)).sort();
    const reads = await Promise.all(names.map((name) => readState(join(this.queueDir, name), (value) => {
      const [, seq, id] = ENTRY.exec(name)!;
      return isQueueId(id!) ? queuedRequestProblem(value, { seq: Number(seq), id: id! }) : 'the file name is not of a queue entry';
    })));
    const entries: QueuedRequest[] = [];
    // Read in parallel, set aside in name order: the report and the log read the same every time.
    for (const [i, read] of reads.entries()) {
      if ('problem' in read && read.problem) setAside.push(await this.setAside(this.queueDir, names[i]!, read.problem, 'it is never sent'));
      if ('value' in read) entries.push(read.value as QueuedRequest);
    }
    return entries;
  }

  /** The stored answer to a queued request. An unreadable one is set aside, and the error says so. */
  async answer(id: string): Promise<StoredAnswer | undefined> {
    const read = await this.readAnswer(id);
    if ('problem' in read && read.problem) {
      throw new Error(`The answer to ${id} could not be read (${read.problem}); it is kept in ${this.unreadableDir}, and the request, if still queued, is sent again at the next drain.`);
    }
    return 'value' in read ? read.value : undefined;
  }

  private async readAnswer(id: string): Promise<{ value: StoredAnswer } | { problem?: string }> {
    if (!isQueueId(id)) throw new Error(`"${id}" is not a queue id; queue ids look like q-mx7unoip-081aa590 (see "queue list").`);
    const name = `${id}.json`;
    const read = await readState(join(this.answersDir, name), (value) => storedAnswerProblem(value, id));
    if ('problem' in read && read.problem) await this.setAside(this.answersDir, name, read.problem, 'the request is sent again');
    return read as { value: StoredAnswer } | { problem?: string };
  }

  /** Requests that waited longer than the maximum age, moved aside and kept for the user. */
  async expired(): Promise<QueuedRequest[]> {
    const names = (await readdir(this.expiredDir)).filter((n) => ENTRY.test(n)).sort();
    const entries = await Promise.all(names.map((n) => readJsonFile<QueuedRequest>(join(this.expiredDir, n)).catch(() => undefined)));
    // A broken file here is already out of the queue's way; only whole entries are listed.
    return entries.filter((e): e is QueuedRequest => typeof e === 'object' && e !== null && typeof e.id === 'string' && typeof e.label === 'string');
  }

  /** Files set aside because they could not be read, each with why: kept for the user, never sent. */
  async unreadable(): Promise<UnreadableFile[]> {
    const names = (await readdir(this.unreadableDir)).filter((n) => !n.endsWith(REASON_SUFFIX) && !n.endsWith('.tmp')).sort();
    return Promise.all(names.map(async (file) => ({
      file,
      reason: (await readFile(join(this.unreadableDir, `${file}${REASON_SUFFIX}`), 'utf8').catch(() => 'no reason was recorded')).trim(),
    })));
  }

  /** Moves an unreadable file to `unreadable/` next to a file saying why; says so on the log. */
  private async setAside(dir: string, name: string, reason: string, consequence: string): Promise<UnreadableFile> {
    await writeFileAtomic(join(this.unreadableDir, `${name}${REASON_SUFFIX}`), `${reason}\n`);
    await rename(join(dir, name), join(this.unreadableDir, name)).catch((e: NodeJS.ErrnoException) => {
      // Another process set it aside (or drained it) first.
      if (e.code !== 'ENOENT') throw e;
    });
    this.log(`${join(dir, name)}: ${reason}; set aside in ${this.unreadableDir} (${consequence}). Fix it and move it back, or delete it.`);
    return { file: name, reason };
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
    const setAside: UnreadableFile[] = [];
    try {
      for (const entry of await this.list(setAside)) {
        const path = join(this.queueDir, fileName(entry));
        const read = await this.readAnswer(entry.id);
        const stored = 'value' in read ? read.value : undefined;
        if ('problem' in read && read.problem) setAside.push({ file: `${entry.id}.json`, reason: read.problem });
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
          return { answered, expired, failed, setAside, remaining: (await this.list(setAside)).length, stoppedBecause: result.stop };
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
      return { answered, expired, failed, setAside, remaining: (await this.list(setAside)).length };
    } finally {
      await unlock();
    }
  }

  /** A lock file holding our pid; a lock whose process is gone is taken over. */
  private async lock(): Promise<(() => Promise<void>) | undefined> {
    for (let tries = 0; tries < 2; tries++) {
      try {
        const handle = await open(this.lockPath, 'wx', STATE_FILE_MODE);
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

/**
 * Reads a JSON state file and checks its shape: the value, a problem saying what is wrong, or
 * neither when the file is gone (another process moved it meanwhile).
 */
async function readState(path: string, problemOf: (value: unknown) => string | undefined): Promise<{ value: unknown } | { problem?: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    return { problem: `cannot be read (${(e as Error).message})` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { problem: `not valid JSON (${(e as Error).message}), ${Buffer.byteLength(text)} bytes` };
  }
  const problem = problemOf(value);
  return problem ? { problem } : { value };
}
