import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChatResponse } from '../../ir';
import { ensureStateDir, StateFileWriter } from './stateFiles';
import { isCacheEntry } from './stateShapes';

/** What the cache keeps of an answer: enough to answer again without a call. */
export interface CachedAnswer {
  readonly routeId: string;
  readonly provider: string;
  readonly model: string;
  readonly response: ChatResponse;
  readonly costUsd?: number;
}

interface Entry {
  readonly key: string;
  readonly storedAt: number;
  readonly answer: CachedAnswer;
}

const FILE = 'answers-cache.json';

/**
 * Answers by request key for a while (the TTL), in the state folder, so asking the same thing
 * again costs nothing. Bounded: the oldest entries go first.
 */
export class AnswerCache {
  private readonly entries = new Map<string, Entry>();
  private readonly writer: StateFileWriter;

  private constructor(path: string, private readonly ttlMs: number, private readonly maxEntries: number, private readonly now: () => number, warn: (line: string) => void) {
    this.writer = new StateFileWriter(path, (e) => warn(`${path}: not saved (${e instanceof Error ? e.message : String(e)}); answers are still cached in memory.`));
  }

  /**
   * Opens the cache over the state folder. A saved file that cannot be read only costs the answers
   * in it (the cache starts empty or without the bad entries), with one warning line.
   */
  static async open(stateDir: string, options: { ttlMs: number; maxEntries?: number; now?: () => number; log?: (line: string) => void }): Promise<AnswerCache> {
    const path = join(stateDir, FILE);
    const warn = options.log ?? (() => {});
    await ensureStateDir(stateDir);
    const cache = new AnswerCache(path, options.ttlMs, options.maxEntries ?? 200, options.now ?? Date.now, warn);
    for (const entry of await readSaved(path, warn)) if (cache.fresh(entry)) cache.entries.set(entry.key, entry);
    return cache;
  }

  private fresh(entry: Entry): boolean {
    return this.now() - entry.storedAt < this.ttlMs;
  }

  get(key: string): (CachedAnswer & { ageMs: number }) | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (!this.fresh(entry)) {
      this.entries.delete(key);
      return undefined;
    }
    return { ...entry.answer, ageMs: this.now() - entry.storedAt };
  }

  put(key: string, answer: CachedAnswer): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { key, storedAt: this.now(), answer });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    void this.writer.save(JSON.stringify([...this.entries.values()]));
  }

  flushed(): Promise<void> {
    return this.writer.flushed();
  }
}

/** The saved entries that have the cache's shape; the rest are reported in one line and dropped. */
async function readSaved(path: string, warn: (line: string) => void): Promise<Entry[]> {
  let saved: unknown;
  try {
    saved = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    warn(`${path}: cannot be read (${(e as Error).message}); the answer cache starts empty and the file is rewritten at the next answer.`);
    return [];
  }
  if (!Array.isArray(saved)) {
    warn(`${path}: not a list of cached answers; the answer cache starts empty and the file is rewritten at the next answer.`);
    return [];
  }
  const good = saved.filter(isCacheEntry) as Entry[];
  if (good.length < saved.length) {
    warn(`${path}: ${saved.length - good.length} entries are not cached answers; ignored (they are asked again when needed), and the file is rewritten at the next answer.`);
  }
  return good;
}
