// Security issue #14, classes 5 and 8, through `check` as a CI job runs it: YAML that kubectl
// reads as a dangerous object must never pass, and YAML built to exhaust the reader must be
// refused before it is parsed. Each case is what kubectl would send (see the differential
// test, which checks the reading itself against kubectl's decoder).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runCheckCaptured } from './golden-cases.ts';

interface Report {
  summary: { entries: number; denied: number; inputErrors: number };
  entries: { denials: { field: string; rule: string; line: number; message: string }[] }[];
  inputErrors: { line: number | null; message: string }[];
}

async function check(yaml: string): Promise<{ code: number; report: Report }> {
  const run = await runCheckCaptured(['-', '--output', 'json', '--references', 'ignore'], {
    stdin: yaml,
  });
  return { code: run.code, report: JSON.parse(run.stdout) as Report };
}

const head = `apiVersion: toolhive.stacklok.dev/v1beta1
kind: MCPServerEntry
metadata:
  name: probe
`;

describe('class 5: what kubectl would send is what is judged', () => {
  test('a merge key after an explicit remoteUrl wins, as in the Kubernetes decoder', async () => {
    const { code, report } = await check(
      `${head}spec:
  transport: streamable-http
  remoteUrl: https://mcp.example.com/mcp
  <<: {remoteUrl: "http://169.254.169.254/latest/meta-data/"}
`,
    );
    assert.equal(code, 1);
    const denial = report.entries[0]?.denials.find((d) => d.field === 'spec.remoteUrl');
    assert.ok(denial, JSON.stringify(report));
    assert.equal(denial.rule, 'remote-url.metadata');
    assert.equal(denial.line, 8, 'the position is the merge that set the value');
  });

  for (const [name, separator] of [
    ['U+2028', '\u2028'],
    ['U+2029', '\u2029'],
    ['U+0085', '\u0085'],
  ] as const) {
    test(`${name} inside a comment breaks the line, as it does for kubectl`, async () => {
      // The "comment" hides a second header; kubectl sends it.
      const { code, report } = await check(
        `${head}spec:
  transport: streamable-http
  remoteUrl: https://mcp.example.com/mcp
  headerForward:
    addPlaintextHeaders:
      X-Tenant: t1 # tenant${separator}      Host: evil.example
`,
      );
      assert.equal(code, 1, JSON.stringify(report));
      assert.ok(
        report.entries[0]?.denials.some(
          (d) => d.field.startsWith('spec.headerForward') && /Host/.test(d.field),
        ),
        JSON.stringify(report),
      );
    });

    test(`${name} inside a comment cannot hide a second remoteUrl`, async () => {
      const { code, report } = await check(
        `${head}spec:
  transport: streamable-http
  remoteUrl: https://mcp.example.com/mcp # ok${separator}  remoteUrl: http://169.254.169.254/
`,
      );
      // A duplicate key: refused as unreadable (kubectl would keep the metadata URL).
      assert.equal(code, 2);
      assert.match(report.inputErrors[0]?.message ?? '', /duplicate field "spec.remoteUrl"/);
    });
  }

  test('a !!binary header value is judged decoded: CR/LF inside are caught', async () => {
    const value = Buffer.from('t1\r\nHost: 169.254.169.254').toString('base64');
    const { code, report } = await check(
      `${head}spec:
  transport: streamable-http
  remoteUrl: https://mcp.example.com/mcp
  headerForward:
    addPlaintextHeaders:
      X-Tenant: !!binary ${value}
`,
    );
    assert.equal(code, 1, JSON.stringify(report));
    const denial = report.entries[0]?.denials.find((d) => d.field.includes('X-Tenant'));
    assert.ok(denial, JSON.stringify(report));
    assert.equal(denial.line, 10);
  });

  test('metadata.deletionTimestamp in a manifest does not switch the rules off', async () => {
    // The API server clears it on create (and with it deletionGracePeriodSeconds).
    const { code, report } = await check(
      `${head}  deletionTimestamp: "2026-01-01T00:00:00Z"
  deletionGracePeriodSeconds: 0
spec:
  transport: streamable-http
  remoteUrl: http://169.254.169.254/latest/meta-data/
`,
    );
    assert.equal(code, 1, JSON.stringify(report));
    assert.ok(
      report.entries[0]?.denials.some((d) => d.rule === 'remote-url.metadata'),
      JSON.stringify(report),
    );
  });
});

describe('class 8: alias bombs are refused before parsing', () => {
  test('a billion-laughs document is refused with a position', async () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const { code, report } = await check(levels.join('\n') + '\n');
    assert.equal(code, 2);
    assert.match(report.inputErrors[0]?.message ?? '', /alias/);
  });

  test('two million aliases in one document are refused by the pre-scan, not the parser', async () => {
    const yaml = `base: &b x\nlist: [${Array(2_000_000).fill('*b').join(',')}]\n`;
    const { code, report } = await check(yaml);
    assert.equal(code, 2);
    const [error] = report.inputErrors;
    assert.match(
      error?.message ?? '',
      /more than 10000 aliases in one document; refusing to parse/,
    );
    assert.equal(error?.line, 2);
  });
});
