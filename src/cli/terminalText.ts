// Text from a model, a provider or a file can hold terminal control sequences: printed as they
// are, they can clear the screen, retitle the window, plant a hyperlink or overwrite a line with
// `\r`. Text output goes through here; JSON output stays exact (its reader decides).

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
