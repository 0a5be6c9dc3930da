// A fake provider from the command line, for end-to-end runs of the CLI and manual checks:
//   node out/test/fakes/serve.js --kind openai --port 0 [--key K | --no-key] [--script steps.json]
// Prints one JSON line ({"url", "port", "kind"}) and serves until killed.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { HTTP_PROVIDER_KINDS, type HttpProviderKind } from '../../src/gateway/routing/routes';
import { startFakeProvider } from './fakeProvider';
import type { FakeStep } from './script';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      kind: { type: 'string' },
      port: { type: 'string', default: '0' },
      key: { type: 'string' },
      'no-key': { type: 'boolean', default: false },
      script: { type: 'string' },
      model: { type: 'string', multiple: true },
    },
  });
  const kind = values.kind as HttpProviderKind;
  if (!HTTP_PROVIDER_KINDS.includes(kind)) throw new Error(`--kind must be one of ${HTTP_PROVIDER_KINDS.join(', ')}`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be a port number (0 picks a free one)');
  const steps = values.script ? (JSON.parse(readFileSync(values.script, 'utf8')) as FakeStep[]) : [];
  if (!Array.isArray(steps)) throw new Error('--script must name a JSON file holding an array of steps');
  const fake = await startFakeProvider(kind, { port, key: values['no-key'] ? null : (values.key ?? 'test-key'), models: values.model });
  fake.script(...steps);
  process.stdout.write(`${JSON.stringify({ url: fake.url, port: fake.port, kind })}\n`);
  const stop = () => void fake.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
});
