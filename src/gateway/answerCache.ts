import { join } from 'node:path';
import type { ChatResponse } from './ir';
import { readJsonFile, StateFileWriter } from './stateFiles';

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

  private constructor(path: string, private readonly ttlMs: number, private readonly maxEntries: number, private readonly now: () => number) {
    this.writer = new StateFileWriter(path);
  }

  static async open(stateDir: string, options: { ttlMs: number; maxEntries?: number; now?: () => number }): Promise<AnswerCache> {
    const path = join(stateDir, FILE);
    const cache = new AnswerCache(path, options.ttlMs, options.maxEntries ?? 200, options.now ?? Date.now);
    const saved = await readJsonFile<Entry[]>(path).catch(() => undefined);
    for (const entry of saved ?? []) if (cache.fresh(entry)) cache.entries.set(entry.key, entry);
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
