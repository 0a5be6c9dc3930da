import { createServer, type Server } from 'node:http';
import type { Ledger } from '../gateway/guardrails/ledger';
import { bearerMatches, HttpReply, readJsonBody, sendJson } from './httpEndpoint';

/** What an alert said, as a share of the limit. */
export interface BudgetAlert {
  readonly percent: number;
  /** Which form the sender used, for the log. */
  readonly form: 'percent' | 'spentUsd' | 'cloud-billing';
}

const OWN_FIELDS = new Set(['percent', 'spentUsd']);
/** A Cloud Billing budget notification's fields (relayed from its Pub/Sub topic). */
const CLOUD_FIELDS = new Set(['budgetDisplayName', 'alertThresholdExceeded', 'forecastThresholdExceeded', 'costAmount', 'costIntervalStart', 'budgetAmount', 'budgetAmountType', 'currencyCode', 'schemaVersion']);

function nonNegative(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new HttpReply(400, { error: `"${field}" must be a number of at least 0` });
  return value;
}

/**
 * Reads an alert body: `{ "percent": 83 }`, `{ "spentUsd": 41.5 }` (against the configured limit),
 * or a Cloud Billing budget notification (`costAmount` of `budgetAmount`). Anything else is a 400
 * that says which forms are accepted.
 */
export function parseBudgetAlert(body: Record<string, unknown>, limitUsd: number | undefined): BudgetAlert {
  const fields = Object.keys(body);
  if ('costAmount' in body || 'budgetAmount' in body) {
    const unknown = fields.filter((f) => !CLOUD_FIELDS.has(f));
    if (unknown.length) throw new HttpReply(400, { error: `unknown field(s) in a billing notification: ${unknown.join(', ')}` });
    const cost = nonNegative(body.costAmount, 'costAmount');
    const budget = nonNegative(body.budgetAmount, 'budgetAmount');
    if (budget === 0) throw new HttpReply(400, { error: '"budgetAmount" must be more than 0' });
    return { percent: (cost / budget) * 100, form: 'cloud-billing' };
  }
  const unknown = fields.filter((f) => !OWN_FIELDS.has(f));
  if (unknown.length || fields.length !== 1) {
    throw new HttpReply(400, { error: 'send exactly one of { "percent": number } or { "spentUsd": number }, or a Cloud Billing budget notification (costAmount, budgetAmount)' });
  }
  if ('percent' in body) return { percent: nonNegative(body.percent, 'percent'), form: 'percent' };
  const spent = nonNegative(body.spentUsd, 'spentUsd');
  if (limitUsd === undefined || limitUsd === 0) throw new HttpReply(400, { error: 'no budget limit is set, so a spend figure has no percentage; send { "percent": number } or set budget.limitUsd' });
  return { percent: (spent / limitUsd) * 100, form: 'spentUsd' };
}

export interface BudgetWebhookOptions {
  readonly ledger: Ledger;
  readonly token: string;
  /** After a resume: send what the pause held back (the queue's drain). */
  readonly onResume?: () => void;
  readonly log: (line: string) => void;
}

/**
 * The budget webhook: `POST /budget/alert` pauses every client sharing the budget once an alert
 * reaches the pause threshold; `POST /budget/resume` lifts the pause and drains the queue. Both
 * need the bearer token; nothing else is served.
 */
export function budgetWebhook(options: BudgetWebhookOptions): Server {
  return createServer((request, response) => {
    void (async () => {
      const path = (request.url ?? '').split('?')[0];
      if (path !== '/budget/alert' && path !== '/budget/resume') throw new HttpReply(404, { error: 'not found; this server has POST /budget/alert and POST /budget/resume only' });
      if (request.method !== 'POST') throw new HttpReply(405, { error: 'use POST' }, { allow: 'POST' });
      if (!bearerMatches(request, options.token)) throw new HttpReply(401, { error: 'a valid bearer token is required' }, { 'www-authenticate': 'Bearer' });
      const body = await readJsonBody(request);
      const status = options.ledger.status();
      if (path === '/budget/alert') {
        const alert = parseBudgetAlert(body, status.limitUsd);
        const pause = alert.percent >= status.pauseAtPercent;
        if (pause) await options.ledger.pause();
        options.log(`budget alert (${alert.form}): ${alert.percent.toFixed(1)}% of the limit${pause ? `, at or past the ${status.pauseAtPercent}% threshold: new requests are held for everyone sharing the budget` : `, under the ${status.pauseAtPercent}% threshold: nothing changed`}`);
        return sendJson(response, 200, { paused: pause, percent: Number(alert.percent.toFixed(2)), pauseAtPercent: status.pauseAtPercent, gate: options.ledger.gate() ?? null });
      }
      if (Object.keys(body).length) throw new HttpReply(400, { error: 'resume takes no fields' });
      await options.ledger.resume();
      const gate = options.ledger.gate() ?? null;
      options.log(`budget resumed by the webhook${gate ? `; requests stay held (${gate})` : '; draining the queue'}`);
      if (!gate) options.onResume?.();
      return sendJson(response, 200, { resumed: gate === null, gate });
    })().catch((e: unknown) => {
      // A body too large is not read on: the connection closes after the answer.
      if (e instanceof HttpReply) return sendJson(response, e.status, e.body, e.status === 413 ? { ...e.headers, connection: 'close' } : e.headers);
      options.log(`budget webhook: ${e instanceof Error ? e.message : String(e)}`);
      sendJson(response, 500, { error: 'internal error; see the server log' });
    });
  });
}
