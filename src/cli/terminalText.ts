// Text from a model, a provider or a file can hold terminal control sequences: printed as they
// are, they can clear the screen, retitle the window, plant a hyperlink or overwrite a line with
// `\r`. Text output goes through here; JSON output stays exact (its reader decides).
import { Writable } from 'node:stream';

/** A whole escape sequence: CSI, OSC/DCS/SOS/PM/APC strings up to their terminator, or a short ESC sequence. */
const SEQUENCE = /(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[\s\S]*?(?:\x07|\x1b\\|\x9c)|\x1b[ -/]*[0-~]/g;
/** The start of a sequence cut off by the end of a chunk: held back until the next chunk completes it. */
const UNFINISHED = /(?:(?:\x1b\[|\x9b)[0-?]*[ -/]*|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])(?:[^\x07\x9c\x1b]|\x1b(?!\\))*|\x1b[ -/]*)$/;
/** C0 and C1 controls other than line feed and tab (a lone ESC, BEL, backspace, carriage return...). */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
/** An unfinished sequence longer than this is not waited for: it is printed stripped. */
const MAX_HELD = 4_096;

function strip(text: string): string {
  return text.replace(SEQUENCE, '').replace(CONTROL, '');
}

/** A text without terminal control sequences or control characters, `\n` and `\t` kept. */
export function plainText(text: string): string {
  return strip(text);
}

/** Characters JSON.stringify leaves raw that a terminal may act on: DEL and the C1 controls (CSI, OSC, NEL...). */
const RAW_IN_JSON = /[\x7f-\x9f]/g;

/**
 * A value as JSON for the terminal: exact JSON (it parses to the same value), with every control
 * character escaped. JSON.stringify escapes C0 controls but leaves DEL and C1 as they are, and a
 * terminal reading UTF-8 may take U+009B for a CSI; these can only occur inside strings, where
 * `\u009b` means the same.
 */
export function terminalJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(RAW_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A stream that writes to `target` with control sequences taken out, for stderr, which carries
 * text only: every line there (errors, warnings, notices) may quote a file, a provider or a model.
 * Each write is stripped on its own: the CLI writes whole lines.
 */
export function plainTextWriter(target: NodeJS.WritableStream): NodeJS.WritableStream {
  return new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, done) {
      // Done at once, not when the target drains: a line written now is on the target now, in order.
      target.write(plainText(typeof chunk === 'string' ? chunk : chunk.toString('utf8')));
      done();
    },
  });
}

/** The same for a stream of chunks, where one sequence may be split across two chunks. */
export class PlainTextStream {
  private held = '';

  push(chunk: string): string {
    const text = this.held + chunk;
    const cut = UNFINISHED.exec(text);
    if (cut && text.length - cut.index <= MAX_HELD) {
      this.held = text.slice(cut.index);
      return strip(text.slice(0, cut.index));
    }
    this.held = '';
    return strip(text);
  }

  /** What was held back, stripped: the stream ended inside a sequence. */
  end(): string {
    const rest = this.held;
    this.held = '';
    return strip(rest);
  }
}
