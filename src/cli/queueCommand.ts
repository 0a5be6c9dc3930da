import { parseArgs } from 'node:util';
import type { ColdQueue } from '../gateway/guardrails/coldQueue';
import { LocalColdQueue, isQueueId } from '../gateway/guardrails/local/coldQueue';
import { isTeamQueueId } from '../gateway/guardrails/redis/redisColdQueue';
import { textOf } from '../gateway/ir';
import { EXIT_QUEUED } from './askCommand';
import { chainConfigFromArgs, chainFromArgs, chainFromConfig, TEAM_OPTIONS } from './chainFromFile';
import { CliFailure, usageFailure } from './failure';
import type { CliContext } from './main';
import { printedOutput } from './commandOutput';

const OPTIONS = { routes: { type: 'string' }, 'state-dir': { type: 'string' }, json: { type: 'boolean' }, ...TEAM_OPTIONS } as const;

/** `queue list | drain | show <id>` over a state folder. */
export async function queueCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: true });
  const [action, id] = positionals;
  const stateDir = values['state-dir'];
  if (!stateDir) throw usageFailure('--state-dir <dir> is required.');
  const warn = (line: string) => ctx.err.write(`${line}\n`);
  // Labels, reasons and answers are user, provider and model text.
  const print = (value: unknown, text: string) => ctx.out.write(`${printedOutput(values.json ? { json: value } : { text })}\n`);

  /**
   * The queue to read: the team's when the routes file (or --redis) names one, which also lists
   * this machine's entries; else the state folder's, which needs no routes file.
   */
  const readQueue = async <T>(read: (queue: ColdQueue) => Promise<T>): Promise<T> => {
    if (values.routes) {
      const { config } = await chainConfigFromArgs(values, warn);
      if (config.team) {
        const services = await chainFromConfig(config, stateDir, warn);
        try {
          return await read(services.queue);
        } finally {
          await services.dispose();
        }
      }
    }
    return read(await LocalColdQueue.open(stateDir, { maxAgeMs: Number.POSITIVE_INFINITY, log: warn }));
  };

  if (action === 'list') {
    const { entries, expired, unreadable } = await readQueue(async (queue) => ({ entries: await queue.list(), expired: await queue.expired(), unreadable: await queue.unreadable() }));
    const rows = entries.map((e) => ({ id: e.id, createdAt: e.createdAt, reason: e.reason, label: e.label }));
    print({ queued: rows, expired: expired.map((e) => ({ id: e.id, createdAt: e.createdAt, label: e.label })), unreadable },
      [`${entries.length} queued${expired.length ? `, ${expired.length} expired` : ''}${unreadable.length ? `, ${unreadable.length} set aside` : ''}`,
        ...rows.map((r) => `${r.id}  ${r.createdAt}  ${r.reason}  ${r.label}`),
        ...unreadable.map((u) => `${u.file}  set aside (kept in unreadable/): ${u.reason}`)].join('\n'));
    return 0;
  }
  if (action === 'show') {
    if (!id) throw usageFailure('queue show needs the id of a queued request.');
    // The id names a file (or, for the team, a Redis job): only the forms the queues give pass.
    if (!isQueueId(id) && !(values.routes && isTeamQueueId(id))) throw usageFailure(`"${id}" is not a queue id; queue ids look like q-mx7unoip-081aa590 (see "queue list").`);
    const { answer, waiting } = await readQueue(async (queue) => {
      const answer = await queue.answer(id).catch((e: Error) => {
        throw new CliFailure(e.message);
      });
      return { answer, waiting: answer ? false : (await queue.list()).some((e) => e.id === id) };
    });
    if (!answer) throw new CliFailure(waiting ? `${id} is still queued; run "queue drain" when a route is back.` : `No queued request or answer with id ${id}.`);
    print(answer, textOf(answer.response.message));
    return 0;
  }
  if (action === 'drain') {
    const services = await chainFromArgs(values, warn);
    try {
      const report = await services.chain.drain();
      print({
        answered: report.answered.map((a) => ({ id: a.id, label: a.label, route: a.route, costUsd: a.costUsd ?? null })),
        expired: report.expired.map((e) => ({ id: e.id, label: e.label })),
        failed: report.failed.map((f) => ({ id: f.entry.id, label: f.entry.label, reason: f.reason })),
        unreadable: report.setAside ?? [],
        remaining: report.remaining,
        stoppedBecause: report.stoppedBecause ?? null,
      }, [
        `${report.answered.length} answered, ${report.remaining} still queued${report.expired.length ? `, ${report.expired.length} expired (kept in expired/)` : ''}`,
        ...report.answered.map((a) => `${a.id}  answered by ${a.route}  ${a.label}`),
        ...report.failed.map((f) => `${f.entry.id}  set aside (kept in failed/): ${f.reason}  ${f.entry.label}`),
        ...(report.setAside ?? []).map((u) => `${u.file}  set aside (kept in unreadable/): ${u.reason}`),
        ...(report.stoppedBecause ? [`stopped: ${report.stoppedBecause}`] : []),
      ].join('\n'));
      return report.remaining > 0 ? EXIT_QUEUED : 0;
    } finally {
      await services.dispose();
    }
  }
  throw usageFailure(`queue needs an action: list, drain or show <id>${action ? ` (not "${action}")` : ''}.`);
}
