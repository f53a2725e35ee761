// Reporter properties that golden files do not pin down: hostile text cannot break out of the
// format (an annotation, an XML attribute, a terminal escape), and every format carries every
// finding with its location.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  stdinSource,
  summarize,
  type CheckReport,
  type EntryResult,
} from '../../src/cli/check-report.ts';
import { STDIN_SOURCE } from '../../src/manifests/read-manifests.ts';
import { reporters, useColor } from '../../src/cli/reporter.ts';
import { outputFormats } from '../../src/cli/check-args.ts';
import { fieldPath } from '../../src/model/field-path.ts';

const hostile = 'line one\nline two: 100% <b>&"\'\u0001,::error::';

function sampleReport(): CheckReport {
  const entry: EntryResult = {
    position: { source: 'dir/a b.yaml', line: 3, column: 1 },
    apiVersion: 'toolhive.stacklok.dev/v1beta1',
    namespace: 'ns',
    name: 'e1',
    allowed: false,
    denials: [
      {
        path: fieldPath('spec', 'remoteUrl'),
        type: 'Forbidden',
        detail: hostile,
        rule: 'remote-url.test',
        source: 'dir/a b.yaml',
        line: 9,
        column: 14,
      },
    ],
    warnings: [
      {
        path: fieldPath('spec', 'groupRef', 'name'),
        type: 'Invalid',
        detail: 'group not ready',
        phrasing: 'note',
        rule: 'reference.group.not-ready',
        source: 'dir/a b.yaml',
        line: 12,
        column: 11,
      },
    ],
    patch: [{ op: 'add', path: '/spec/allowPrivateEndpoint', value: false }],
  };
  const errors = [{ source: 'bad.yaml', line: 2, column: 5, message: 'broken YAML' }];
  return {
    entries: [entry],
    inputErrors: errors,
    skipped: [],
    summary: summarize([entry], errors, 4),
    showDefaults: true,
  };
}

const options = { color: false, toolVersion: '9.9.9' };

describe('every format', () => {
  for (const format of outputFormats) {
    test(`${format} names the denial's rule and the input error`, () => {
      const out = reporters[format](sampleReport(), options);
      assert.match(out, /remote-url\.test/);
      assert.match(out, /broken YAML/);
      assert.match(out, /reference\.group\.not-ready/);
    });
  }
});

describe('text', () => {
  test('file:line:column, severity, object, field, message, rule; summary last', () => {
    const lines = reporters.text(sampleReport(), options).trimEnd().split('\n');
    assert.equal(lines[0], 'bad.yaml:2:5: input error: broken YAML');
    assert.match(
      lines[1]!,
      /^dir\/a b\.yaml:9:14: error: ns\/e1: spec\.remoteUrl: Forbidden: line one/,
    );
    assert.ok(
      lines.some((l) =>
        l.startsWith('dir/a b.yaml:12:11: warning: ns/e1: spec.groupRef.name: group not ready'),
      ),
    );
    assert.ok(
      lines.some(
        (l) => l === 'dir/a b.yaml:3:1: default: ns/e1: add /spec/allowPrivateEndpoint false',
      ),
    );
    assert.equal(
      lines.at(-1),
      'FAIL: 1 MCPServerEntry checked, 0 allowed, 1 denied, 4 other documents, 1 input error',
    );
  });
  test('colour only when asked, and then with ANSI codes', () => {
    const escape = '\u001b[';
    assert.equal(reporters.text(sampleReport(), options).includes(escape), false);
    assert.ok(
      reporters.text(sampleReport(), { ...options, color: true }).includes(`${escape}1;31merror`),
    );
  });
  test('useColor: a TTY without NO_COLOR only', () => {
    assert.equal(useColor(true, {}), true);
    assert.equal(useColor(true, { NO_COLOR: '1' }), false);
    assert.equal(useColor(true, { NO_COLOR: '' }), true);
    assert.equal(useColor(true, { TERM: 'dumb' }), false);
    assert.equal(useColor(false, {}), false);
    assert.equal(useColor(undefined, {}), false);
  });
});

describe('github', () => {
  test('a newline or :: in a message cannot start a new workflow command', () => {
    const out = reporters.github(sampleReport(), options);
    const commands = out.split('\n').filter((l) => l.startsWith('::'));
    assert.equal(commands.length, 4); // input error, denial, warning, defaults notice
    const denial = commands.find((l) => l.includes('remote-url.test'))!;
    assert.match(
      denial,
      /^::error file=dir\/a b\.yaml,line=9,col=14,title=MCPServerEntry denied \(remote-url\.test\)::/,
    );
    // The renderer escapes the newline itself; the command's own escaping still covers %.
    assert.match(denial, /line one\\u000aline two: 100%25 /);
  });
  test('stdin has no file in the checkout: no file property, the position goes in the text', () => {
    assert.equal(stdinSource, STDIN_SOURCE);
    const report = sampleReport();
    const piped = {
      ...report,
      inputErrors: [{ source: stdinSource, line: 4, column: 2, message: 'x' }],
    };
    assert.match(reporters.github(piped, options), /^::error title=input error::<stdin>:4:2: x$/m);
  });
  test('properties escape , and :', () => {
    const report = sampleReport();
    const odd = {
      ...report,
      inputErrors: [{ source: 'a,b:c.yaml', line: 1, column: 1, message: 'x' }],
    };
    assert.match(reporters.github(odd, options), /file=a%2Cb%3Ac\.yaml,/);
  });
});

describe('junit', () => {
  test('well-formed: escaped attributes, no raw control characters', () => {
    const out = reporters.junit(sampleReport(), options);
    assert.doesNotMatch(out, /[\u0000-\u0008]/);
    assert.match(out, /\\u0001/);
    assert.match(out, /&lt;b&gt;&amp;&quot;&apos;/);
    assert.match(
      out,
      /<testsuites name="mcpentry-webhook check" tests="2" failures="1" errors="1">/,
    );
    assert.match(out, /<error type="input" message="broken YAML">/);
  });
});

describe('sarif', () => {
  test('2.1.0 with one result per finding, rules listed, URIs encoded', () => {
    const log = JSON.parse(reporters.sarif(sampleReport(), options)) as {
      version: string;
      runs: {
        tool: { driver: { name: string; version: string; rules: { id: string }[] } };
        results: {
          ruleId: string;
          level: string;
          locations: {
            physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } };
          }[];
        }[];
      }[];
    };
    assert.equal(log.version, '2.1.0');
    const run = log.runs[0]!;
    assert.equal(run.tool.driver.version, '9.9.9');
    assert.deepEqual(
      run.tool.driver.rules.map((r) => r.id),
      ['input-error', 'reference.group.not-ready', 'remote-url.test'],
    );
    assert.deepEqual(
      run.results.map((r) => [
        r.ruleId,
        r.level,
        r.locations[0]!.physicalLocation.artifactLocation.uri,
        r.locations[0]!.physicalLocation.region.startLine,
      ]),
      [
        ['input-error', 'error', 'bad.yaml', 2],
        ['remote-url.test', 'error', 'dir/a%20b.yaml', 9],
        ['reference.group.not-ready', 'warning', 'dir/a%20b.yaml', 12],
      ],
    );
  });
});

describe('json', () => {
  test('schemaVersion 1 with summary, entries, input errors and skipped inputs', () => {
    const body = JSON.parse(reporters.json(sampleReport(), options)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body), [
      'schemaVersion',
      'summary',
      'entries',
      'inputErrors',
      'skipped',
    ]);
    assert.equal(body['schemaVersion'], 1);
  });
});
