import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BreakerStore } from '../breakerStore';
import { isBreakerState } from './stateShapes';
import { ensureStateDir, writeFileAtomic } from './stateFiles';

const FILE = 'breakers.json';

/** Breaker states in the state folder, so an open breaker stays open across a reload or a CLI run. */
export class LocalBreakerStore implements BreakerStore {
  private readonly path: string;
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly stateDir: string, private readonly now: () => number = Date.now) {
    this.path = join(stateDir, FILE);
  }

  /**
   * The saved states by route id. What cannot be restored is left out with one warning line: a
   * breaker that starts closed costs at most a few failing calls, a wrong state would stop
   * every request.
   */
  async load(warn: (line: string) => void = () => {}): Promise<Record<string, unknown>> {
    await ensureStateDir(this.stateDir);
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
      warn(`${this.path}: cannot be read (${(e as Error).message}); every breaker starts closed.`);
      return {};
    }
    let saved: unknown;
    try {
      saved = JSON.parse(text);
    } catch (e) {
      warn(`${this.path}: not valid JSON (${(e as Error).message}); every breaker starts closed, and the file is rewritten at the next change.`);
      return {};
    }
    if (typeof saved !== 'object' || saved === null || Array.isArray(saved)) {
      warn(`${this.path}: not an object of breaker states by route id; every breaker starts closed, and the file is rewritten at the next change.`);
      return {};
    }
    const states: Record<string, unknown> = {};
    for (const [route, state] of Object.entries(saved)) {
      if (isBreakerState(state, this.now())) states[route] = state;
      else warn(`${this.path}: entry ${JSON.stringify(route)} is not a breaker state; ignored, the breaker starts closed.`);
    }
    return states;
  }

  /** Saves in order: a later save never lands before an earlier one. */
  save(states: Record<string, unknown>): Promise<void> {
    const content = `${JSON.stringify(states, null, 2)}\n`;
    this.saving = this.saving.catch(() => undefined).then(() => writeFileAtomic(this.path, content));
    return this.saving;
  }
}
