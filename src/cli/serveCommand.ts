import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { isLoopbackHost } from '../gateway/routing/routes';
import { budgetWebhook } from './budgetWebhook';
import { chainConfigFromArgs, chainFromConfig, TEAM_OPTIONS } from './chainFromFile';
import { CliFailure, usageFailure } from './failure';
import type { CliContext } from './main';

const OPTIONS = {
  routes: { type: 'string' }, 'state-dir': { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, ...TEAM_OPTIONS,
} as const;

export const WEBHOOK_TOKEN_ENV = 'CONTEXT_GATEWAY_WEBHOOK_TOKEN';

/** Waits for SIGTERM or SIGINT (a service manager's stop, or Ctrl-C). */
export function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(signal);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}

/**
 * `serve`: the budget webhook for a billing pipeline. Loopback unless `--host` says otherwise;
 * the bearer token comes from the environment, never from an argument (it would show in `ps`).
 */
export async function serveCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseArgs({ args, options: OPTIONS, strict: true });
  const token = process.env[WEBHOOK_TOKEN_ENV]?.trim();
  if (!token || token.length < 16) {
    throw new CliFailure(`serve needs a bearer token of at least 16 characters in ${WEBHOOK_TOKEN_ENV} (for example: export ${WEBHOOK_TOKEN_ENV}=$(openssl rand -hex 32)); the billing pipeline sends it as "Authorization: Bearer <token>".`);
  }
  const host = values.host ?? '127.0.0.1';
  const port = values.port === undefined ? 8787 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw usageFailure(`--port must be a port number from 0 to 65535 (not "${values.port}").`);
  const log = (line: string) => ctx.out.write(`${new Date().toISOString()} ${line}\n`);
  const { config, stateDir } = await chainConfigFromArgs(values, log);
  const services = await chainFromConfig(config, stateDir, log);
  const server = budgetWebhook({
    ledger: services.ledger,
    token,
    log,
    onResume: () => void services.chain.drain().then((r) => log(`queue drained: ${r.answered.length} answered, ${r.remaining} waiting${r.stoppedBecause ? ` (${r.stoppedBecause})` : ''}`), (e: unknown) => log(`queue drain failed: ${String(e)}`)),
  });
  server.listen(port, host);
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([e]) => {
    throw new CliFailure(`Cannot listen on ${host}:${port}: ${(e as Error).message}.`);
  })]);
  const bound = server.address() as { port: number };
  if (!isLoopbackHost(host)) log(`warning: listening on ${host}, reachable from other machines; put it behind TLS (a reverse proxy) and keep the token secret.`);
  log(`budget webhook listening on http://${host.includes(':') ? `[${host}]` : host}:${bound.port} (POST /budget/alert, POST /budget/resume; ledger: ${services.ledger.backend})`);
  const signal = await stopSignal();
  log(`${signal}: stopping`);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await services.dispose();
  return 0;
}
