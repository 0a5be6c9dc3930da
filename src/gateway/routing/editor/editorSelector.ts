import type { EditorModelSelector } from '../routes';

/** A selector as the user wrote it, for messages: `vendor "copilot", family "gpt-4o"`. */
export function describeSelector(selector: EditorModelSelector): string {
  const fields = (['vendor', 'family', 'id', 'version'] as const)
    .filter((k) => selector[k] !== undefined)
    .map((k) => `${k === 'id' ? 'model' : k} "${selector[k]}"`);
  return fields.length ? fields.join(', ') : 'any model';
}
