import { readRegularFile } from './regularFile';

const MAX_FILES = 16;

/**
 * Reads source files, reusing the text last read from a file whose size, times and inode are
 * unchanged: reading and decoding a 9 MB file takes tens of milliseconds, a stat a fraction of
 * one. Reusing the same string also lets the parse cache see "unchanged" by identity instead
 * of comparing megabytes.
 */
export class DiskTexts {
  private readonly texts = new Map<string, { readonly stamp: string; readonly text: string }>();

  async read(path: string): Promise<string> {
    let stamp = '';
    const cached = this.texts.get(path);
    this.texts.delete(path);
    const text = await readRegularFile(path, (s) => {
      stamp = s;
      return cached?.stamp === s ? cached.text : undefined;
    });
    this.texts.set(path, { stamp, text });
    if (this.texts.size > MAX_FILES) this.texts.delete(this.texts.keys().next().value!);
    return text;
  }

  clear(): void {
    this.texts.clear();
  }
}
