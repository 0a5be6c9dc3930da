// The request's abort signal is a LightAbort, not an AbortSignal: these tests hold it to what
// undici and cockatiel expect of a signal (they read `aborted` and `reason` and listen for
// "abort"), so an upgrade of either that wants more fails here rather than in a user's cancel.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { bulkhead } from 'cockatiel';
import { Agent, request } from 'undici';
import { asAbortSignal, LightAbort } from '../../src/gateway/routing/lightAbort';

describe('LightAbort', () => {
  it('calls each listener once, on the first abort, with the reason set before', () => {
    const abort = new LightAbort();
    const seen: unknown[] = [];
    const removed = () => seen.push('removed');
    abort.addEventListener('abort', () => seen.push(['first', abort.aborted, abort.reason]));
    abort.addEventListener('abort', removed);
    abort.addEventListener('abort', () => seen.push('second'));
    abort.removeEventListener('abort', removed);
    const reason = new Error('stop');
    abort.abort(reason);
    abort.abort(new Error('again'));
    abort.addEventListener('abort', () => seen.push('late'));
    assert.deepEqual(seen, [['first', true, reason], 'second']);
    assert.equal(abort.reason, reason);
  });

  it('gives an AbortError as its reason when none is given, as AbortController does', () => {
    const abort = new LightAbort();
    abort.abort();
    assert.ok(abort.reason instanceof DOMException);
    assert.equal((abort.reason as DOMException).name, 'AbortError');
  });

  it('aborts an undici request in flight and closes its socket', async () => {
    let closed!: () => void;
    const socketClosed = new Promise<void>((resolve) => { closed = resolve; });
    const server: Server = createServer((req) => req.socket.once('close', closed)); // never answers
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const agent = new Agent();
    try {
      const abort = new LightAbort();
      const sent = request(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { method: 'POST', body: '{}', signal: asAbortSignal(abort), dispatcher: agent });
      setTimeout(() => abort.abort(), 50);
      await assert.rejects(sent, (e: Error) => e.name === 'AbortError');
      await socketClosed;
    } finally {
      await agent.close();
      server.close();
    }
  });

  it('takes a call waiting in a cockatiel bulkhead out of its queue', async () => {
    const guard = bulkhead(1, 1);
    let release!: () => void;
    const running = guard.execute(() => new Promise<void>((resolve) => { release = resolve; }));
    const abort = new LightAbort();
    let ran = false;
    const waiting = guard.execute(async () => { ran = true; }, asAbortSignal(abort));
    abort.abort();
    release();
    await running;
    await assert.rejects(waiting, (e: Error) => e.message === 'Operation cancelled');
    assert.equal(ran, false, 'the cancelled call never runs');
  });
});
