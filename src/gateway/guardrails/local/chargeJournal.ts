import { chmodSync, closeSync, fstatSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { LedgerEntry } from '../ledger';
import { ensureStateDirSync, READ_FRESH_MS, STATE_FILE_MODE } from './stateFiles';

/**
 * How long a charge may wait to be written with others: a burst's answers arrive over a few
 * milliseconds, and one write for all of them costs what one costs for each.
 */
const WRITE_AFTER_MS = 5;
/** Records waiting to be written at most: past this they are written at once. */
const MAX_UNWRITTEN = 512;

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
  /**
   * A lease: money one ledger holds for many of its tries at once, so that a try costs no file
   * operation. Its charges name it (`lease`), and what they drew no longer counts as held.
   */
  readonly lease?: true;
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
  /** What the charges naming a lease have drawn from it, by lease id. */
  readonly drawn: Map<string, number>;
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
    if (r.lease !== undefined && r.lease !== true) return bad('lease');
    return undefined;
  }
  if (r.kind !== undefined) return bad('kind');
  if (!isTime(r.at)) return bad('at');
  if (typeof r.route !== 'string') return bad('route');
  if (typeof r.requestId !== 'string') return bad('requestId');
  if (!isMoney(r.usd)) return bad('usd');
  if (typeof r.estimated !== 'boolean') return bad('estimated');
  if (r.hold !== undefined && !isText(r.hold)) return bad('hold');
  if (r.lease !== undefined && !isText(r.lease)) return bad('lease');
  return undefined;
}

/**
 * Charges and holds as an append-only file per month (JSON Lines), shared by every process that
 * uses the state folder: VS Code windows and CLI runs. Holds are appended under the ledger's lock,
 * and each reader reads only the bytes added since its last read, so a decision costs one `stat`
 * when nothing changed. Every line is validated; one that is not a valid record is kept in
 * `unreadable` (never silently dropped, never read as zero or negative).
 *
 * A record this process appends counts in its own figures at once. Charges and releases may be
 * written a few milliseconds later (`appendSoon`), all of those milliseconds' in one write, so
 * that settling a burst of answers costs one write rather than one per answer; anything still
 * unwritten is written when the journal closes or the process exits. Meanwhile other processes
 * still count the hold the charge replaces, which is never less than it (a charge above its hold
 * means the provider counted more than the margin).
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
  /** When the file was last read (performance.now), and the writes of this process's journals then. */
  private readAt = Number.NEGATIVE_INFINITY;
  private writesAtRead = -1;
  /** Lines taken into `records` but not written yet, in order. */
  private unwritten: string[] = [];
  /**
   * What this journal wrote and took but has not read past yet, one text per write (a write to a
   * file opened for appending lands whole): met while reading (another process appended between
   * our read and our write), it is skipped, its lines still counted.
   */
  private ownWrites: Array<{ readonly text: string; readonly lines: number }> = [];
  /** Why the last write failed, until one succeeds. */
  writeProblem: string | undefined;
  private flushScheduled = false;

  constructor(private readonly dir: string) {
    ensureStateDirSync(dir);
  }

  private static empty(): MonthRecords {
    return { charges: [], holds: new Map(), drawn: new Map(), unreadable: [], spentByDay: new Map(), spentUsd: 0, version: 0 };
  }

  /**
   * Everything a month's file (`2026-11`) holds, including what other processes appended. Read
   * again when READ_FRESH_MS have passed or another journal of this process wrote (the decisions
   * of a burst share one `stat`); `fresh` reads again, as a decision under the ledger's lock must.
   */
  month(monthKey: string, fresh = false): MonthRecords {
    if (monthKey !== this.monthKey) {
      this.close(); // writes what the old month's file still owes
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
    if (fresh || this.writesAtRead !== journalWrites || performance.now() - this.readAt >= READ_FRESH_MS) this.catchUp();
    return this.records;
  }

  /** The month's records as last read and appended to here, without reading the file again. */
  monthAsRead(monthKey: string): MonthRecords {
    return monthKey === this.monthKey ? this.records : this.month(monthKey);
  }

  /**
   * Appends a hold now, with any record written soon before it, as one write to a file opened for
   * appending, so lines of processes never interleave. Under the ledger's lock. A hold that could
   * not be written is taken back: it is neither counted nor written later (the try is refused).
   */
  append(monthKey: string, record: Hold): void {
    this.appendSoon(monthKey, record);
    try {
      this.flush();
    } catch (e) {
      const at = this.unwritten.lastIndexOf(JSON.stringify(record));
      if (at >= 0) this.unwritten.splice(at, 1);
      // Undoes takeRecord for a hold exactly: the charges and releases before it stay counted.
      this.records.holds.delete(record.id);
      this.records.version++;
      throw e;
    }
  }

  /**
   * Takes a record into the figures now and writes it within WRITE_AFTER_MS, with the others of
   * that time. For charges and releases, which check nothing and need no lock.
   */
  appendSoon(monthKey: string, record: Charge | Hold | Release): void {
    // Nothing needs reading first: a line another process appended is read when the file is next
    // read, ours among them skipped as taken.
    this.monthAsRead(monthKey);
    const line = JSON.stringify(record);
    this.takeRecord(record);
    unflushed.add(this);
    // A loop that never yields to timers (or a very large burst) still writes in bounded batches.
    if (this.unwritten.push(line) >= MAX_UNWRITTEN) {
      this.flushSoon();
      return;
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      const timer = setTimeout(() => {
        this.flushScheduled = false;
        this.flushSoon();
      }, WRITE_AFTER_MS);
      timer.unref?.();
    }
  }

  /**
   * Writes what was taken and not written yet (soon after, on close, on exit). When
   * the write fails the records stay taken (spend is never under-counted) and are tried again at
   * the next write; the error is thrown, and kept in `writeProblem` until a write succeeds.
   */
  flush(): void {
    if (this.unwritten.length === 0) return;
    const lines = this.unwritten;
    // After a torn last line (a writer killed mid-line), start on a fresh line so these records
    // are not lost with it; the torn line then reads as unreadable, and is counted as such.
    const text = `${this.partial ? '\n' : ''}${lines.join('\n')}\n`;
    try {
      writeSync(this.open(), text);
    } catch (e) {
      this.writeProblem = `${this.file} cannot be written (${(e as Error).message}); ${lines.length} record(s) are counted but not saved yet`;
      throw e;
    }
    journalWrites++;
    this.writeProblem = undefined;
    this.unwritten = [];
    unflushed.delete(this);
    this.ownWrites.push({ text: text.slice(this.partial ? 1 : 0), lines: lines.length });
    // When the file grew by exactly our bytes, nobody else wrote since our last read; else what
    // others wrote and ours are read back, ours skipped as taken.
    this.catchUp(Buffer.byteLength(text));
  }

  /** The timed write: a failure is kept for the ledger to report, not thrown into the event loop. */
  private flushSoon(): void {
    try {
      this.flush();
    } catch {
      // Kept in writeProblem; the records are written with the next append, on close or on exit.
    }
  }

  /** Writes what is owed and closes the open file (the journal reopens it when next used). */
  close(): void {
    try {
      this.flush();
    } catch {
      // Reported by the write that failed; closing goes on.
    }
    this.closeFile();
  }

  private closeFile(): void {
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
    // Read from the start again: every line, ours included, is taken as it is read.
    this.ownWrites = [];
    for (const line of this.unwritten) this.takeRecord(JSON.parse(line) as Charge | Hold | Release);
  }

  private open(): number {
    if (this.fd === undefined) {
      this.fd = openSync(this.file, 'a+', STATE_FILE_MODE);
      this.fdInode = fstatSync(this.fd).ino;
    }
    return this.fd;
  }

  /**
   * Reads the bytes appended since the last read. After this journal's own write of `ownBytes`,
   * when the file grew by exactly that, its records (taken already) are not read back.
   */
  private catchUp(ownBytes?: number): void {
    this.readAt = performance.now();
    this.writesAtRead = journalWrites;
    let stat: { size: number; ino: number } | undefined;
    try {
      stat = statSync(this.file, { throwIfNoEntry: false });
    } catch {
      return;
    }
    if (!stat) return;
    if (this.fd !== undefined && stat.ino !== this.fdInode) {
      // The file was replaced (deleted by hand, restored from a backup): read the new one from its start.
      this.closeFile();
      this.restart();
    }
    if (stat.size <= this.readBytes) return;
    if (ownBytes !== undefined && stat.size === this.readBytes + ownBytes && this.fd !== undefined) {
      this.readBytes = stat.size;
      if (this.partial) {
        // The torn line before ours is complete now (our records start on a line of their own).
        this.take(this.partial);
        this.partial = '';
      }
      for (const own of this.ownWrites) this.lines += own.lines;
      this.ownWrites = [];
      return;
    }
    const fd = this.open();
    const buffer = Buffer.alloc(stat.size - this.readBytes);
    const read = readSync(fd, buffer, 0, buffer.length, this.readBytes);
    this.readBytes += read;
    let text = this.partial + buffer.toString('utf8', 0, read);
    // Our own writes among others': blank lines in their place (skipped, and counted).
    this.ownWrites = this.ownWrites.filter((own) => {
      const at = text.indexOf(own.text);
      if (at < 0) return true;
      text = text.slice(0, at) + '\n'.repeat(own.lines) + text.slice(at + own.text.length);
      return false;
    });
    const lines = text.split('\n');
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
      this.records.drawn.delete(r.hold);
    } else {
      const charge = r as Charge;
      if (charge.hold) this.records.holds.delete(charge.hold);
      if (charge.lease) this.records.drawn.set(charge.lease, (this.records.drawn.get(charge.lease) ?? 0) + charge.usd);
      this.records.charges.push(charge);
      // This product writes `at` as toISOString does (UTC, ending in Z): its day is its first ten characters.
      const day = charge.at.length === 24 && charge.at.endsWith('Z') ? charge.at.slice(0, 10) : new Date(Date.parse(charge.at)).toISOString().slice(0, 10);
      this.records.spentByDay.set(day, (this.records.spentByDay.get(day) ?? 0) + charge.usd);
      this.records.spentUsd += charge.usd;
    }
  }
}

/** Writes by this process's journals: another journal on the same folder reads them at once. */
let journalWrites = 0;

/** Journals with records not written yet: written before the process exits, whatever ends it. */
const unflushed = new Set<ChargeJournal>();
process.once('exit', () => {
  for (const journal of [...unflushed]) {
    try {
      journal.flush();
    } catch {
      // Nothing more can be done while exiting.
    }
  }
});
