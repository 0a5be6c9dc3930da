import { appendFileSync, closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** One charge: a real cost from usage, or a worst case for a try that may have been billed. */
export interface Charge {
  readonly at: string;
  readonly route: string;
  readonly requestId: string;
  readonly usd: number;
  /** True when the provider gave no usage and the worst case was charged instead. */
  readonly estimated: boolean;
}

/**
 * Charges as an append-only file per month (JSON Lines), shared by every process that uses the
 * state folder: VS Code windows and CLI runs. Each appends its own lines (small appends to one
 * file do not interleave) and reads what the others appended before it decides, so two windows
 * under one limit see each other's spend. A torn last line (a kill mid-write) is skipped.
 */
export class ChargeJournal {
  private file = '';
  private readBytes = 0;
  private partial = '';
  private charges: Charge[] = [];
  /** The sum of `charges`, kept as they are read: the budget asks for it several times a request. */
  private usd = 0;

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** Every charge of a month (`2026-11`), including those other processes appended. */
  month(monthKey: string): readonly Charge[] {
    const file = join(this.dir, `charges-${monthKey}.jsonl`);
    if (file !== this.file) {
      this.file = file;
      this.readBytes = 0;
      this.partial = '';
      this.charges = [];
      this.usd = 0;
    }
    this.catchUp();
    return this.charges;
  }

  /** USD of every charge of a month, including those other processes appended. */
  monthUsd(monthKey: string): number {
    this.month(monthKey);
    return this.usd;
  }

  append(monthKey: string, charge: Charge): void {
    this.month(monthKey);
    // After a torn last line, start on a fresh line so this charge is not lost with it.
    appendFileSync(this.file, `${this.partial ? '\n' : ''}${JSON.stringify(charge)}\n`);
    this.catchUp();
  }

  /** Reads the bytes appended since the last read. */
  private catchUp(): void {
    let size: number;
    try {
      size = statSync(this.file).size;
    } catch {
      return;
    }
    if (size <= this.readBytes) return;
    const buffer = Buffer.alloc(size - this.readBytes);
    const fd = openSync(this.file, 'r');
    try {
      readSync(fd, buffer, 0, buffer.length, this.readBytes);
    } finally {
      closeSync(fd);
    }
    this.readBytes = size;
    const lines = (this.partial + buffer.toString('utf8')).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        const charge = JSON.parse(line) as Charge;
        this.charges.push(charge);
        this.usd += charge.usd;
      } catch {
        // A line another process was killed in the middle of writing.
      }
    }
  }
}
