// Canaries: secret values planted where an attacker or a careless manifest puts them (Secret
// data the lookup reads, plaintext header values, a token in the remoteUrl query, credentials in
// the URL, an Authorization header on the request itself), then every output of the server is
// searched for them: raw log lines, answer bodies and headers, decoded patches, error
// messages, /metrics, health. None may appear, in plain, base64 or percent-encoded form.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';
import { freePort } from '../../bench/servers.ts';
import { entry, review, type Json } from '../support/reviews.ts';
import { get, post, postH2, startTestServer, type TestServer } from '../support/test-server.ts';

const canaries = {
  secretFixture: 'canary-secret-value-7f3a9',
  secretBase64: 'canary-b64-secret-5e1d',
  configMap: 'canary-configmap-8c2b',
  plaintextHeader: 'canary-plain-header-41c0',
  injectedHeader: 'canary-crlf-header-93aa',
  urlToken: 'canary-url-token-d2b7',
  urlPassword: 'canary-url-password-0e61',
  fragmentToken: 'canary-fragment-6a4e',
  requestAuthorization: 'canary-authz-header-77f1',
} as const;

let s: TestServer;
let metricsPort: number;
const outputs: string[] = [];

before(async () => {
  metricsPort = await freePort();
  s = await startTestServer([
    '--metrics-port',
    String(metricsPort),
    '--objects',
    new URL('./fixtures/', import.meta.url).pathname,
  ]);
});
after(async () => {
  await s.stop();
});

function record(a: { status: number; headers: Record<string, unknown>; body: string }): void {
  outputs.push(String(a.status), JSON.stringify(a.headers), a.body);
  const patch = (a.body.startsWith('{') ? (JSON.parse(a.body) as Json) : {})['response'] as
    Json | undefined;
  if (typeof patch?.['patch'] === 'string')
    outputs.push(Buffer.from(patch['patch'], 'base64').toString('utf8'));
}

async function sendBoth(body: Json, headers: Record<string, string> = {}): Promise<Json[]> {
  const answers: Json[] = [];
  for (const path of ['/validate', '/mutate']) {
    const a = await post(`${s.url}${path}?timeout=10s`, s.ca, JSON.stringify(body), {
      'content-type': 'application/json',
      ...headers,
    });
    record(a);
    answers.push(a.json as Json);
  }
  const h2 = await postH2(`${s.url}/validate`, s.ca, JSON.stringify(body));
  record(h2);
  return answers;
}

function metricsText(): Promise<string> {
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port: metricsPort, path: '/metrics' }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(text));
    })
      .on('error', reject)
      .end();
  });
}

const spellings = (v: string): string[] => [
  v,
  Buffer.from(v).toString('base64'),
  Buffer.from(v).toString('base64url'),
  encodeURIComponent(v),
  // The tail alone, in case a message cuts a value short.
  v.slice(-8),
];

test('no planted secret, header value or token appears in any output', async () => {
  const allowedOrDenied = (verdicts: Json[]): boolean[] =>
    verdicts.map((v) => (v['response'] as Json | undefined)?.['allowed'] === true);

  // Secret data the lookup reads: present key (allowed), missing key (denied, names the key).
  const secretRefs = await sendBoth(
    review(
      'CREATE',
      entry({
        headerForward: {
          addHeadersFromSecret: [
            { headerName: 'X-Api-Key', valueSecretRef: { name: 'search-api', key: 'api-key' } },
            { headerName: 'X-Token', valueSecretRef: { name: 'canary-creds', key: 'token' } },
          ],
        },
        caBundleRef: { configMapRef: { name: 'canary-ca', key: 'ca.crt' } },
      }),
    ),
  );
  assert.deepEqual(allowedOrDenied(secretRefs), [true, true]);
  const missingKey = await sendBoth(
    review(
      'CREATE',
      entry({
        headerForward: {
          addHeadersFromSecret: [
            { headerName: 'X-Token', valueSecretRef: { name: 'canary-creds', key: 'nope' } },
          ],
        },
      }),
    ),
  );
  assert.equal(allowedOrDenied(missingKey)[0], false);

  // Plaintext header values: a credential-like name (warned) and a CR/LF injection (denied).
  const plaintext = await sendBoth(
    review(
      'CREATE',
      entry({
        headerForward: {
          addPlaintextHeaders: { Authorization: `Bearer ${canaries.plaintextHeader}` },
        },
      }),
    ),
  );
  assert.equal(allowedOrDenied(plaintext)[0], true);
  const injected = await sendBoth(
    review(
      'CREATE',
      entry({
        headerForward: {
          addPlaintextHeaders: { 'X-Tenant': `${canaries.injectedHeader}\r\nHost: evil` },
        },
      }),
    ),
  );
  assert.equal(allowedOrDenied(injected)[0], false);

  // Tokens in the remoteUrl: query and fragment on an allowed URL, on a denied one, and a
  // password in the userinfo (denied for carrying credentials).
  await sendBoth(
    review(
      'CREATE',
      entry({
        remoteUrl: `https://mcp.example.com/mcp?access_token=${canaries.urlToken}#${canaries.fragmentToken}`,
      }),
    ),
  );
  const deniedUrl = await sendBoth(
    review(
      'CREATE',
      entry({ remoteUrl: `http://169.254.169.254/latest?token=${canaries.urlToken}` }),
    ),
  );
  assert.equal(allowedOrDenied(deniedUrl)[0], false);
  // A scheme the CRD's own pattern refuses too: the schema finding must not quote it either.
  const scheme = await sendBoth(
    review('CREATE', entry({ remoteUrl: `ftp://mcp.example.com/?token=${canaries.urlToken}` })),
  );
  assert.equal(allowedOrDenied(scheme)[0], false);
  const credentials = await sendBoth(
    review(
      'CREATE',
      entry({ remoteUrl: `https://admin:${canaries.urlPassword}@mcp.example.com/` }),
    ),
  );
  assert.equal(allowedOrDenied(credentials)[0], false);
  // Ratcheting path: an UPDATE whose unchanged bad URL turns into a warning.
  const bad = entry({
    remoteUrl: `https://admin:${canaries.urlPassword}@mcp.example.com/?t=${canaries.urlToken}`,
  });
  await sendBoth(
    review('UPDATE', { ...bad, spec: { ...(bad['spec'] as Json), transport: 'sse' } }, bad),
  );

  // An Authorization header on the HTTP request itself, on a good and a malformed body.
  await sendBoth(review('CREATE', entry()), {
    authorization: `Bearer ${canaries.requestAuthorization}`,
  });
  const malformed = await post(`${s.url}/validate`, s.ca, '{"apiVersion":', {
    'content-type': 'application/json',
    authorization: `Bearer ${canaries.requestAuthorization}`,
  });
  record(malformed);
  assert.equal(malformed.status, 400);

  for (const path of ['/healthz', '/readyz']) record(await get(`${s.url}${path}`, s.ca));
  const metrics = await metricsText();
  assert.match(metrics, /mcpentry_webhook_reviews_total/);
  outputs.push(metrics);
  // Let the asynchronous log writes land.
  await new Promise((r) => setTimeout(r, 100));
  outputs.push(...s.rawLogs);

  const everything = outputs.join('\n');
  assert.ok(s.rawLogs.length > 20, 'the server logged the reviews');
  for (const [name, value] of Object.entries(canaries)) {
    for (const spelling of spellings(value)) {
      assert.ok(!everything.includes(spelling), `${name} leaked as ${JSON.stringify(spelling)}`);
    }
  }
});
