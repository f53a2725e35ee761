// Log redaction is a second line of defence (the review path never logs values in the first
// place), implemented by hand for speed. It must redact exactly what pino's own `redact` option
// would with the same paths: each case is logged through both and the lines compared.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import {
  createLogger,
  infoLineWriter,
  redactedPaths,
  redactLogObject,
  routeProcessWarnings,
} from '../src/log.ts';

function capture(): { stream: Writable; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue;
        const parsed = JSON.parse(line) as Record<string, unknown>;
        delete parsed['time'];
        lines.push(parsed);
      }
      cb();
    },
  });
  return { stream, lines };
}

const secret = 'canary-7f3a9';
const cases: [string, Record<string, unknown>][] = [
  [
    'a review line: nothing to redact',
    { path: 'validate', uid: 'u-1', decision: 'allowed', denied: ['spec.x (schema)'] },
  ],
  ['whole objects', { object: { spec: { x: secret } }, oldObject: { spec: { x: secret } } }],
  [
    'objects inside a request',
    { request: { uid: 'u', object: { a: secret }, oldObject: { a: secret }, kind: 'K' } },
  ],
  [
    'plaintext headers under any key',
    { spec: { addPlaintextHeaders: { 'X-Key': secret }, transport: 'sse' } },
  ],
  [
    'Secret and ConfigMap data under any key',
    {
      secret: {
        data: { k: secret },
        stringData: { k: secret },
        binaryData: { k: secret },
        type: 'Opaque',
      },
    },
  ],
  ['tokens at the top and one level down', { token: secret, auth: { token: secret, user: 'x' } }],
  [
    'authorization headers',
    {
      headers: { authorization: secret, accept: 'json' },
      req: { headers: { authorization: secret, host: 'h' } },
    },
  ],
  ['arrays under a wildcard', { items: [{ data: secret }, { token: secret }], list: [1, 2] }],
  ['deeper than the paths reach stays as is', { a: { b: { data: 'not-a-secret-path' } } }],
  [
    'an Error with a redacted field',
    { err: Object.assign(new Error('boom'), { data: { k: secret } }) },
  ],
];

for (const [name, obj] of cases) {
  test(`redaction matches pino's redact: ${name}`, () => {
    const ours = capture();
    const reference = capture();
    createLogger('info', ours.stream).info(obj, 'line');
    pino(
      {
        base: { service: 'mcpentry-webhook' },
        redact: { paths: redactedPaths, censor: '[redacted]' },
        formatters: { level: (label: string) => ({ level: label }) },
        timestamp: false,
      },
      reference.stream,
    ).info(obj, 'line');
    assert.deepEqual(ours.lines, reference.lines);
  });
}

test('redaction never changes the caller object and copies only what it changes', () => {
  const obj = { uid: 'u', spec: { addPlaintextHeaders: { a: secret } }, untouched: { n: 1 } };
  const before = JSON.stringify(obj);
  const out = redactLogObject(obj);
  assert.equal(JSON.stringify(obj), before);
  assert.notEqual(out, obj);
  assert.equal(out.untouched, obj.untouched);
  const clean = { uid: 'u', decision: 'allowed' };
  assert.equal(redactLogObject(clean), clean);
});

test('an Error keeps its message and stack when a field of it is redacted', () => {
  const err = Object.assign(new Error('boom'), { data: { k: secret } });
  const ours = capture();
  createLogger('info', ours.stream).error({ err }, 'failed');
  const logged = ours.lines[0]!['err'] as Record<string, unknown>;
  assert.equal(logged['message'], 'boom');
  assert.match(String(logged['stack']), /boom/);
  assert.equal(logged['data'], '[redacted]');
});

test('child and grandchild bindings are redacted too', () => {
  const ours = capture();
  const child = createLogger('info', ours.stream).child({ token: secret, db: { data: secret } });
  child.child({ headers: { authorization: secret } }).info('x');
  assert.equal(ours.lines[0]!['token'], '[redacted]');
  assert.deepEqual(ours.lines[0]!['db'], { data: '[redacted]' });
  assert.deepEqual(ours.lines[0]!['headers'], { authorization: '[redacted]' });
});

test('no line of the redaction cases leaks the secret where a path covers it', () => {
  const ours = capture();
  const log = createLogger('info', ours.stream);
  for (const [, obj] of cases.slice(1, 7)) log.info(obj, 'line');
  assert.ok(!JSON.stringify(ours.lines).includes(secret));
});

test('every line carries an ISO-8601 time, as pino.stdTimeFunctions.isoTime writes it', () => {
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      raw.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((l) => l !== ''),
      );
      cb();
    },
  });
  const log = createLogger('info', stream);
  const before = Date.now();
  for (let i = 0; i < 3; i++) log.info({ i }, 'line');
  for (const line of raw) {
    const time = (JSON.parse(line) as { time: string }).time;
    assert.match(time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(Date.parse(time) >= before - 1 && Date.parse(time) <= Date.now());
  }
});

// The review line's fast writer: the same line as the logger's own info(), for plain data.
for (const [name, obj] of cases.filter(
  ([, o]) => !Object.values(o).some((v) => v instanceof Error),
)) {
  test(`the hot-path line writer writes what info() writes, redacted: ${name}`, () => {
    const viaInfo = capture();
    const viaWriter = capture();
    createLogger('info', viaInfo.stream).info(obj, 'line');
    infoLineWriter(createLogger('info', viaWriter.stream), 'line')(obj);
    assert.deepEqual(viaWriter.lines, viaInfo.lines);
  });
}

test('the hot-path line writer matches info() byte for byte, leaves out undefined, and honours the level', () => {
  const raw = (level: string, write: (l: ReturnType<typeof createLogger>) => void): string => {
    let out = '';
    const stream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        out += chunk.toString('utf8');
        cb();
      },
    });
    write(createLogger(level, stream));
    return out.replace(/"time":"[^"]*"/g, '"time":"T"');
  };
  const fields = {
    path: 'validate',
    uid: 'u"\\\n\u2028',
    namespace: 'default',
    dryRun: false,
    decision: 'denied',
    denied: ['spec.remoteUrl (remote-url.loopback)', 'spec.groupRef.name (reference.mcpgroup)'],
    latencyMs: 0.123,
  };
  const expected = raw('info', (l) => l.info(fields, 'review'));
  assert.match(
    expected,
    /^\{"level":"info","time":"T","service":"mcpentry-webhook","path":"validate",.*"msg":"review"\}\n$/s,
  );
  assert.equal(
    raw('info', (l) => infoLineWriter(l, 'review')(fields)),
    expected,
  );
  assert.equal(
    raw('info', (l) => infoLineWriter(l, 'review')({ ...fields, skippedBecause: undefined })),
    expected,
  );
  assert.equal(
    raw('warn', (l) => infoLineWriter(l, 'review')(fields)),
    '',
  );
});

test('levels are written by name, and Node process warnings become warn lines', async () => {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const log = createLogger('info', stream);
  log.error('e');
  const nodeListeners = process.listenerCount('warning');
  const restore = routeProcessWarnings(log);
  try {
    // Node's own printer is set aside: only ours listens.
    assert.equal(process.listenerCount('warning'), 1);
    process.emitWarning('old API', { type: 'DeprecationWarning', code: 'MCP_TEST_DEP' });
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    restore();
  }
  assert.equal(process.listenerCount('warning'), nodeListeners);
  assert.deepEqual(
    lines.map((l) => [l['level'], l['msg'], l['warning'], l['code'], l['problem']]),
    [
      ['error', 'e', undefined, undefined, undefined],
      ['warn', 'process warning', 'DeprecationWarning', 'MCP_TEST_DEP', 'old API'],
    ],
  );
});
