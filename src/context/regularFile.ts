import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * Reads a file only if it is a regular file. Opened without blocking and checked on the open
 * handle (not by a `stat` before opening, which a swap could beat): a FIFO named `x.ts` would
 * otherwise hang the read forever, and a device would stream without end.
 */
export async function readRegularFile(path: string, onStat?: (stamp: string) => string | undefined): Promise<string> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const s = await handle.stat();
    if (!s.isFile()) {
      throw Object.assign(new Error(`${path} is not a regular file (a FIFO, socket or device); only source files are read`), { code: 'ENOTREG' });
    }
    const cached = onStat?.(`${s.size}:${s.mtimeMs}:${s.ctimeMs}:${s.ino}`);
    return cached ?? (await handle.readFile('utf8'));
  } finally {
    await handle.close();
  }
}
