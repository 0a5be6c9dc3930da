import { createHash, randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { Queue, Worker, type Job } from 'bullmq';
import type Redis from 'ioredis';
import type { ColdQueue, DrainReport, DrainSend, QueuedRequest, StoredAnswer, UnreadableFile } from '../coldQueue';
import type { TeamEvent } from '../teamEvents';
import { QueueCipher } from './queueCipher';
import { redisClient, type RedisClientOptions, callListener as call, whenReady } from './redisClient';
import type { TeamSection } from './teamConfig';
import { parseTeamKey, TEAM_KEY_ENV } from './teamKey';

/** What a job holds in Redis: only the requester's id and times in clear; the request, label and attempts sealed. */
interface JobData {
  readonly requester: string;
  readonly seq: number;
  readonly createdAt: string;
  readonly sealed: string;
}

export interface RedisColdQueueOptions extends Pick<RedisClientOptions, 'password' | 'log'> {
  /** The team key text (Set Team Key, or CONTEXT_GATEWAY_TEAM_KEY); without one the queue stays local. */
  readonly teamKey?: string;
  /** Who queues here: answers to its requests are kept under this id. Defaults to this user on this machine. */
  readonly requester?: string;
  /** Requests older than this are set aside as expired instead of sent. */
  readonly maxAgeMs?: number;
  /** How long a drain's claim on a job lasts without renewal (a drain that died gives it back after this). */
  readonly lockMs?: number;
  /** Pauses between sends, for tests: defaults to real time. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const QUEUE_NAME = 'cold';
const DEFAULT_MAX_AGE_MS = 7 * 24 * 3_600_000;
const DEFAULT_LOCK_MS = 30_000;
const EXPIRED = 'expired: ';
const DROPPED = 'failed: ';
const UNREADABLE = 'unreadable: ';
/** Pacing never sends faster than `drainPerSecond`; the jitter only lengthens the pause, by up to this share. */
const JITTER = 0.25;

/** The requester id of this user on this machine: a hash, so Redis holds no user or host name. */
export function defaultRequester(): string {
  return createHash('sha256').update(`${hostname()}\0${userInfo().username}`).digest('hex').slice(0, 16);
}

/** True for the id of a team queue job (`q-` and a content key); never used as a path. */
export function isTeamQueueId(id: string): boolean {
  return /^q-[A-Za-z0-9_-]{16,128}$/.test(id);
}

/** The job id of a request: its content key (so the same request queued by two members is one job). */
function jobIdOf(entry: Pick<QueuedRequest, 'requestKey' | 'idempotencyKey'>): string {
  // A prefix keeps BullMQ from reading an all-digit hash as a number.
  return `q-${entry.requestKey ?? entry.idempotencyKey}`;
}

/**
 * The team's cold tier on BullMQ. The job id is the request's content key, so the same request
 * queued twice (by one editor or by two) is one job; whoever queued it is kept in a set beside
 * the job. A drain takes one job at a time, sends it, stores the sealed answer under each
 * requester's key, and only then completes the job; a drain that finds an answer already stored
 * (it died between the two steps) completes the job without sending again. Everything that
 * carries code or prompts is sealed with the team key (AES-256-GCM, job id as additional data).
 *
 * Redis trouble loses nothing: `add` then goes to the local queue with a degraded event. Those
 * entries are not moved into the team queue later; they are drained locally by this process's
 * next drain (before the team's jobs), so no entry can exist in both places.
 */
export class RedisColdQueue implements ColdQueue {
  readonly backend = 'redis';
  private readonly queue: Queue;
  private readonly worker: Worker;
  private readonly prefix: string;
  private nextSeq = Date.now();
  private healthy = false;
  private lastEvent: TeamEvent | undefined;
  private closed = false;
  private checkingStalled = false;
  private draining: Promise<DrainReport> | undefined;
  /** Answers sent but not yet stored (Redis went away in between): stored before anything else. */
  private readonly pending = new Map<string, { job: Job<JobData>; token: string; answer: StoredAnswer }>();

  private constructor(
    private readonly client: Redis,
    private readonly blocking: Redis,
    private readonly team: TeamSection,
    private readonly cipher: QueueCipher,
    private readonly local: ColdQueue,
    private readonly onEvent: (event: TeamEvent) => void,
    private readonly options: RedisColdQueueOptions,
  ) {
    this.prefix = `${team.namespace}:queue`;
    const lockDuration = options.lockMs ?? DEFAULT_LOCK_MS;
    this.queue = new Queue(QUEUE_NAME, { connection: client, prefix: this.prefix, skipVersionCheck: true });
    this.queue.on('error', () => undefined);
    this.worker = new Worker(QUEUE_NAME, null, {
      connection: blocking, prefix: this.prefix, autorun: false, skipVersionCheck: true,
      lockDuration, stalledInterval: Math.max(500, Math.round(lockDuration / 2)),
      // A claim that lapsed (the drain died) goes back to the queue, however often that happens.
      maxStalledCount: Number.MAX_SAFE_INTEGER,
    });
    this.worker.on('error', () => undefined);
    client.on('ready', () => this.connected());
    client.on('close', () => this.degrade('the connection to the team Redis closed'));
  }

  /**
   * The team queue in front of `local`, or `local` itself (with a degraded event saying why) when
   * there is no usable team key: the queue never goes to Redis in clear. Never fails.
   */
  static async open(team: TeamSection, local: ColdQueue, onEvent: (event: TeamEvent) => void, options: RedisColdQueueOptions = {}): Promise<ColdQueue> {
    let cipher: QueueCipher;
    try {
      if (!options.teamKey) throw new Error('No team key is set');
      cipher = new QueueCipher(parseTeamKey(options.teamKey));
    } catch (e) {
      const why = (e as Error).message.replace(/\.$/, '');
      const detail = `${why}: queued requests stay on this machine, never in the team Redis in clear. Run "Set Team Key" (or set ${TEAM_KEY_ENV} for the CLI and the worker) with the team's key.`;
      options.log?.(`team queue: ${detail}`);
      call(onEvent, { type: 'team-backend', part: 'queue', state: 'degraded', detail });
      return local;
    }
    const client = redisClient(team, options);
    const blocking = redisClient(team, { ...options, blocking: true });
    const queue = new RedisColdQueue(client, blocking, team, cipher, local, onEvent, options);
    const ready = await whenReady(client, Math.max(team.timeoutMs * 4, 1_000));
    if (ready) queue.connected();
    else queue.degrade('the team Redis is not reachable');
    return queue;
  }

  private get requester(): string {
    return this.options.requester ?? defaultRequester();
  }

  private answersKey(requester: string): string {
    return `${this.prefix}:answers:${requester}`;
  }

  private requestersKey(id: string): string {
    return `${this.prefix}:requesters:${id}`;
  }

  async find(requestKey: string): Promise<QueuedRequest | undefined> {
    if (this.up()) {
      try {
        const job = await this.queue.getJob(jobIdOf({ requestKey, idempotencyKey: '' }));
        const state = job ? await job.getState() : undefined;
        if (job && (state === 'waiting' || state === 'active' || state === 'delayed' || state === 'prioritized')) {
          const read = this.read(job);
          if ('entry' in read) {
            // Asked again by this requester: its answer is kept for it too.
            await this.client.sadd(this.requestersKey(job.id!), this.requester);
            return read.entry;
          }
        }
      } catch (e) {
        this.degrade(e);
      }
    }
    return this.local.find(requestKey);
  }

  async add(entry: Omit<QueuedRequest, 'id' | 'seq' | 'createdAt'>): Promise<QueuedRequest> {
    if (this.up()) {
      const id = jobIdOf(entry);
      const queued: QueuedRequest = { ...entry, id, seq: this.nextSeq++, createdAt: new Date().toISOString() };
      try {
        await this.client.sadd(this.requestersKey(id), this.requester);
        const data: JobData = { requester: this.requester, seq: queued.seq, createdAt: queued.createdAt, sealed: this.cipher.seal(JSON.stringify(queued), id) };
        // The same id again is the same job: BullMQ keeps the first and returns it.
        const job = await this.queue.add(QUEUE_NAME, data, { jobId: id, removeOnComplete: true, removeOnFail: false });
        const read = this.read(job as Job<JobData>);
        return 'entry' in read ? read.entry : queued;
      } catch (e) {
        this.degrade(e);
      }
    }
    return this.local.add(entry);
  }

  async list(setAside: UnreadableFile[] = []): Promise<QueuedRequest[]> {
    const entries: QueuedRequest[] = [];
    if (this.up()) {
      try {
        const jobs = (await this.queue.getJobs(['active', 'waiting', 'delayed', 'prioritized'], 0, -1, true)) as Array<Job<JobData>>;
        for (const job of jobs) {
          const read = this.read(job);
          if ('entry' in read) entries.push(read.entry);
          else setAside.push({ file: job.id!, reason: read.problem });
        }
      } catch (e) {
        this.degrade(e);
      }
    }
    return [...entries.sort((a, b) => a.createdAt.localeCompare(b.createdAt)), ...(await this.local.list(setAside))];
  }

  async answer(id: string): Promise<StoredAnswer | undefined> {
    if (!id.startsWith('q-') || /^q-[a-z0-9]{1,12}-[0-9a-f]{8}$/.test(id)) return this.local.answer(id);
    if (!this.up()) throw new Error(`The team Redis is not reachable; the answer to ${id} is kept there and can be read once it is back.`);
    const sealed = await this.client.hget(this.answersKey(this.requester), id);
    if (sealed === null) return undefined;
    try {
      return JSON.parse(this.cipher.open(sealed, id)) as StoredAnswer;
    } catch (e) {
      throw new Error(`The answer to ${id} could not be read: ${(e as Error).message}. Check the team key ("Set Team Key", or ${TEAM_KEY_ENV}).`);
    }
  }

  async expired(): Promise<QueuedRequest[]> {
    return [...(await this.setAsideJobs(EXPIRED)).flatMap(({ job }) => {
      const read = this.read(job);
      return 'entry' in read ? [read.entry] : [];
    }), ...(await this.local.expired())];
  }

  async unreadable(): Promise<UnreadableFile[]> {
    const jobs = await this.setAsideJobs(UNREADABLE);
    return [...jobs.map(({ job, reason }) => ({ file: job.id!, reason })), ...(await this.local.unreadable())];
  }

  private async setAsideJobs(marker: string): Promise<Array<{ job: Job<JobData>; reason: string }>> {
    if (!this.up()) return [];
    try {
      const failed = (await this.queue.getJobs(['failed'], 0, -1, true)) as Array<Job<JobData>>;
      return failed.filter((j) => j.failedReason?.startsWith(marker)).map((job) => ({ job, reason: job.failedReason.slice(marker.length) }));
    } catch (e) {
      this.degrade(e);
      return [];
    }
  }

  drain(send: DrainSend): Promise<DrainReport> {
    this.draining ??= this.drainBoth(send).finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  /** What was queued here while Redis was away first, then the team's jobs. */
  private async drainBoth(send: DrainSend): Promise<DrainReport> {
    const local = (await this.local.list()).length ? await this.local.drain(send) : undefined;
    if (local?.stoppedBecause) return { ...local, remaining: local.remaining + (await this.teamCount()) };
    const team = await this.drainTeam(send);
    if (!local) return team;
    return {
      answered: [...local.answered, ...team.answered],
      expired: [...local.expired, ...team.expired],
      failed: [...local.failed, ...team.failed],
      remaining: team.remaining + (await this.local.list()).length,
      setAside: [...(local.setAside ?? []), ...(team.setAside ?? [])],
      ...(team.stoppedBecause ? { stoppedBecause: team.stoppedBecause } : {}),
    };
  }

  private async teamCount(): Promise<number> {
    if (!this.up()) return 0;
    return this.queue.getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized').catch(() => 0);
  }

  private async drainTeam(send: DrainSend): Promise<DrainReport> {
    const answered: StoredAnswer[] = [];
    const expired: QueuedRequest[] = [];
    const failed: DrainReport['failed'] = [];
    const setAside: UnreadableFile[] = [];
    const report = async (stoppedBecause?: string): Promise<DrainReport> => ({
      answered, expired, failed, setAside, remaining: await this.teamCount(), ...(stoppedBecause ? { stoppedBecause } : {}),
    });
    const unreachable = 'the team Redis is not reachable; the queue waits there and is drained when it is back';
    // Answers sent before Redis went away are stored first; they are never sent again.
    for (const [id, held] of [...this.pending]) {
      try {
        await this.storeAnswer(held.job, held.answer);
        this.pending.delete(id);
        await held.job.moveToCompleted('answered', held.token, false).catch(() => undefined);
        answered.push(held.answer);
      } catch (e) {
        this.degrade(e);
        return report(unreachable);
      }
    }
    if (!this.up()) return report(unreachable);
    if (!this.checkingStalled) {
      // Claims of drains that died go back to the queue; started by the first drain only, so a
      // process that only queues (an editor, one CLI run) exits at once.
      this.checkingStalled = true;
      void this.worker.startStalledCheckTimer().catch(() => undefined);
    }
    const interval = 1_000 / this.team.drainPerSecond;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    let lastSend = 0;
    for (;;) {
      if (!this.up()) return report(unreachable);
      const token = randomUUID();
      let job: Job<JobData> | undefined;
      try {
        job = (await this.worker.getNextJob(token, { block: false })) as Job<JobData> | undefined;
      } catch (e) {
        this.degrade(e);
        return report(unreachable);
      }
      if (!job) return report();
      const read = this.read(job);
      try {
        if ('problem' in read) {
          // Kept in the failed set (still sealed) for a member with the right key; never sent by this one.
          await job.moveToFailed(new Error(`${UNREADABLE}${read.problem}`), token, false);
          setAside.push({ file: job.id!, reason: read.problem });
          this.options.log?.(`team queue: job ${job.id} ${read.problem}; set aside (it is never sent by this member).`);
          continue;
        }
        const entry = read.entry;
        const stored = await this.storedAnswer(job);
        if (stored) {
          await job.moveToCompleted('answered', token, false);
          answered.push(stored);
          continue;
        }
        if (Date.now() - Date.parse(entry.createdAt) > (this.options.maxAgeMs ?? DEFAULT_MAX_AGE_MS)) {
          await job.moveToFailed(new Error(`${EXPIRED}waited longer than the queue's maximum age`), token, false);
          expired.push(entry);
          continue;
        }
        // Paced: never faster than drainPerSecond, with jitter so members' drains do not align.
        const wait = lastSend + interval * (1 + Math.random() * JITTER) - Date.now();
        if (lastSend && wait > 0) await sleep(wait);
        const extend = setInterval(() => void job!.extendLock(token, this.options.lockMs ?? DEFAULT_LOCK_MS).catch(() => undefined), Math.max(250, (this.options.lockMs ?? DEFAULT_LOCK_MS) / 3));
        let result: Awaited<ReturnType<DrainSend>>;
        try {
          result = await send(entry);
        } finally {
          clearInterval(extend);
        }
        if ('stop' in result) {
          // Given back untouched, at the head of the queue: a paused budget holds every job.
          await job.moveToWait(token);
          return report(result.stop);
        }
        lastSend = Date.now();
        if ('drop' in result) {
          await job.moveToFailed(new Error(`${DROPPED}${result.drop}`), token, false);
          failed.push({ entry, reason: result.drop });
          continue;
        }
        const answer: StoredAnswer = { ...result.answer, id: entry.id, label: entry.label, answeredAt: new Date().toISOString() };
        try {
          await this.storeAnswer(job, answer);
        } catch (e) {
          // Sent, not stored: held here and stored first at the next drain, never sent again.
          this.pending.set(job.id!, { job, token, answer });
          throw e;
        }
        await job.moveToCompleted('answered', token, false);
        answered.push(answer);
      } catch (e) {
        this.degrade(e);
        return report(unreachable);
      }
    }
  }

  /** The answer, sealed, under every requester of the job: the editor that queued it finds it there. */
  private async storeAnswer(job: Job<JobData>, answer: StoredAnswer): Promise<void> {
    const requesters = new Set([job.data.requester, ...(await this.client.smembers(this.requestersKey(job.id!)))]);
    const sealed = this.cipher.seal(JSON.stringify(answer), job.id!);
    const multi = this.client.multi();
    for (const requester of requesters) multi.hset(this.answersKey(requester), job.id!, sealed);
    multi.del(this.requestersKey(job.id!));
    const replies = await multi.exec();
    const failure = replies?.find(([e]) => e);
    if (!replies || failure) throw failure?.[0] ?? new Error('the answer was not stored');
  }

  private async storedAnswer(job: Job<JobData>): Promise<StoredAnswer | undefined> {
    const sealed = await this.client.hget(this.answersKey(job.data.requester), job.id!);
    if (sealed === null) return undefined;
    try {
      return JSON.parse(this.cipher.open(sealed, job.id!)) as StoredAnswer;
    } catch {
      return undefined;
    }
  }

  private read(job: Job<JobData>): { entry: QueuedRequest } | { problem: string } {
    const data = job.data as Partial<JobData> | undefined;
    if (!data || typeof data.sealed !== 'string') return { problem: 'holds no sealed request' };
    try {
      const entry = JSON.parse(this.cipher.open(data.sealed, job.id!)) as QueuedRequest;
      return { entry: { ...entry, id: job.id! } };
    } catch (e) {
      return { problem: `${(e as Error).message}; set the team's key with "Set Team Key" (or ${TEAM_KEY_ENV})` };
    }
  }

  /** Closes the queue's connections; waiting jobs stay in Redis. */
  async close(): Promise<void> {
    this.closed = true;
    await this.draining?.catch(() => undefined);
    // Closing while BullMQ still sets its connections up leaves a rejection no one awaits.
    if (this.client.status === 'ready') await Promise.allSettled([this.worker.waitUntilReady(), this.queue.waitUntilReady()]);
    await Promise.allSettled([this.worker.close(true), this.queue.close()]);
    await Promise.allSettled([this.client.quit().catch(() => this.client.disconnect()), this.blocking.quit().catch(() => this.blocking.disconnect())]);
  }

  /**
   * Whether to use Redis now. A failed command marks the queue degraded; once the connection is
   * ready again (it may never have dropped, e.g. a command lost in a reconnect) the next call uses it.
   */
  private up(): boolean {
    if (!this.healthy && this.client.status === 'ready') this.connected();
    return this.healthy;
  }

  private connected(): void {
    if (this.healthy || this.closed) return;
    this.healthy = true;
    if (this.lastEvent) this.tell({ type: 'team-backend', part: 'queue', state: 'connected' });
    else this.lastEvent = { type: 'team-backend', part: 'queue', state: 'connected' };
  }

  private degrade(cause: unknown): void {
    if (!this.healthy && this.lastEvent?.state === 'degraded') return;
    this.healthy = false;
    if (this.closed) return;
    const detail = typeof cause === 'string' ? cause : cause instanceof Error ? cause.message : String(cause);
    this.tell({ type: 'team-backend', part: 'queue', state: 'degraded', detail: `${detail}; requests are queued on this machine meanwhile` });
  }

  private tell(event: TeamEvent): void {
    this.lastEvent = event;
    call(this.onEvent, event);
  }
}
