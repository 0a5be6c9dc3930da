import { plainText, terminalJson } from './terminalText';

/**
 * What a command prints on stdout: a value for `--json`, or text for a person. Commands give one
 * back instead of a string, so no output of theirs reaches the terminal unfiltered.
 */
export type CommandOutput = { readonly json: unknown } | { readonly text: string };

/** The output as printed: exact JSON with every control character escaped, or text without control sequences. */
export function printedOutput(output: CommandOutput): string {
  return 'json' in output ? terminalJson(output.json) : plainText(output.text);
}
