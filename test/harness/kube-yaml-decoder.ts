// The manifest reader of `kubectl apply -f`, run for real: test/tools/yamldecoder (apimachinery's
// YAMLOrJSONDecoder + sigs.k8s.io/yaml, Kubernetes 1.34) as one long-lived process that answers
// one line per manifest text. Used by the differential test of src/manifests/.
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { ensureTool } from './binaries.ts';

export interface KubeDecoded {
  /** Each non-empty document as the JSON text kubectl would send (numbers as written). */
  readonly docs: readonly string[];
  /** Present when the decoder refused the stream. */
  readonly error?: string;
}

export class KubeYamlDecoder {
  private readonly pending: ((answer: KubeDecoded) => void)[] = [];
  private exited: string | undefined;

  private readonly child: ChildProcessByStdio<Writable, Readable, null>;

  private constructor(child: ChildProcessByStdio<Writable, Readable, null>) {
    this.child = child;
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const resolve = this.pending.shift();
      resolve?.(JSON.parse(line) as KubeDecoded);
    });
    child.once('exit', (code, signal) => {
      this.exited = `yamldecoder exited (${String(code ?? signal)})`;
    });
  }

  static async start(): Promise<KubeYamlDecoder> {
    const binDir = await ensureTool('yamldecoder');
    const child = spawn(`${binDir}/yamldecoder`, [], { stdio: ['pipe', 'pipe', 'inherit'] });
    return new KubeYamlDecoder(child);
  }

  decode(text: string): Promise<KubeDecoded> {
    if (this.exited !== undefined) return Promise.reject(new Error(this.exited));
    return new Promise((resolve) => {
      this.pending.push(resolve);
      this.child.stdin.write(JSON.stringify(text) + '\n');
    });
  }

  async close(): Promise<void> {
    if (this.exited !== undefined) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end();
    await exited;
  }
}

/**
 * A JSON value in a form where equal means "the API server receives the same thing": object
 * members sorted, every number as the exact decimal the server would decode (an integer literal
 * within int64/uint64 as written; anything else as the float64 Go's JSON decoder makes of it).
 */
export function canonicalJson(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return canonicalNumber(value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const members = Object.keys(value)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${members.join(',')}}`;
}

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/** JSON text parsed with every number kept as the server would read it (see canonicalJson). */
export function parseExactJson(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) => {
    if (typeof value !== 'number' || context?.source === undefined) return value;
    const source = context.source;
    if (/^-?\d+$/.test(source)) {
      const exact = BigInt(source);
      if (exact >= INT64_MIN && exact <= UINT64_MAX) return exact;
    }
    return value;
  });
}

function canonicalNumber(value: number): string {
  if (Object.is(value, -0)) return '0';
  return Number.isInteger(value) ? BigInt(value).toString() : String(value);
}
