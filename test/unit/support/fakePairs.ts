import { after, before, beforeEach } from 'node:test';
import type { HttpProviderKind } from '../../../src/gateway/routing/routes';
import { startFakeProvider, type FakeProvider } from '../../fakes/index';

/**
 * Two fake servers of each kind, for the suite (or file) this is called in: the route that fails
 * and the one that takes over. Started once, reset before each test, closed after.
 */
export function fakePairs(kinds: readonly HttpProviderKind[]): { primary: Map<HttpProviderKind, FakeProvider>; backup: Map<HttpProviderKind, FakeProvider> } {
  const primary = new Map<HttpProviderKind, FakeProvider>();
  const backup = new Map<HttpProviderKind, FakeProvider>();
  const all = () => [...primary.values(), ...backup.values()];
  before(async () => {
    for (const kind of kinds) {
      primary.set(kind, await startFakeProvider(kind));
      backup.set(kind, await startFakeProvider(kind));
    }
  });
  after(async () => {
    await Promise.all(all().map((f) => f.close()));
  });
  beforeEach(() => {
    for (const f of all()) f.reset();
  });
  return { primary, backup };
}
