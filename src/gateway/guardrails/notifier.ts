import { request } from 'undici';
import { baseUrlProblem } from '../routing/routes';

/**
 * What the chain tells the user's webhook about: ids, counts and routes. Never user text (a
 * prompt, a label made from one, payload text) or keys: the webhook is a third party's server.
 */
export type Notice =
  /** `reason` is the chain's own words with route ids and outcomes (`every route failed (main: overloaded)`). */
  | { readonly kind: 'chain-cold'; readonly queueId: string; readonly reason: string }
  | { readonly kind: 'budget-paused'; readonly gate: string; readonly spentUsd: number; readonly limitUsd?: number }
  | { readonly kind: 'queue-drained'; readonly answered: number; readonly remaining: number; readonly expired: number }
  | { readonly kind: 'failover-rate'; readonly failovers: number; readonly windowMs: number }
  /** The failover drill's simulated budget alert: marked as a test, so nobody acts on it. */
  | { readonly kind: 'drill'; readonly what: string };

/** The Slack-compatible text of a notice (Slack, Mattermost, Discord's /slack and Teams accept `{ text }`). */
export function noticeText(notice: Notice): string {
  switch (notice.kind) {
    case 'chain-cold': return `Context Gateway: every route failed; a request is queued as ${notice.queueId} (${notice.reason}). It will be sent when a route recovers.`;
    case 'budget-paused': return `Context Gateway: AI requests are held (${notice.gate}): $${notice.spentUsd.toFixed(2)} spent${notice.limitUsd !== undefined ? ` of $${notice.limitUsd.toFixed(2)}` : ''}. New requests are queued until you resume.`;
    case 'queue-drained': return `Context Gateway: ${notice.answered} queued request(s) answered; ${notice.remaining} still waiting${notice.expired ? `; ${notice.expired} expired` : ''}.`;
    case 'failover-rate': return `Context Gateway: ${notice.failovers} failovers in the last ${Math.round(notice.windowMs / 60000)} min; a provider may be degraded.`;
    case 'drill': return `Context Gateway failover drill (a test; nothing real is paused): ${notice.what}`;
  }
}

/**
 * Posts notices to a webhook, fire-and-forget: a slow or failing webhook is logged and never
 * delays or breaks a request. Only https (or http to loopback) URLs are used.
 */
export class Notifier {
  private readonly url: string | undefined;

  constructor(url: string | undefined, private readonly log: (line: string) => void = () => {}, private readonly timeoutMs = 5_000) {
    const problem = url ? baseUrlProblem(url) : undefined;
    if (url && problem) log(`notification webhook ignored: it ${problem}`);
    this.url = url && !problem ? url : undefined;
  }

  get enabled(): boolean {
    return this.url !== undefined;
  }

  /** Sends a notice; resolves true when the webhook accepted it. Never rejects. */
  async notify(notice: Notice): Promise<boolean> {
    if (!this.url) return false;
    try {
      const response = await request(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: noticeText(notice) }),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await response.body.dump();
      if (response.statusCode >= 300) this.log(`notification webhook answered HTTP ${response.statusCode} for ${notice.kind}`);
      return response.statusCode < 300;
    } catch (e) {
      this.log(`notification webhook failed for ${notice.kind}: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
  }
}
