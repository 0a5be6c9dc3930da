// A fake model that does what the failover drill asks: it calls drill_echo when offered it and
// no result is there yet, and answers in a line otherwise. For `respond` of a fake provider.
import type { RecordedRequest } from './fakeProvider';
import type { FakeStep } from './script';

/** Whether the request already carries a tool result, in any of the three wire formats. */
export const hasToolResult = (r: RecordedRequest): boolean => /"role":"tool"|"type":"tool_result"|"functionResponse"/.test(r.rawBody);

export function drillModel(r: RecordedRequest): FakeStep {
  if (r.rawBody.includes('drill_echo') && !hasToolResult(r)) return { reply: { toolCalls: [{ name: 'drill_echo', arguments: { value: '42' } }] } };
  return { reply: { text: hasToolResult(r) ? 'The tool returned 42.' : 'ready' } };
}
