// `check --admission-policy`: what the API server alone would decide with the generated
// ValidatingAdmissionPolicy installed and no webhook (no lookups, schema first).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCheckCaptured } from './golden-cases.ts';
import { hostListConfigMap } from '../admission-policy/host-list-cases.ts';

const entry = (remoteUrl: string, extra = ''): string =>
  `apiVersion: toolhive.stacklok.dev/v1beta1
kind: MCPServerEntry
metadata: {name: probe, namespace: default}
spec:
  remoteUrl: ${JSON.stringify(remoteUrl)}
  transport: streamable-http
  groupRef: {name: not-defined-anywhere}
${extra}`;

describe('check --admission-policy', () => {
  test('denies what the policy denies, naming the rule', async () => {
    const run = await runCheckCaptured(['--admission-policy', '-o', 'json', '-'], {
      stdin: entry('http://0x7f.1/'),
    });
    assert.equal(run.code, 1);
    const report = JSON.parse(run.stdout) as {
      entries: { denials: { field: string; rule: string; message: string }[] }[];
    };
    const denials = report.entries[0]?.denials ?? [];
    assert.deepEqual(
      denials.map((d) => [d.field, d.rule]),
      [['spec.remoteUrl', 'admission-policy']],
    );
    assert.match(denials[0]?.message ?? '', /non-canonical spelling/);
  });

  test('does no lookups: a missing MCPGroup is not its business', async () => {
    const run = await runCheckCaptured(['--admission-policy', '-'], {
      stdin: entry('https://mcp.example.com/mcp'),
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const webhook = await runCheckCaptured(['-'], { stdin: entry('https://mcp.example.com/mcp') });
    assert.equal(webhook.code, 1, 'the webhook would deny the missing group');
  });

  test("shows the warnings policy's warnings, as kubectl would with the Warn binding", async () => {
    const run = await runCheckCaptured(['--admission-policy', '-o', 'json', '-'], {
      stdin: entry('http://mcp.example.com/mcp'),
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const report = JSON.parse(run.stdout) as {
      entries: { warnings: { field: string; rule: string; message: string }[] }[];
    };
    const warnings = report.entries[0]?.warnings ?? [];
    assert.deepEqual(
      warnings.map((w) => [w.field, w.rule]),
      [['spec.remoteUrl', 'admission-policy']],
    );
    assert.match(warnings[0]?.message ?? '', /plain http/i);
    const strict = await runCheckCaptured(['--admission-policy', '--warnings-as-errors', '-'], {
      stdin: entry('http://mcp.example.com/mcp'),
    });
    assert.equal(strict.code, 1, 'a warning fails the run with --warnings-as-errors');
  });

  test('the schema decides first, as on the API server', async () => {
    const run = await runCheckCaptured(['--admission-policy', '-o', 'json', '-'], {
      stdin: entry('https://mcp.example.com/mcp').replace('streamable-http', 'grpc'),
    });
    assert.equal(run.code, 1);
    const report = JSON.parse(run.stdout) as { entries: { denials: { rule: string }[] }[] };
    assert.deepEqual(
      report.entries[0]?.denials.map((d) => d.rule),
      ['schema'],
    );
  });

  test("--host-lists: the operator's lists, read from the ConfigMap manifest, in both modes", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpentry-host-lists-'));
    try {
      const file = join(dir, 'hosts.json');
      writeFileSync(file, JSON.stringify(hostListConfigMap));
      for (const mode of [[], ['--admission-policy']]) {
        const run = await runCheckCaptured(
          [...mode, '--references', 'ignore', '--host-lists', file, '-o', 'json', '-'],
          { stdin: entry('https://other.example.com/mcp') },
        );
        assert.equal(run.code, 1, run.stdout + run.stderr);
        assert.match(run.stdout, /not on the operator's allowed host list/);
        const ok = await runCheckCaptured(
          [...mode, '--references', 'ignore', '--host-lists', file, '-'],
          { stdin: entry('https://a.corp.example.com/mcp') },
        );
        assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      }
      const missing = await runCheckCaptured(['--host-lists', join(dir, 'nope.yaml'), '-'], {
        stdin: entry('https://a.corp.example.com/mcp'),
      });
      assert.equal(missing.code, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
