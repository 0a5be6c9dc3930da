import { join } from 'node:path';
import { readJsonFile, writeFileAtomic } from './stateFiles';

const FILE = 'breakers.json';

/** Breaker states in the state folder, so an open breaker stays open across a reload or a CLI run. */
export class BreakerStore {
  private readonly path: string;
  private saving: Promise<void> = Promise.resolve();

  constructor(stateDir: string) {
    this.path = join(stateDir, FILE);
  }

  async load(): Promise<Record<string, unknown>> {
    return (await readJsonFile<Record<string, unknown>>(this.path)) ?? {};
  }

  /** Saves in order: a later save never lands before an earlier one. */
  save(states: Record<string, unknown>): Promise<void> {
    const content = `${JSON.stringify(states, null, 2)}\n`;
    this.saving = this.saving.catch(() => undefined).then(() => writeFileAtomic(this.path, content));
    return this.saving;
  }
}
