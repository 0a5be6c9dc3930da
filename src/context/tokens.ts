import { join } from 'node:path';
import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';

/** The BPE encodings the budget can count with. */
export type EncodingName = 'o200k_base' | 'cl100k_base';

export const ENCODINGS: readonly EncodingName[] = ['o200k_base', 'cl100k_base'];

export function isEncodingName(name: string): name is EncodingName {
  return (ENCODINGS as readonly string[]).includes(name);
}

/**
 * Builds encoders on first use from rank tables shipped in the assets folder. An encoder takes
 * about a second to build, so each is built once per process and kept.
 */
export class Encoders {
  private readonly built = new Map<EncodingName, Tiktoken>();

  constructor(readonly assetsDir: string) {}

  get(name: EncodingName): Tiktoken {
    let encoder = this.built.get(name);
    if (!encoder) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a runtime path, not a bundled module
      const ranks = require(join(this.assetsDir, 'ranks', `${name}.js`)) as TiktokenBPE;
      encoder = new Tiktoken(ranks);
      this.built.set(name, encoder);
    }
    return encoder;
  }

  /** Exact token count of a text with one encoding. */
  count(text: string, name: EncodingName): number {
    return this.get(name).encode(text).length;
  }
}
