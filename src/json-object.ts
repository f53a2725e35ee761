// The one narrowing of untrusted JSON to "an object with string keys" (not null, not an array),
// used wherever parsed input is read.

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return isRecord(value) ? value : undefined;
}

const json = JSON as unknown as { rawJSON: (text: string) => unknown };

/**
 * JSON.stringify for values read from manifests, which may hold integers beyond 2^53 as
 * bigints (kept exactly, as kubectl sends them): those are written as their digits.
 */
export function jsonText(value: unknown): string | undefined {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'bigint' ? json.rawJSON(String(v)) : v,
  );
}
