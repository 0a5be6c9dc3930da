import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Encoders, isEncodingName } from '../../src/context/tokens';
import { ASSETS_DIR } from './assets';

describe('token counts from the shipped rank tables', () => {
  const encoders = new Encoders(ASSETS_DIR);

  it('counts with o200k_base and cl100k_base and round-trips the text', () => {
    // Reference counts from OpenAI's tiktoken for these strings.
    assert.equal(encoders.count('hello world', 'o200k_base'), 2);
    assert.equal(encoders.count('hello world', 'cl100k_base'), 2);
    const code = 'def add(a, b):\n    return a + b\n';
    const tokens = encoders.get('o200k_base').encode(code);
    assert.equal(encoders.get('o200k_base').decode(tokens), code);
    assert.ok(tokens.length > 5 && tokens.length < code.length, `implausible count ${tokens.length}`);
  });

  it('gives different counts for encodings that tokenize differently', () => {
    const text = 'Ковариантность и контравариантность в TypeScript';
    assert.notEqual(encoders.count(text, 'o200k_base'), encoders.count(text, 'cl100k_base'));
  });

  it('builds each encoder once', () => {
    assert.equal(encoders.get('o200k_base'), encoders.get('o200k_base'));
  });

  it('knows its encoding names', () => {
    assert.equal(isEncodingName('o200k_base'), true);
    assert.equal(isEncodingName('p50k_base'), false);
  });
});
