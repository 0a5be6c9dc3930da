import { isGrammarLoadError, type Grammars } from './grammars';
import { LANGUAGES, type LanguageId } from './languages';
import { withTree } from './parser';

/** Whether a language can be parsed right now, and why not when it cannot. */
export interface LanguageState {
  readonly id: LanguageId;
  readonly label: string;
  readonly ready: boolean;
  /** The error that disabled the language, when it is not ready. */
  readonly detail?: string;
  /** The definition found in the sample, proving the grammar parses real code. */
  readonly sampleSymbol?: string;
}

const SAMPLES: Record<LanguageId, string> = {
  typescript: 'export function ping(a: number): number { return a; }',
  tsx: 'export function Ping(): JSX.Element { return <b>ping</b>; }',
  javascript: 'export function ping(a) { return a; }',
  python: 'def ping(a):\n    return a\n',
};

/** Loads every grammar and parses a one-line sample with it; one failure does not hide the others. */
export async function checkLanguages(grammars: Grammars): Promise<LanguageState[]> {
  const ids = Object.keys(LANGUAGES) as LanguageId[];
  return Promise.all(ids.map(async (id): Promise<LanguageState> => {
    const { label } = LANGUAGES[id];
    try {
      const sampleSymbol = await withTree(grammars, id, SAMPLES[id], { file: `<${id} sample>` }, (tree) => {
        if (tree.rootNode.hasError) throw new Error('the sample did not parse cleanly');
        const name = tree.rootNode.descendantsOfType(['function_declaration', 'function_definition'])[0]?.childForFieldName('name')?.text;
        if (name?.toLowerCase() !== 'ping') throw new Error('the sample parsed, but its function was not found');
        return name;
      });
      return { id, label, ready: true, sampleSymbol };
    } catch (e) {
      return { id, label, ready: false, detail: isGrammarLoadError(e) ? e.message : `${label}: ${String(e)}` };
    }
  }));
}
