import type { Attempt } from '../routing/events';
import type { ChatRequest, ChatResponse } from '../ir';

/** Why a request went to the cold tier instead of a provider. */
export type QueueReason = 'all-routes-failed' | 'over-budget' | 'budget-invalid' | 'manual-pause' | 'budget-paused' | 'budget-exhausted';

/** A request waiting in the cold tier: everything needed to send it later. */
export interface QueuedRequest {
  readonly id: string;
  readonly seq: number;
  readonly createdAt: string;
  readonly reason: QueueReason;
  readonly request: ChatRequest;
  /** Reused by every later try, so a provider that saw it before does not bill it twice. */
  readonly idempotencyKey: string;
  /** The request's content key: the same request queued again joins this entry. */
  readonly requestKey?: string;
  /** What the user asked, in a few words (for lists and notifications). */
  readonly label: string;
  readonly attempts: readonly Attempt[];
}

/** The answer to a queued request, stored before the request leaves the queue. */
export interface StoredAnswer {
  readonly id: string;
  readonly label: string;
  readonly answeredAt: string;
  readonly route: string;
  readonly provider: string;
  readonly model: string;
  readonly response: ChatResponse;
  readonly costUsd?: number;
}

/** How one drain went. */
export interface DrainReport {
  readonly answered: StoredAnswer[];
  readonly expired: QueuedRequest[];
  /** Requests no route will ever take as they are (every route refused them): set aside, reported. */
  readonly failed: Array<{ readonly entry: QueuedRequest; readonly reason: string }>;
  readonly remaining: number;
  /** Why the drain stopped before the queue was empty. */
  readonly stoppedBecause?: string;
  /** Files this drain could not read, set aside in `unreadable/` and never sent. */
  readonly setAside?: UnreadableFile[];
}

/** A queue entry or stored answer that could not be read, kept in `unreadable/` with the reason. */
export interface UnreadableFile {
  /** Its name, as it was in `queue/` or `answers/`. */
  readonly file: string;
  readonly reason: string;
}

/** What sending a queued request came to: an answer to store, or a reason to stop draining. */
export type DrainSend = (entry: QueuedRequest) => Promise<{ answer: Omit<StoredAnswer, 'id' | 'label' | 'answeredAt'> } | { stop: string } | { drop: string }>;

/**
 * The cold tier, whatever keeps it: files in the state folder (`local`) or a team's Redis through
 * BullMQ (`redis`). A request leaves it only after its answer is stored; the same request queued
 * twice is one entry.
 */
export interface ColdQueue {
  /** Which store keeps the queue, for the status bar and `queue list`. */
  readonly backend: 'local' | 'redis';
  /** The waiting request with this content key, if any. */
  find(requestKey: string): Promise<QueuedRequest | undefined>;
  /** Queues a request; one already waiting with the same content key is returned instead. */
  add(entry: Omit<QueuedRequest, 'id' | 'seq' | 'createdAt'>): Promise<QueuedRequest>;
  /** Waiting requests, oldest first; entries that cannot be read are set aside into `setAside`. */
  list(setAside?: UnreadableFile[]): Promise<QueuedRequest[]>;
  /** The stored answer to a queued request, once it has one. */
  answer(id: string): Promise<StoredAnswer | undefined>;
  /** Requests that waited longer than the maximum age, kept for the user. */
  expired(): Promise<QueuedRequest[]>;
  /** Entries and answers set aside because they could not be read, each with why. */
  unreadable(): Promise<UnreadableFile[]>;
  /** Sends waiting requests in order until one cannot be sent; one drain at a time. */
  drain(send: DrainSend): Promise<DrainReport>;
}
