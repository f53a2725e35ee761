// `check` as users run it: the real binary (`node src/main.ts check`) spawned with the project's
// Node, reading stdin, kustomize output, ToolHive's own examples and broken copies of them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { repoRoot } from './golden-cases.ts';

const examplesDir = join(repoRoot, '../shared/reference/toolhive-examples');
const toolhiveCrd = join(
  repoRoot,
  '../shared/reference/toolhive-crds/toolhive.stacklok.dev_mcpserverentries.yaml',
);

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function check(
  args: string[],
  options: { input?: string; env?: Record<string, string> } = {},
): Run {
  const child = spawnSync(process.execPath, ['src/main.ts', 'check', ...args], {
    cwd: repoRoot,
    input: options.input ?? '',
    env: { PATH: process.env['PATH'] ?? '', HOME: tmpdir(), ...options.env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}

type JsonReport = {
  summary: {
    entries: number;
    allowed: number;
    denied: number;
    otherDocuments: number;
    inputErrors: number;
  };
  entries: {
    name: string;
    allowed: boolean;
    denials: { field: string; message: string; rule: string; line: number }[];
    warnings: { message: string }[];
  }[];
  inputErrors: { source: string; line: number; message: string }[];
};

const json = (run: Run): JsonReport => JSON.parse(run.stdout) as JsonReport;

// ToolHive's header example names a Secret the examples do not define; in a real repository it
// would live elsewhere (sealed, external-secrets). --context supplies a stub for it.
const secretStub = `apiVersion: v1
kind: Secret
metadata:
  name: internal-api-credentials
  namespace: toolhive-system
stringData:
  bearer-token: not-a-real-token
`;

let tmp: string;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'check-process-'));
  writeFileSync(join(tmp, 'secret-stub.yaml'), secretStub);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('stdin and pipes', () => {
  test('- reads a multi-document stream from stdin; positions name "<stdin>"', () => {
    const input =
      readFileSync(join(repoRoot, 'test/fixtures/cli/denied/neighbours.yaml'), 'utf8') +
      '---\n' +
      readFileSync(join(repoRoot, 'test/fixtures/cli/denied/entries.yaml'), 'utf8');
    const run = check(['-o', 'json', '-'], { input });
    assert.equal(run.code, 1);
    const report = json(run);
    assert.equal(report.summary.entries, 5);
    assert.equal(report.summary.otherDocuments, 3);
    assert.match(run.stdout, /"source": "<stdin>"/);
  });

  test('kubectl kustomize output piped in', () => {
    const built = execFileSync(
      'kubectl',
      ['kustomize', join(repoRoot, 'test/fixtures/cli/kustomize')],
      {
        encoding: 'utf8',
      },
    );
    const run = check(['-'], { input: built });
    assert.equal(run.stderr, '');
    assert.equal(run.code, 0, run.stdout);
    assert.match(
      run.stdout,
      /PASS: 1 MCPServerEntry checked, 1 allowed, 0 denied, 1 other document/,
    );
  });

  test('kustomize output with a broken entry fails with its field', () => {
    const built = execFileSync(
      'kubectl',
      ['kustomize', join(repoRoot, 'test/fixtures/cli/kustomize')],
      {
        encoding: 'utf8',
      },
    ).replace('https://mcp.example.com/mcp', 'http://localhost:9000/mcp');
    const run = check(['-'], { input: built });
    assert.equal(run.code, 1);
    assert.match(run.stdout, /^<stdin>:\d+:\d+: error: team-k\/from-kustomize: spec\.remoteUrl: /m);
  });
});

describe("ToolHive's examples", () => {
  test('pass together (neighbours in sibling files), with the Secret from --context', () => {
    const run = check(['-o', 'json', examplesDir, '--context', join(tmp, 'secret-stub.yaml')]);
    assert.equal(run.code, 0, run.stdout);
    const report = json(run);
    assert.equal(report.summary.entries, 5);
    assert.equal(report.summary.denied, 0);
    assert.equal(report.summary.inputErrors, 0);
  });

  test('without the Secret, --references decides: error denies, warn allows', () => {
    const strict = check(['-o', 'json', examplesDir]);
    assert.equal(strict.code, 1);
    const denied = json(strict).entries.filter((e) => !e.allowed);
    assert.deepEqual(
      denied.map((e) => e.name),
      ['internal-api'],
    );
    assert.match(denied[0]!.denials[0]!.message, /Secret does not exist/);
    assert.equal(check([examplesDir, '--references', 'warn']).code, 0);
  });

  const mutations: {
    name: string;
    file: string;
    change: (text: string) => string;
    expect: { entry: string; field: string; message: RegExp }[];
  }[] = [
    {
      name: 'a loopback remoteUrl',
      file: 'mcpserverentry_basic.yaml',
      change: (t) => t.replace('https://mcp.context7.com/mcp', 'http://127.0.0.1:8080/mcp'),
      expect: [{ entry: 'context7', field: 'spec.remoteUrl', message: /127\.0\.0\.1|loopback/i }],
    },
    {
      name: 'an auth config type an entry cannot use',
      file: 'mcpserverentry_with_token_exchange.yaml',
      change: (t) => t.replace('type: tokenExchange', 'type: bearerToken'),
      expect: [
        {
          entry: 'salesforce-mcp',
          field: 'spec.externalAuthConfigRef.name',
          message: /bearerToken.*cannot use/,
        },
      ],
    },
    {
      name: 'the CA ConfigMap removed',
      file: 'mcpserverentry_with_ca_bundle.yaml',
      change: (t) =>
        t.replace('name: corp-ca-bundle\n  namespace', 'name: other-bundle\n  namespace'),
      expect: [
        {
          entry: 'internal-mcp',
          field: 'spec.caBundleRef.configMapRef.name',
          message: /ConfigMap does not exist/,
        },
      ],
    },
    {
      name: 'a hop-by-hop header',
      file: 'mcpserverentry_with_header_forward.yaml',
      change: (t) => t.replace('X-Tenant-ID: "tenant-123"', 'Connection: "close"'),
      expect: [
        {
          entry: 'internal-api',
          field: 'spec.headerForward.addPlaintextHeaders[Connection]',
          message: /Connection/,
        },
      ],
    },
    {
      name: 'transport: on (a YAML 1.1 boolean)',
      file: 'mcpserverentry_with_header_forward.yaml',
      change: (t) => t.replace('transport: sse', 'transport: on'),
      expect: [{ entry: 'internal-api', field: 'spec.transport', message: /boolean|string/ }],
    },
    {
      name: 'a misspelt field (strict field validation)',
      file: 'mcpserverentry_basic.yaml',
      change: (t) =>
        t.replace(
          '  remoteUrl: https://mcp.context7.com/mcp',
          '  remoteUrl: https://mcp.context7.com/mcp\n  remoteURL: https://x',
        ),
      expect: [{ entry: 'context7', field: 'spec.remoteURL', message: /unknown field/ }],
    },
    {
      name: 'the shared group removed: every entry in it fails',
      file: 'mcpserverentry_basic.yaml',
      change: (t) =>
        t.replace(
          'name: remote-tools\n  namespace: toolhive-system',
          'name: renamed-tools\n  namespace: toolhive-system',
        ),
      // (context7 here is the first file's; the mixed-group example's uses its own group.)
      expect: ['context7', 'internal-mcp', 'internal-api', 'salesforce-mcp'].map((entry) => ({
        entry,
        field: 'spec.groupRef.name',
        message: /MCPGroup does not exist/,
      })),
    },
  ];

  for (const m of mutations) {
    test(`a mutated copy fails: ${m.name}`, () => {
      const dir = mkdtempSync(join(tmp, 'examples-'));
      for (const name of readdirSync(examplesDir)) {
        const text = readFileSync(join(examplesDir, name), 'utf8');
        const changed = name === m.file ? m.change(text) : text;
        if (name === m.file) assert.notEqual(changed, text, 'the mutation applies');
        writeFileSync(join(dir, name), changed);
      }
      const run = check(['-o', 'json', dir, '--context', join(tmp, 'secret-stub.yaml')]);
      assert.equal(run.code, 1, run.stdout);
      const report = json(run);
      for (const e of m.expect) {
        const entry = report.entries.find((x) => x.name === e.entry);
        assert.ok(entry !== undefined && !entry.allowed, `${e.entry} denied`);
        const hit = entry.denials.find((d) => d.field === e.field && e.message.test(d.message));
        assert.ok(
          hit !== undefined,
          `${e.entry}: ${e.field} ~ ${e.message} in ${JSON.stringify(entry.denials)}`,
        );
        assert.ok(hit.line > 1, 'points into the document');
      }
      const expectedDenied = new Set(m.expect.map((e) => e.entry));
      assert.equal(report.summary.denied, expectedDenied.size, 'nothing else is denied');
    });
  }
});

describe('input errors', () => {
  test('broken YAML: exit 2 with its location, the other files still checked', () => {
    const run = check(['test/fixtures/cli/broken', 'test/fixtures/cli/valid']);
    assert.equal(run.code, 2);
    assert.match(run.stdout, /^test\/fixtures\/cli\/broken\/broken\.yaml:\d+:\d+: input error: /m);
    assert.match(
      run.stdout,
      /^FAIL: 4 MCPServerEntries checked, 4 allowed, 0 denied, 5 other documents, 4 input errors$/m,
    );
    const report = json(
      check(['-o', 'json', 'test/fixtures/cli/broken', 'test/fixtures/cli/valid']),
    );
    assert.ok(report.entries.some((e) => e.name === 'context7' && e.allowed));
    assert.ok(report.inputErrors.some((e) => e.source.endsWith('broken.yaml') && e.line >= 7));
  });

  test('hostile YAML (alias expansion bomb): exit 2 with a clear error, no hang', () => {
    const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const next = String.fromCharCode(97 + i);
      laughs.push(`${next}: &${next} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const run = check(['-'], { input: `${laughs.join('\n')}\n` });
    assert.equal(run.code, 2);
    assert.match(run.stdout, /^<stdin>:\d+:\d+: input error: .*alias/im);
  });

  test('a List kind: its items are checked one by one', () => {
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'toolhive.stacklok.dev/v1beta1',
          kind: 'MCPGroup',
          metadata: { name: 'g', namespace: 'l' },
          status: { phase: 'Ready' },
        },
        {
          apiVersion: 'toolhive.stacklok.dev/v1beta1',
          kind: 'MCPServerEntry',
          metadata: { name: 'e', namespace: 'l' },
          spec: { remoteUrl: 'https://a.example.com', transport: 'sse', groupRef: { name: 'g' } },
        },
        {
          apiVersion: 'toolhive.stacklok.dev/v1beta1',
          kind: 'MCPServerEntry',
          metadata: { name: 'bad', namespace: 'l' },
          spec: { remoteUrl: 'http://[::1]/', transport: 'sse', groupRef: { name: 'g' } },
        },
      ],
    };
    const run = check(['-o', 'json', '-'], { input: JSON.stringify(list) });
    assert.equal(run.code, 1);
    const report = json(run);
    assert.deepEqual(
      report.entries.map((e) => [e.name, e.allowed]),
      [
        ['e', true],
        ['bad', false],
      ],
    );
    assert.equal(report.summary.otherDocuments, 1);
  });

  test('a path that names nothing: exit 2, named in the report', () => {
    const run = check(['test/fixtures/cli/valid', 'no/such/file.yaml']);
    assert.equal(run.code, 2);
    assert.match(run.stdout, /^no\/such\/file\.yaml: input error: no such file or directory/m);
  });

  test('usage errors: exit 2 on stderr, nothing on stdout', () => {
    const run = check(['--output', 'xml', 'x.yaml']);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /--output must be one of/);
  });

  test('a --crd that does not exist: exit 2 with a message, no stack trace', () => {
    const run = check(['--crd', join(tmp, 'nope.yaml'), 'test/fixtures/cli/valid']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /cannot use --crd .*nope\.yaml/);
    assert.doesNotMatch(run.stderr, /\n\s+at /);
  });
});

describe('globs, help and colour', () => {
  test('a quoted glob is expanded by check itself', () => {
    const report = json(check(['-o', 'json', 'test/fixtures/cli/{valid,warnings}/*.yaml']));
    assert.equal(report.summary.entries, 3); // the JSON file is not matched by *.yaml
  });

  test('--help prints the usage and exits 0', () => {
    const run = check(['--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^Usage: mcpentry-webhook check/);
  });

  test('no colour when stdout is not a terminal, even when FORCE-like variables are set', () => {
    const run = check(['test/fixtures/cli/denied'], { env: { TERM: 'xterm-256color' } });
    assert.equal(run.stdout.includes('\u001b['), false);
  });
});

describe('--crd with CEL rules', () => {
  type CrdDoc = {
    spec: {
      versions: {
        schema: { openAPIV3Schema: { properties: { spec: Record<string, unknown> } } };
      }[];
    };
  };
  /** A copy of a CRD with `rules` on spec in every version, written to the temp dir. */
  function crdWithRules(source: string, name: string, rules: object[]): string {
    const crd = parse(readFileSync(source, 'utf8')) as CrdDoc;
    for (const v of crd.spec.versions)
      v.schema.openAPIV3Schema.properties.spec['x-kubernetes-validations'] = rules;
    const file = join(tmp, name);
    writeFileSync(file, stringify(crd));
    return file;
  }

  test('ToolHive examples pass an evaluated rule: no "not checked" warning is left', () => {
    const file = crdWithRules(toolhiveCrd, 'toolhive-crd-with-cel.yaml', [
      { rule: "url(self.remoteUrl).getScheme() == 'https'", message: 'remoteUrl must use https' },
    ]);
    const args = [
      '-o',
      'json',
      '--crd',
      file,
      examplesDir,
      '--context',
      join(tmp, 'secret-stub.yaml'),
    ];
    const run = check(args);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const report = json(run);
    assert.ok(report.entries.length > 0);
    for (const e of report.entries)
      assert.ok(!e.warnings.some((w) => w.message.startsWith('not checked offline')), e.name);
  });

  test('a failing rule denies at its fieldPath with its message; exit 1; unsupported rules warn', () => {
    const file = crdWithRules(
      join(repoRoot, 'deploy/crds/mcpserverentries.yaml'),
      'ours-with-cel.yaml',
      [
        { rule: "url(self.remoteUrl).getScheme() == 'https'", message: 'remoteUrl must use https' },
        {
          rule: "self.transport == 'streamable-http'",
          message: 'only streamable-http is allowed here',
          fieldPath: '.transport',
        },
        { rule: "semver('1.0.0').major() >= 1", message: 'uses a library we lack' },
      ],
    );
    const run = check(['-o', 'json', '--crd', file, 'test/fixtures/cli/valid']);
    assert.equal(run.code, 1, run.stderr + run.stdout);
    const report = json(run);
    const byName = new Map(report.entries.map((e) => [e.name, e]));
    assert.equal(byName.get('context7')?.allowed, true);
    const internal = byName.get('internal');
    assert.equal(internal?.allowed, false);
    assert.deepEqual(
      internal?.denials.map((d) => [d.field, d.message, d.rule, d.line]),
      [
        [
          'spec.transport',
          'Invalid value: "object": only streamable-http is allowed here',
          'cel',
          21,
        ],
      ],
    );
    for (const e of report.entries)
      assert.ok(
        e.warnings.some(
          (w) =>
            w.message ===
            "not checked offline: semver('1.0.0').major() >= 1 (uses <value>.major(), semver(), not available offline)",
        ),
        `${e.name} names the rule it could not check`,
      );
    const text = check(['--crd', file, 'test/fixtures/cli/valid']);
    assert.equal(text.code, 1);
    assert.match(
      text.stdout,
      /entries\.yaml:21:\d+: error: team-a\/internal: spec\.transport: Invalid value: "object": only streamable-http is allowed here/,
    );
  });
});
