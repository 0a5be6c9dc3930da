import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HttpProviderKind } from '../../src/gateway/routing/routes';
import { REPO_ROOT } from './assets';

/** Recorded provider responses (copied unchanged from the shared fixtures; see their README). */
export const FIXTURES_DIR = join(REPO_ROOT, 'test', 'fixtures', 'providers');

export interface FixtureMeta {
  readonly kind: HttpProviderKind;
  readonly streaming: boolean;
  readonly status: number;
  readonly contentType: string;
  readonly headers?: Record<string, string>;
}

export interface Fixture {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly text: string;
  readonly meta: FixtureMeta;
}

/** Every recorded body with its sidecar. */
export function allFixtures(): Fixture[] {
  return readdirSync(FIXTURES_DIR)
    .filter((name) => !name.endsWith('.meta.json') && name !== 'README.md')
    .sort()
    .map((name) => {
      const bytes = new Uint8Array(readFileSync(join(FIXTURES_DIR, name)));
      const meta = JSON.parse(readFileSync(join(FIXTURES_DIR, `${name}.meta.json`), 'utf8')) as FixtureMeta;
      return { name, bytes, text: new TextDecoder().decode(bytes), meta };
    });
}

export function fixture(name: string): Fixture {
  const found = allFixtures().find((f) => f.name === name);
  if (!found) throw new Error(`No fixture ${name} in ${FIXTURES_DIR}`);
  return found;
}
