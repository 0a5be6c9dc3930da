import { BpeRanks } from './bpeRanks';
import { TokenCounter } from './tokenCounter';
import { loadRankTable, type EncodingName } from './tokens';

// One counter per encoding and assets folder for the whole process: building one takes a few
// hundred milliseconds, and its word cache is worth sharing between engines.
const counters = new Map<string, Promise<TokenCounter>>();

/** The process's counter for an encoding, built on first use without blocking the event loop. */
export function loadTokenCounter(assetsDir: string, encoding: EncodingName): Promise<TokenCounter> {
  const key = `${assetsDir}\0${encoding}`;
  let counter = counters.get(key);
  if (!counter) {
    counter = (async () => {
      const table = loadRankTable(assetsDir, encoding);
      return new TokenCounter(encoding, await BpeRanks.build(table), table.pat_str);
    })().catch((e: NodeJS.ErrnoException) => {
      counters.delete(key); // a later call may succeed once the file is back
      const why = e.code === 'MODULE_NOT_FOUND' ? `${encoding}.js is missing` : String(e.message ?? e).split('\n')[0];
      throw new Error(`The ${encoding} token ranks could not be loaded from ${assetsDir}/ranks: ${why}. Rebuild (npm run build) or reinstall the extension.`);
    });
    counters.set(key, counter);
  }
  return counter;
}
