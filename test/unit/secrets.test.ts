import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { redactSecrets } from '../../src/context/secrets';
import { REPO_ROOT } from './assets';
import { pythonModuleFiles } from './referenceSpans';

// Every fake secret is assembled at run time, so this file holds nothing a scanner would flag.
const fake = {
  privateKey: ['-----BEGIN ', 'RSA PRIVATE KEY-----\n', 'MIIEfakeFAKEfake0123456789\n'.repeat(3), '-----END ', 'RSA PRIVATE KEY-----'].join(''),
  awsAccessKey: ['AK', 'IA', 'FAKE', 'FAKE', 'FAKE', 'FAKE'].join(''),
  awsSecret: ('Fake' + '0123456789').repeat(3).slice(0, 40),
  github: ['gh', 'p_', 'FakeToken0'.repeat(4)].join(''),
  githubPat: ['github', '_pat_', 'FAKE_0123456789'.repeat(3)].join(''),
  anthropic: ['sk', '-ant-', 'api03-', 'FakeKey0'.repeat(5)].join(''),
  openai: ['sk', '-proj-', 'FakeKey1'.repeat(5)].join(''),
  google: ['AI', 'za', 'FakeGoogleKey0'.repeat(3)].join('').slice(0, 39),
  slack: ['xo', 'xb-', '1234567890-fake-token'].join(''),
  slackHook: ['https://hooks.slack.com/services/', 'TFAKE/', 'BFAKE/', 'fakefakefake'].join(''),
  jwt: ['ey', 'JhbGciOiJIUzI1NiJ9', '.', 'ey', 'JzdWIiOiJmYWtlIn0', '.', 'fakesignature123'].join(''),
  dbPassword: ['Fake', '-Pass-', '123'].join(''),
  password: ['hunter2', '-fake'].join(''),
  apiKey: ['fake', 'ApiKey', '0123456789'].join(''),
  clientSecret: ['fake', '.client.', 'secret.42'].join(''),
};

describe('secret scan of payload text', () => {
  const source = [
    'const config = {',
    `  key: \`${fake.privateKey}\`,`,
    `  awsId: '${fake.awsAccessKey}',`,
    `  aws_secret_access_key: "${fake.awsSecret}",`,
    `  gh: "${fake.github}", pat: "${fake.githubPat}",`,
    `  claude: '${fake.anthropic}', openai: '${fake.openai}',`,
    `  maps: "${fake.google}", slack: "${fake.slack}", hook: "${fake.slackHook}",`,
    `  session: "${fake.jwt}",`,
    `  db: "postgres://app:${fake.dbPassword}@db.internal:5432/app",`,
    '};',
    `password = "${fake.password}"`,
    `api_key: '${fake.apiKey}'`,
    `{"client_secret": "${fake.clientSecret}"}`,
  ].join('\n');

  it('replaces each kind with a marker, keeps names, and reports kind and line but never the value', () => {
    const { text, redactions } = redactSecrets(source);
    for (const value of Object.values(fake)) assert.ok(!text.includes(value), `leaked ${value.slice(0, 6)}…`);
    assert.deepEqual(redactions, [
      { kind: 'private-key', line: 2 }, { kind: 'aws-access-key', line: 7 }, { kind: 'aws-secret-key', line: 8 },
      { kind: 'github-token', line: 9 }, { kind: 'github-token', line: 9 }, { kind: 'anthropic-key', line: 10 }, { kind: 'openai-key', line: 10 },
      { kind: 'google-api-key', line: 11 }, { kind: 'slack-token', line: 11 }, { kind: 'slack-webhook', line: 11 }, { kind: 'jwt', line: 12 },
      { kind: 'connection-password', line: 13 }, { kind: 'assigned-secret', line: 15 }, { kind: 'assigned-secret', line: 16 }, { kind: 'assigned-secret', line: 17 },
    ]);
    assert.match(text, /^password = "\[REDACTED:assigned-secret\]"$/m);
    assert.match(text, /^api_key: '\[REDACTED:assigned-secret\]'$/m);
    assert.match(text, /db: "postgres:\/\/app:\[REDACTED:connection-password\]@db\.internal:5432\/app"/);
    assert.match(text, /key: `\[REDACTED:private-key\]`/);
    assert.equal(JSON.stringify(redactions).includes(fake.password), false);
  });

  it('redacts Stripe and Hugging Face keys, bearer tokens, connection-string keys, and a secret after || or ??', () => {
    const stripe = ['sk', '_live_', 'FakeStripe0123456789'].join('');
    const hf = ['hf', '_', 'FakeHuggingFace0123456789abcdef'].join('');
    const bearer = ['Fake', 'Bearer', 'Token', '0123456789abcdef'].join('');
    const accountKey = ['Fake', 'Account', 'Key0123456789=='].join('');
    const dbPass = ['Fake', 'Db', 'Pass9'].join('');
    const fallback = ['Winter', '2024', '-fake'].join('');
    const text = [
      `const stripe = new Stripe("${stripe}");`,
      `login("${hf}")`,
      `headers: { Authorization: "Bearer ${bearer}" },`,
      `conn = "DefaultEndpointsProtocol=https;AccountName=fake;AccountKey=${accountKey};EndpointSuffix=core.windows.net"`,
      `const ado = 'Server=db;Database=app;User Id=app;Password=${dbPass};';`,
      `password: process.env.DB_PASSWORD || "${fallback}",`,
      'password = getpass()',
    ].join('\n');
    const { text: out, redactions } = redactSecrets(text);
    for (const value of [stripe, hf, bearer, accountKey, dbPass, fallback]) assert.ok(!out.includes(value), `leaked ${value.slice(0, 6)}…`);
    assert.deepEqual(redactions.map((r) => [r.kind, r.line]), [
      ['stripe-key', 1], ['huggingface-token', 2], ['bearer-token', 3], ['connection-string-key', 4], ['connection-string-key', 5], ['assigned-secret', 6],
    ]);
    assert.match(out, /password: process\.env\.DB_PASSWORD \|\| "\[REDACTED:assigned-secret\]"/);
    assert.match(out, /^password = getpass\(\)$/m);
  });

  it('leaves code that only mentions secrets alone', () => {
    const code = [
      'const tokenType = "identifier";', 'password = getpass()', 'const secretName = process.env.SECRET_NAME;',
      'api_key = "${API_KEY}"', 'token: string = "";', "credentials = '{0}:{1}'.format(user, passwd)", 'const TOKEN_KIND = "SYNTAX_KIND";',
      'password = "changeme"', 'const skip = "sk-" + suffix;',
    ].join('\n');
    assert.deepEqual(redactSecrets(code), { text: code, redactions: [] });
  });

  it('finds nothing in large real sources that hold no secrets', () => {
    const files = [
      join(REPO_ROOT, 'node_modules/typescript/lib/typescript.d.ts'), join(REPO_ROOT, 'node_modules/undici/lib/web/fetch/index.js'),
      join(REPO_ROOT, 'node_modules/@types/node/crypto.d.ts'), ...pythonModuleFiles(['argparse', 'smtplib', 'imaplib', 'ftplib', 'http.client']),
    ];
    for (const file of files) assert.deepEqual(redactSecrets(readFileSync(file, 'utf8')).redactions, [], file);
  });

  it('finds the password in a real docstring example (urllib.request)', () => {
    const [file] = pythonModuleFiles(['urllib.request']);
    const text = readFileSync(file!, 'utf8');
    const line = text.split('\n').findIndex((l) => /passwd='[^']+'/.test(l)) + 1;
    assert.ok(line > 0, 'the example is in the file');
    assert.deepEqual(redactSecrets(text).redactions, [{ kind: 'assigned-secret', line }]);
  });
});

describe('secret scan: more token formats and assignments', () => {
  // Each case: a line of code or config, and the secret in it that must not survive.
  const hex64 = '0123456789abcdef'.repeat(4);
  const blob = ['Zm9vYmFy', 'ZmFrZWJs', 'b2JmYWtl', 'YmxvYjEy', 'MzQ1Njc4'].join('');
  const cases: Array<[string, string]> = [
    ['redis://:' + 'Fake-Pass-9z' + '@cache.internal:6379', 'Fake-Pass-9z'],
    ['awsKey = "' + ('Fake' + '0123456789').repeat(4).slice(0, 40) + '"', ('Fake' + '0123456789').repeat(4).slice(0, 40)],
    ["headers: { 'x-api-key': '" + 'fakeXKey' + '0123456789' + "' }", 'fakeXKey0123456789'],
    ["Authorization: 'Token " + 'fake0Token1value2abc' + "'", 'fake0Token1value2abc'],
    ['Authorization: "Basic ' + 'ZmFrZTp1c2VyOnBhc3M=' + '"', 'ZmFrZTp1c2VyOnBhc3M='],
    ['pass: "' + 'Fake-Pass-77' + '"', 'Fake-Pass-77'],
    ['const signingKey = "' + hex64 + '";', hex64],
    ['hmac_salt = "' + blob + '"', blob],
    ['const t = "' + ['gl', 'pat-', 'FakeGitlab0123456789'].join('') + '";', ['gl', 'pat-', 'FakeGitlab0123456789'].join('')],
    ['//registry.npmjs.org/:_authToken=' + ['np', 'm_', 'FakeNpm0'.repeat(5).slice(0, 36)].join(''), ['np', 'm_', 'FakeNpm0'.repeat(5).slice(0, 36)].join('')],
    ['SENDGRID = ' + ['S', 'G.', 'FakeSendgrid012345678a', '.', 'FakeSendgridSecretPart0123456789abcdefghijk'].join(''), ['S', 'G.', 'FakeSendgrid012345678a', '.', 'FakeSendgridSecretPart0123456789abcdefghijk'].join('')],
    ['SLACK_APP = ' + ['xa', 'pp-', '1-A0FAKE123-1234567890-', 'abcdef0123456789'].join(''), ['xa', 'pp-', '1-A0FAKE123-1234567890-', 'abcdef0123456789'].join('')],
  ];
  for (const [line, secret] of cases) {
    it(`redacts ${line.slice(0, 28).replace(secret.slice(0, 6), '…')}`, () => {
      const { text, redactions } = redactSecrets(line);
      assert.ok(!text.includes(secret), `still there: ${text}`);
      assert.ok(redactions.length >= 1);
      assert.match(text, /\[REDACTED:[a-z-]+\]/);
    });
  }

  it('leaves ordinary code alone: words, constants, short values, prose with "Basic" or "Token"', () => {
    const code = [
      "const sortKey = 'name';",
      'primaryKey: "user_id",',
      'pass: "true"',
      '// Basic authentication is described in the guide',
      'const Token = lexer.next();',
    ].join('\n');
    assert.equal(redactSecrets(code).text, code);
  });
});
