// `check` on what platform teams' repositories hold (issue #15): misspelt kinds and groups,
// metadata the API server refuses, empty inputs, groups defined next to their entries (never
// with status), Helm charts and other YAML beside the manifests, and --exclude.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCheckCaptured } from './golden-cases.ts';

interface Report {
  summary: { entries: number; denied: number; otherDocuments: number; skipped: number };
  entries: {
    name: string;
    allowed: boolean;
    denials: { field: string; rule: string; message: string; line: number; column: number }[];
    warnings: { rule: string }[];
  }[];
  inputErrors: { source: string; message: string }[];
  skipped: { source: string; reason: string }[];
}

async function check(args: string[], stdin = ''): Promise<{ code: number; report: Report }> {
  const run = await runCheckCaptured(['--output', 'json', ...args], { stdin });
  return { code: run.code, report: JSON.parse(run.stdout) as Report };
}

const group = `---
apiVersion: toolhive.stacklok.dev/v1beta1
kind: MCPGroup
metadata:
  name: engineering
`;
const entry = (
  metadata: string,
  apiVersion = 'toolhive.stacklok.dev/v1beta1',
  kind = 'MCPServerEntry',
): string =>
  `apiVersion: ${apiVersion}
kind: ${kind}
metadata:
${metadata}
spec:
  remoteUrl: https://mcp.example.com/mcp
  transport: streamable-http
  groupRef:
    name: engineering
`;

describe('kinds and API groups', () => {
  test('a misspelt kind in toolhive.stacklok.dev is a finding, not an other document', async () => {
    const { code, report } = await check(
      ['-'],
      entry('  name: docs', undefined, 'MCPServerEntrys') + group,
    );
    assert.equal(code, 1);
    const [denial] = report.entries[0]?.denials ?? [];
    assert.equal(denial?.rule, 'manifest.kind');
    assert.match(
      denial?.message ?? '',
      /no kind "MCPServerEntrys" in toolhive.stacklok.dev; did you mean "MCPServerEntry"\?/,
    );
    assert.deepEqual([denial?.line, denial?.column], [2, 7], 'the position of the value');
  });

  test('a group one slip from toolhive.stacklok.dev is a finding', async () => {
    const { code, report } = await check(
      ['-'],
      entry('  name: docs', 'toolhive.stacklock.dev/v1beta1') + group,
    );
    assert.equal(code, 1);
    assert.equal(report.entries[0]?.denials[0]?.rule, 'manifest.api-group');
  });

  test('MCPServerEntry under another group is a finding', async () => {
    const { code, report } = await check(['-'], entry('  name: docs', 'v1') + group);
    assert.equal(code, 1);
    assert.match(report.entries[0]?.denials[0]?.message ?? '', /served by toolhive.stacklok.dev/);
  });

  test('other kinds stay context', async () => {
    const { code, report } = await check(
      ['-'],
      entry('  name: docs') +
        group +
        '---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n',
    );
    assert.equal(code, 0, JSON.stringify(report));
    assert.equal(report.summary.otherDocuments, 2);
  });
});

describe('metadata as the API server checks it', () => {
  for (const [label, metadata, field, line, pattern] of [
    [
      'a name that is not a DNS subdomain',
      '  name: Bad_Name',
      'metadata.name',
      4,
      /RFC 1123 subdomain/,
    ],
    [
      'an upper-case namespace',
      '  name: ok\n  namespace: UPPER_ns',
      'metadata.namespace',
      5,
      /RFC 1123 label/,
    ],
    [
      'a label key with a space',
      '  name: ok\n  labels:\n    bad key!: x',
      'metadata.labels[bad key!]',
      6,
      /name part must consist/,
    ],
    [
      'a label value too long',
      `  name: ok\n  labels:\n    app: ${'x'.repeat(64)}`,
      'metadata.labels[app]',
      6,
      /no more than 63 characters/,
    ],
    [
      'an annotation key with two slashes',
      '  name: ok\n  annotations:\n    a/b/c: x',
      'metadata.annotations[a/b/c]',
      6,
      /qualified name/,
    ],
    [
      'a missing name',
      '  labels: {app: x}',
      'metadata.name',
      3,
      /name or generateName is required/,
    ],
  ] as const) {
    test(`${label} is denied`, async () => {
      const { code, report } = await check(['-'], entry(metadata) + group);
      assert.equal(code, 1, JSON.stringify(report));
      const denial = report.entries[0]?.denials.find((d) => d.rule === 'metadata');
      assert.equal(denial?.field, field);
      assert.match(denial?.message ?? '', pattern);
      assert.equal(denial?.line, line);
    });
  }

  test('generateName stands in for a name', async () => {
    const { code, report } = await check(['-'], entry('  generateName: docs-') + group);
    assert.equal(code, 0, JSON.stringify(report));
  });
});

describe('empty input', () => {
  test('is stated, and passes unless --require-entries', async () => {
    const text = await runCheckCaptured(['/dev/null']);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /^PASS: no MCPServerEntry found, /m);
    const required = await runCheckCaptured(['/dev/null', '--require-entries']);
    assert.equal(required.code, 1);
    assert.match(required.stdout, /^FAIL: no MCPServerEntry found, /m);
  });
});

describe('group readiness', () => {
  test('a group defined in the input has no status: no warning, so --warnings-as-errors passes', async () => {
    const run = await runCheckCaptured(['-', '--warnings-as-errors'], {
      stdin: entry('  name: docs') + group,
    });
    assert.equal(run.code, 0, run.stdout);
    assert.match(run.stdout, /^PASS: 1 MCPServerEntry checked, 1 allowed, 0 denied/m);
  });

  test('a group whose recorded phase is not Ready still warns, and FAIL goes with exit 1', async () => {
    const run = await runCheckCaptured(['-', '--warnings-as-errors'], {
      stdin: entry('  name: docs') + group + 'status:\n  phase: Pending\n',
    });
    assert.equal(run.code, 1);
    assert.match(run.stdout, /reference\.group\.not-ready/);
    assert.match(run.stdout, /^FAIL: /m);
  });
});

describe('a repository', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'check-repo-'));
    const write = (path: string, text: string): void => {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    write('deploy/entries.yaml', entry('  name: docs') + group);
    write('charts/mcp/Chart.yaml', 'apiVersion: v2\nname: mcp\nversion: 0.1.0\n');
    write('charts/mcp/values.yaml', 'replicas: 1\n');
    write(
      'charts/mcp/templates/entry.yaml',
      'metadata:\n  name: {{ .Release.Name }}\n{{- if .Values.x }}\n',
    );
    write('ci/pipeline.yml', 'stages: [test]\njob:\n  script: [make]\n');
    write('ci/template.yaml', 'name: {{ .Name }}\n  {{- end }}\nx: [\n');
    write('legacy/old.yaml', entry('  name: Old_Name') + group);
    write('empty.yaml', '');
    write('overlays/prod/patch.yaml', '- op: add\n  path: /spec/x\n  value: 1\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('check . skips the chart and the non-manifest YAML, and says so', async () => {
    const { code, report } = await check([dir, '--exclude', '**/legacy/**']);
    assert.equal(code, 0, JSON.stringify(report));
    assert.equal(report.summary.entries, 1);
    const skipped = Object.fromEntries(
      report.skipped.map((s) => [s.source.slice(dir.length + 1), s.reason]),
    );
    assert.match(skipped['charts/mcp'] ?? '', /Helm chart \(Chart\.yaml\)/);
    assert.match(skipped['ci/pipeline.yml'] ?? '', /no Kubernetes objects/);
    assert.match(skipped['ci/template.yaml'] ?? '', /template/);
    assert.match(skipped['legacy'] ?? '', /excluded by --exclude/);
    assert.match(skipped['empty.yaml'] ?? '', /no Kubernetes objects/);
    assert.match(skipped['overlays/prod/patch.yaml'] ?? '', /no Kubernetes objects/);
    assert.equal(report.summary.skipped, 6);
  });

  test('without --exclude the legacy entry is judged; a template named explicitly is an input error', async () => {
    const all = await check([dir]);
    assert.equal(all.code, 1);
    const named = await check([join(dir, 'ci/template.yaml')]);
    assert.equal(named.code, 2);
  });
});

describe('defaulting is explicit', () => {
  const toolhiveCrd = join(
    import.meta.dirname,
    '../../../shared/reference/toolhive-crds/toolhive.stacklok.dev_mcpserverentries.yaml',
  );
  const withCaBundle = `${entry('  name: docs')}  caBundleRef:
    configMapRef:
      name: ca
${group}---
apiVersion: v1
kind: ConfigMap
metadata: {name: ca}
data:
  ca.crt: pem
`;

  test("judged as written against ToolHive's CRD, a CA-bundle reference without key is refused", async () => {
    const { code, report } = await check(['-', '--crd', toolhiveCrd], withCaBundle);
    assert.equal(code, 1, JSON.stringify(report));
    assert.ok(
      report.entries[0]?.denials.some((d) => d.field === 'spec.caBundleRef.configMapRef.key'),
      JSON.stringify(report),
    );
  });

  test('with --mutating-webhook the default key is applied first, as when that webhook is installed', async () => {
    const { code, report } = await check(
      ['-', '--crd', toolhiveCrd, '--mutating-webhook'],
      withCaBundle,
    );
    assert.equal(code, 0, JSON.stringify(report));
  });
});
