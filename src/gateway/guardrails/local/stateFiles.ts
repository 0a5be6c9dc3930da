import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * State files hold payloads (the user's code), answers and spend: readable by the user only.
 * Folders likewise, so a file written by code that forgets its own mode is still not readable.
 */
export const STATE_FILE_MODE = 0o600;
export const STATE_DIR_MODE = 0o700;

/**
 * How long a read of a state file shared with other processes (the spend journal, the budget
 * state) stays current: a burst's decisions and a run of quick requests share one `stat`. Another
 * process's change is seen this much later at most, as this process's charges reach the journal
 * within a few milliseconds too; decisions that must be exact read again under the ledger's lock,
 * and a change made in this process is seen at once.
 */
export const READ_FRESH_MS = 5;

/** Creates a state folder (and its parents) for the user only; one made earlier with a wider mode is narrowed. */
export async function ensureStateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: STATE_DIR_MODE });
  await chmod(dir, STATE_DIR_MODE);
}

/** The same, for code that works synchronously (the spend ledger). */
export function ensureStateDirSync(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: STATE_DIR_MODE });
  chmodSync(dir, STATE_DIR_MODE);
}

/**
 * Writes a file so that a crash or kill at any moment leaves either the old content or the new,
 * never half of it: write a temporary sibling, flush it, then rename over the target. The file is
 * the user's only (0600), in a folder that is the user's only (0700).
 */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  await ensureStateDir(dirname(path));
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    // The mode applies at creation only (and under the umask): set it again to be sure.
    await writeFile(temporary, content, { flush: true, mode: STATE_FILE_MODE });
    await chmod(temporary, STATE_FILE_MODE);
    await rename(temporary, path);
  } catch (e) {
    await rm(temporary, { force: true });
    throw e;
  }
}

/** Reads a JSON file; undefined when it does not exist. A corrupt file is an error naming it. */
export async function readJsonFile<T>(path: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`${path} is not valid JSON (${(e as Error).message}); move it aside to start fresh.`);
  }
}

/**
 * Saves a state file after each change without piling up writes: while one write is under way,
 * later changes collapse into one more write of the newest content.
 */
export class StateFileWriter {
  private writing: Promise<void> | undefined;
  private next: string | undefined;

  constructor(private readonly path: string, private readonly onError: (e: unknown) => void = () => {}) {}

  save(content: string): Promise<void> {
    this.next = content;
    this.writing ??= this.drain();
    return this.writing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.next !== undefined) {
        const content = this.next;
        this.next = undefined;
        await writeFileAtomic(this.path, content).catch(this.onError);
      }
    } finally {
      this.writing = undefined;
    }
  }

  /** Resolves once everything saved so far is on disk. */
  flushed(): Promise<void> {
    return this.writing ?? Promise.resolve();
  }
}
