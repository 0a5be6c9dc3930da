import { chmodSync, closeSync, fstatSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { LedgerEntry } from '../ledger';
import { ensureStateDirSync, STATE_FILE_MODE } from './stateFiles';

/** One charge: a real cost from usage, or a worst case for a try that may have been billed. */
export type Charge = LedgerEntry;

/** Money held for a try in flight, by any process on the state folder. */
export interface Hold {
  readonly kind: 'hold';
  readonly id: string;
  readonly at: string;
  readonly route: string;
  readonly requestId: string;
  readonly usd: number;
  /** The process that holds it: a hold of a process that has died no longer counts. */
  readonly owner: number;
  /** After this the hold no longer counts, whoever holds it (a process stopped, a reused pid). */
  readonly expiresAt: string;
}

/** A hold given back without a charge (the try was not billed). */
export interface Release {
  readonly kind: 'release';
  readonly hold: string;
  readonly at: string;
}

/** A line of the journal that is not a valid record: reported, and counted by the ledger at its worst case. */
export interface UnreadableLine {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  readonly why: string;
}

/** What one month's file says, kept up to date as lines are appended. */
export interface MonthRecords {
  readonly charges: Charge[];
  /** Holds not yet settled or released, by id. */
  readonly holds: Map<string, Hold>;
  readonly unreadable: UnreadableLine[];
  /** Sum of the charges per UTC day (`2026-11-23`), so a period's spend is not summed per request. */
  readonly spentByDay: Map<string, number>;
  spentUsd: number;
  /** Counts the records taken in, so what is derived from them can tell when it is out of date. */
  version: number;
}

const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isTime = (v: unknown): v is string => typeof v === 'string' && Number.isFinite(Date.parse(v));
const isMoney = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** Why a parsed line is not a valid record, or undefined when it is one. */
function problemOf(record: unknown): string | undefined {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return 'not a JSON object';
  const r = record as Record<string, unknown>;
  const bad = (field: string) => `"${field}" is ${JSON.stringify(r[field]) ?? 'missing'}`;
  if (r.kind === 'release') return !isText(r.hold) ? bad('hold') : !isTime(r.at) ? bad('at') : undefined;
  if (r.kind === 'hold') {
    for (const field of ['id', 'route', 'requestId']) if (!isText(r[field])) return bad(field);
    if (!isTime(r.at)) return bad('at');
    if (!isTime(r.expiresAt)) return bad('expiresAt');
    if (!isMoney(r.usd)) return bad('usd');
    if (!Number.isInteger(r.owner) || (r.owner as number) <= 0) return bad('owner');
    return undefined;
  }
  if (r.kind !== undefined) return bad('kind');
  if (!isTime(r.at)) return bad('at');
  if (typeof r.route !== 'string') return bad('route');
  if (typeof r.requestId !== 'string') return bad('requestId');
  if (!isMoney(r.usd)) return bad('usd');
  if (typeof r.estimated !== 'boolean') return bad('estimated');
  if (r.hold !== undefined && !isText(r.hold)) return bad('hold');
  return undefined;
}

/**
 * Charges and holds as an append-only file per month (JSON Lines), shared by every process that
 * uses the state folder: VS Code windows and CLI runs. Holds are appended under the ledger's lock,
 * and each reader reads only the bytes added since its last read, so a decision costs one `stat`
 * when nothing changed. Every line is validated; one that is not a valid record is kept in
 * `unreadable` (never silently dropped, never read as zero or negative).
 */
export class ChargeJournal {
  private monthKey = '';
  private file = '';
  /** The month's file, kept open for reading and appending: a decision costs one `stat`, a record one write. */
  private fd: number | undefined;
  private fdInode = 0;
  private readBytes = 0;
  private partial = '';
  private lines = 0;
  private records: MonthRecords = ChargeJournal.empty();
  /** True until the current synchronous run of code ends: what was read in it is still current. */
  private readThisTurn = false;

  constructor(private readonly dir: string) {
    ensureStateDirSync(dir);
  }

  private static empty(): MonthRecords {
    return { charges: [], holds: new Map(), unreadable: [], spentByDay: new Map(), spentUsd: 0, version: 0 };
  }

  /**
   * Everything a month's file (`2026-11`) holds, including what other processes appended. Read
   * once per synchronous run of code (the several figures one decision needs share one `stat`);
   * `fresh` reads again, as a decision under the ledger's lock must.
   */
  month(monthKey: string, fresh = false): MonthRecords {
    if (monthKey !== this.monthKey) {
      this.close();
      this.monthKey = monthKey;
      this.file = join(this.dir, `charges-${monthKey}.jsonl`);
      this.restart();
      // A journal written before files were the user's only is narrowed when first read.
      try {
        chmodSync(this.file, STATE_FILE_MODE);
      } catch {
        // not written yet: the first append creates it with the mode
      }
      fresh = true;
    }
    if (fresh || !this.readThisTurn) {
      this.catchUp();
      this.readThisTurn = true;
      queueMicrotask(() => {
        this.readThisTurn = false;
      });
    }
    return this.records;
  }

  /** Appends one record as one write to a file opened for appending, so lines of processes never interleave. */
  append(monthKey: string, record: Charge | Hold | Release): void {
    // Read once this turn is enough: a line another process appends meanwhile is read after ours.
    this.month(monthKey);
    // After a torn last line (a writer killed mid-line), start on a fresh line so this record is
    // not lost with it; the torn line then reads as unreadable, and is counted as such.
    const text = `${this.partial ? '\n' : ''}${JSON.stringify(record)}\n`;
    writeSync(this.open(), text);
    this.catchUp({ record, bytes: Buffer.byteLength(text) });
  }

  /** Closes the open file (the journal reopens it when next used). */
  close(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    this.fd = undefined;
  }

  private restart(): void {
    this.readBytes = 0;
    this.partial = '';
    this.lines = 0;
    this.records = ChargeJournal.empty();
  }

  private open(): number {
    if (this.fd === undefined) {
      this.fd = openSync(this.file, 'a+', STATE_FILE_MODE);
      this.fdInode = fstatSync(this.fd).ino;
    }
    return this.fd;
  }

  /**
   * Reads the bytes appended since the last read. After this process's own append, when the file
   * grew by exactly that line, the record is taken as written instead of read back.
   */
  private catchUp(own?: { record: Charge | Hold | Release; bytes: number }): void {
    let stat: { size: number; ino: number };
    try {
      stat = statSync(this.file);
    } catch {
      return;
    }
    if (this.fd !== undefined && stat.ino !== this.fdInode) {
      // The file was replaced (deleted by hand, restored from a backup): read the new one from its start.
      this.close();
      this.restart();
    }
    if (stat.size <= this.readBytes) return;
    if (own && stat.size === this.readBytes + own.bytes && this.fd !== undefined) {
      this.readBytes = stat.size;
      if (this.partial) {
        // The torn line before ours is complete now (our record starts on a line of its own).
        this.take(this.partial);
        this.partial = '';
      }
      this.lines++;
      this.takeRecord(own.record);
      return;
    }
    const fd = this.open();
    const buffer = Buffer.alloc(stat.size - this.readBytes);
    const read = readSync(fd, buffer, 0, buffer.length, this.readBytes);
    this.readBytes += read;
    const lines = (this.partial + buffer.toString('utf8', 0, read)).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.take(line);
  }

  private take(line: string): void {
    this.lines++;
    if (!line.trim()) return;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      this.records.unreadable.push({ file: this.file, line: this.lines, why: 'not valid JSON (a torn or edited line)' });
      return;
    }
    const problem = problemOf(record);
    if (problem) {
      this.records.unreadable.push({ file: this.file, line: this.lines, why: problem });
      return;
    }
    this.takeRecord(record as Charge | Hold | Release);
  }

  private takeRecord(r: Charge | Hold | Release): void {
    this.records.version++;
    if ('kind' in r && r.kind === 'hold') {
      this.records.holds.set(r.id, r);
    } else if ('kind' in r && r.kind === 'release') {
      this.records.holds.delete(r.hold);
    } else {
      const charge = r as Charge;
      if (charge.hold) this.records.holds.delete(charge.hold);
      this.records.charges.push(charge);
      const day = new Date(Date.parse(charge.at)).toISOString().slice(0, 10);
      this.records.spentByDay.set(day, (this.records.spentByDay.get(day) ?? 0) + charge.usd);
      this.records.spentUsd += charge.usd;
    }
  }
}
