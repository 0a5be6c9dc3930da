import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes a file so that a crash or kill at any moment leaves either the old content or the new,
 * never half of it: write a temporary sibling, flush it, then rename over the target.
 */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, content, { flush: true });
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
