import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A throwaway workspace on disk with the given files; `remove()` deletes it. */
export interface Workspace {
  readonly root: string;
  path(relative: string): string;
  write(relative: string, text: string): Promise<void>;
  remove(): Promise<void>;
}

export async function workspace(files: Record<string, string>): Promise<Workspace> {
  const root = await mkdtemp(join(tmpdir(), 'cg-ws-'));
  const ws: Workspace = {
    root,
    path: (relative) => join(root, relative),
    write: async (relative, text) => {
      await mkdir(dirname(join(root, relative)), { recursive: true });
      await writeFile(join(root, relative), text);
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
  for (const [relative, text] of Object.entries(files)) await ws.write(relative, text);
  return ws;
}
