import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { parseArgs } from 'node:util';
import type { DrainReport } from '../gateway/guardrails/coldQueue';
import { chainConfigFromArgs, chainFromConfig, TEAM_OPTIONS } from './chainFromFile';
import { CliFailure, usageFailure } from './failure';
import { sendJson } from './httpEndpoint';
import type { CliContext } from './main';
import { stopSignal } from './serveCommand';

const OPTIONS = {
  routes: { type: 'string' }, 'state-dir': { type: 'string' }, 'interval-ms': { type: 'string' }, listen: { type: 'string' }, once: { type: 'boolean' }, ...TEAM_OPTIONS,
} as const;

/** `host:port` for the health endpoint; loopback unless the host says otherwise. */
function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(value) ?? /^()()(\d+)$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port > 65_535) throw usageFailure(`--listen must be host:port or a port (like 127.0.0.1:8788), not "${value}".`);
  return { host: match[1] || match[2] || '127.0.0.1', port };
}

function summary(report: DrainReport): string {
  return `${report.answered.length} answered, ${report.failed.length} refused by every route, ${report.expired.length} expired, ${report.remaining} waiting${report.stoppedBecause ? ` (stopped: ${report.stoppedBecause})` : ''}`;
}

/**
 * `worker`: drains the queue with the routes' keys while no editor is open (a service or a
 * container). Logs to stdout; SIGTERM or SIGINT lets the request in hand finish, then exits 0;
 * `--listen` serves `GET /healthz` and nothing else; `--once` drains once and exits.
 */
export async function workerCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseArgs({ args, options: OPTIONS, strict: true });
  const intervalMs = values['interval-ms'] === undefined ? 5_000 : Number(values['interval-ms']);
  if (!Number.isFinite(intervalMs) || intervalMs < 100 || intervalMs > 3_600_000) throw usageFailure(`--interval-ms must be from 100 to 3600000 (not "${values['interval-ms']}").`);
  const log = (line: string) => ctx.out.write(`${new Date().toISOString()} ${line}\n`);
  const { config, stateDir } = await chainConfigFromArgs(values, log);
  const services = await chainFromConfig(config, stateDir, log);
  let stopping = false;
  let lastDrain: { at: string; summary: string } | undefined;
  let health: Server | undefined;
  if (values.listen) {
    const { host, port } = parseListen(values.listen);
    health = createServer((request, response) => {
      if (request.method !== 'GET' || (request.url ?? '').split('?')[0] !== '/healthz') return sendJson(response, 404, { error: 'not found; this server has GET /healthz only' });
      void services.queue.list().then(
        (waiting) => sendJson(response, stopping ? 503 : 200, { status: stopping ? 'stopping' : 'ok', waiting: waiting.length, queue: services.queue.backend, ledger: services.ledger.backend, gate: services.ledger.gate() ?? null, ...(lastDrain ? { lastDrain } : {}) }),
        () => sendJson(response, 503, { status: 'queue unreadable' }),
      );
    });
    health.listen(port, host);
    await Promise.race([once(health, 'listening'), once(health, 'error').then(([e]) => {
      throw new CliFailure(`Cannot listen on ${host}:${port}: ${(e as Error).message}.`);
    })]);
    log(`health on http://${host.includes(':') ? `[${host}]` : host}:${(health.address() as { port: number }).port}/healthz`);
  }
  log(`worker started: queue ${services.queue.backend}, ledger ${services.ledger.backend}, ${config.routes.length} route(s)`);
  let wake: (() => void) | undefined;
  void stopSignal().then((signal) => {
    log(`${signal}: finishing the request in hand, then stopping`);
    stopping = true;
    wake?.();
  });
  while (!stopping) {
    const report = await services.chain.drain({ stopping: () => stopping }).catch((e: unknown) => {
      log(`drain failed: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    });
    if (report) {
      for (const answer of report.answered) log(`answered ${answer.id} on ${answer.route}`);
      for (const { entry, reason } of report.failed) log(`refused ${entry.id}: ${reason}`);
      if (report.answered.length || report.failed.length || report.expired.length || report.stoppedBecause) log(`drain: ${summary(report)}`);
      lastDrain = { at: new Date().toISOString(), summary: summary(report) };
    }
    if (values.once) break;
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, intervalMs).unref();
    });
  }
  await new Promise<void>((resolve) => (health ? health.close(() => resolve()) : resolve()));
  await services.dispose();
  log('worker stopped');
  return 0;
}
