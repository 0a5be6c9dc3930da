import { join } from 'node:path';
import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';

/** The BPE encodings the budget can count with. */
export type EncodingName = 'o200k_base' | 'cl100k_base';

export const ENCODINGS: readonly EncodingName[] = ['o200k_base', 'cl100k_base'];

export function isEncodingName(name: string): name is EncodingName {
  return (ENCODINGS as readonly string[]).includes(name);
}

/** The rank table of an encoding, from the assets folder (a CommonJS module of a few MB). */
export function loadRankTable(assetsDir: string, name: EncodingName): TiktokenBPE {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a runtime path, not a bundled module
  return require(join(assetsDir, 'ranks', `${name}.js`)) as TiktokenBPE;
}

/**
 * js-tiktoken's own encoder, the reference the fast counter (tokenCounter.ts) is checked
 * against. Builds encoders on first use from rank tables shipped in the assets folder. An encoder takes
 * about a second to build, so each is built once per process and kept.
 */
export class Encoders {
  private readonly built = new Map<EncodingName, Tiktoken>();

  constructor(readonly assetsDir: string) {}

  get(name: EncodingName): Tiktoken {
    let encoder = this.built.get(name);
    if (!encoder) {
      encoder = new Tiktoken(loadRankTable(this.assetsDir, name));
      this.built.set(name, encoder);
    }
    return encoder;
  }

  /** Exact token count of a text with one encoding. */
  count(text: string, name: EncodingName): number {
    return this.get(name).encode(text).length;
  }
}
