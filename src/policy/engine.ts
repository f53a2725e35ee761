// The admission engine: one code path for the server, the CLI and the tests. It narrows the
// untrusted object, runs the pure rules, looks up referenced objects (its only I/O) under one
// deadline, and ratchets findings on fields an UPDATE did not touch.
//
// The order the API server takes an object in is written here once (check): the CRD schema's
// defaults, our mutating webhook's defaults, the CRD's x-kubernetes-validations (CEL) rules,
// then our rules. EngineOptions turns the stages before our rules on (the CLI) or off (the
// server, where the API server has run them before it calls us).
import type { EntrySchemas } from '../crd/entry-schemas.ts';
import {
  referenceKey,
  type ReferenceAnswer,
  type ReferenceLookup,
  type ReferenceQuery,
} from '../model/lookup.ts';
import { applyPatch, diffToPatch, jsonEqual } from './json-patch.ts';
import { defaultingPatch } from './defaults.ts';
import type { EngineOptions, EntryInput } from '../model/review.ts';
import { rootPath } from '../model/field-path.ts';
import { finding, type Finding } from '../model/findings.ts';
import { headerFindings } from './headers.ts';
import { referencedObjects, referenceFindings } from './references.ts';
import { ratchet } from './ratchet.ts';
import { remoteUrlFindings } from './remote-url.ts';
import { specRequiredFindings } from './spec-required.ts';
import { unknownFieldRule } from '../crd/schema-findings.ts';
import {
  noFindings,
  type JsonPatchOperation,
  type RuleResult,
  type Verdict,
} from '../model/verdict.ts';
import { asRecord } from '../json-object.ts';

const allow = (shortCircuit: string, patch: readonly JsonPatchOperation[] = []): Verdict => ({
  allowed: true,
  denials: [],
  warnings: [],
  patch,
  shortCircuit,
});

export class AdmissionEngine {
  readonly schemas: EntrySchemas;
  readonly lookup: ReferenceLookup;
  readonly options: EngineOptions;

  constructor(schemas: EntrySchemas, lookup: ReferenceLookup, options: EngineOptions) {
    this.schemas = schemas;
    this.lookup = lookup;
    this.options = options;
  }

  /**
   * The validating webhook: findings and warnings, never a patch. Lookups stop at
   * `lookupTimeoutMs`, at `budgetMs` (the caller's own deadline) if that is sooner, or when
   * `signal` aborts.
   */
  async validate(input: EntryInput, signal?: AbortSignal, budgetMs?: number): Promise<Verdict> {
    if (input.operation === 'DELETE' || input.operation === 'CONNECT')
      return allow('operation-not-reviewed');
    const object = asRecord(input.object);
    if (object === undefined) {
      return {
        allowed: false,
        denials: [finding.required(rootPath, 'request', 'the request carries no object')],
        warnings: [],
        patch: [],
      };
    }
    // An object on its way out must be able to shed its finalizers whatever its spec says;
    // refusing here would trap it in deletion forever.
    if (asRecord(object['metadata'])?.['deletionTimestamp'] != null) return allow('being-deleted');
    const old = asRecord(input.oldObject);
    if (
      input.operation === 'UPDATE' &&
      old !== undefined &&
      jsonEqual(object['spec'], old['spec'])
    ) {
      return allow('spec-unchanged');
    }

    const spec = asRecord(object['spec']);
    const crdRules = this.options.crdCelRules
      ? await this.crdRuleFindings(input.version, object)
      : undefined;
    const rules: RuleResult[] = this.ownRules(input.version, object, crdRules);

    const checks = referencedObjects(spec, input.namespace);
    const answers = await this.resolve(
      checks.map((c) => c.query),
      signal,
      budgetMs,
    );
    rules.push(referenceFindings(checks, answers, this.options));

    let denials: Finding[] = rules.flatMap((r) => r.denials);
    let warnings: Finding[] = rules.flatMap((r) => r.warnings);
    if (input.operation === 'UPDATE' && old !== undefined && denials.length > 0) {
      // Only on an UPDATE with denials (rare): what the stored object already had.
      const oldDenials = this.ownRules(input.version, old).flatMap((r) => r.denials);
      ({ denials, warnings } = ratchet(denials, warnings, object, old, oldDenials));
    }
    return { allowed: denials.length === 0, denials, warnings, patch: [] };
  }

  /** The mutating webhook: only the defaulting patch, never a denial. */
  mutate(input: EntryInput): Verdict {
    if (input.operation !== 'CREATE' && input.operation !== 'UPDATE')
      return allow('operation-not-reviewed');
    const object = asRecord(input.object);
    if (object === undefined) return allow('no-object');
    if (asRecord(object['metadata'])?.['deletionTimestamp'] != null) return allow('being-deleted');
    return allow('defaulted', defaultingPatch(object, this.schemas.schema(input.version)));
  }

  /**
   * The object the API server hands to validating admission, from the object as written: the
   * CRD schema's defaults (`crdDefaults`), then our mutating webhook's (`mutatingDefaults`).
   * `patch` is everything defaulting adds to the object as written, our webhook's defaults
   * included even when they are not applied (the CLI's --show-defaults reports them).
   */
  prepare(input: EntryInput): { readonly object: unknown; readonly patch: JsonPatchOperation[] } {
    const crdDefaulted = this.options.crdDefaults
      ? this.schemas.defaulted(input.version, input.object)
      : input.object;
    const mutating = this.mutate({ ...input, object: crdDefaulted }).patch;
    const defaulted = mutating.length > 0 ? applyPatch(crdDefaulted, mutating) : crdDefaulted;
    return {
      object: this.options.mutatingDefaults ? defaulted : crdDefaulted,
      patch: crdDefaulted === input.object ? [...mutating] : diffToPatch(input.object, defaulted),
    };
  }

  /**
   * What the API server would do end to end, in its order: prepare (CRD defaults, mutating
   * defaults), then validation of the prepared object (CRD CEL rules, then ours). The CLI and
   * the cross-checking tests use this.
   */
  async check(input: EntryInput, signal?: AbortSignal, budgetMs?: number): Promise<Verdict> {
    const prepared = this.prepare(input);
    const verdict = await this.validate({ ...input, object: prepared.object }, signal, budgetMs);
    return { ...verdict, patch: prepared.patch };
  }

  /**
   * The CRD's x-kubernetes-validations rules on `object` (src/cel/evaluate-rules.ts). Only a
   * schema converted from a CRD has rules; the evaluator is loaded only then, so a server or a
   * check on the bundled schemas never pays for it.
   */
  async crdRuleFindings(version: string, object: unknown): Promise<RuleResult> {
    const schema = this.schemas.schema(version);
    if (schema === undefined || this.schemas.celRules(version).length === 0) return noFindings();
    const { celRuleFindings } = await import('../cel/evaluate-rules.ts');
    return celRuleFindings(schema, object);
  }

  /**
   * The rules that need no lookup, in the API server's order (the CRD's schema and CEL rules,
   * `crdRules`, before ours), which is the order their findings are reported in.
   */
  private ownRules(
    version: string,
    object: Record<string, unknown>,
    crdRules?: RuleResult,
  ): RuleResult[] {
    const spec = asRecord(object['spec']);
    return [
      specRequiredFindings(object),
      { denials: this.schemaFindings(version, object), warnings: [] },
      ...(crdRules === undefined ? [] : [crdRules]),
      remoteUrlFindings(
        spec?.['remoteUrl'],
        spec?.['allowPrivateEndpoint'] === true,
        undefined,
        this.options.hostLists,
      ),
      headerFindings(spec?.['headerForward']),
    ];
  }

  private schemaFindings(version: string, object: Record<string, unknown>): Finding[] {
    const findings = this.schemas.validate(version, object);
    return this.options.unknownFields === 'deny'
      ? findings
      : findings.filter((f) => f.rule !== unknownFieldRule);
  }

  /**
   * Every distinct reference answered: from `peek` where the answer is at hand (cache hits,
   * manifests), the rest looked up in parallel under one deadline; anything unanswered by then
   * is `unknown`. When everything was at hand there is no controller, timer or promise per
   * lookup: this runs on every admission request, and those cost more than the lookups. A
   * timer is set only when a lookup is still out once the already-settled ones have answered.
   */
  private resolve(
    queries: readonly ReferenceQuery[],
    outer: AbortSignal | undefined,
    budgetMs: number | undefined,
  ): Promise<ReferenceAnswer[]> {
    if (queries.length === 0) return Promise.resolve([]);
    const first = firstOccurrences(queries);
    const answers: (ReferenceAnswer | undefined)[] = new Array<ReferenceAnswer | undefined>(
      queries.length,
    );
    let open = 0;
    for (let i = 0; i < queries.length; i++) {
      if (first[i] !== i) continue;
      const peeked = outer?.aborted === true ? undefined : this.lookup.peek?.(queries[i]!);
      if (peeked === undefined) open += 1;
      else answers[i] = peeked;
    }
    const timeoutMs =
      budgetMs === undefined
        ? this.options.lookupTimeoutMs
        : Math.max(0, Math.min(budgetMs, this.options.lookupTimeoutMs));
    // Whatever has no answer when the results are collected was cut off by the deadline.
    const collect = (): ReferenceAnswer[] =>
      queries.map(
        (_, i) =>
          answers[first[i]!] ?? { status: 'unknown', reason: `no answer within ${timeoutMs} ms` },
      );
    if (open === 0) return Promise.resolve(collect());

    return new Promise((settle) => {
      const controller = new AbortController();
      let pending = open;
      let settled = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finish = (): void => {
        if (settled) return;
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        outer?.removeEventListener('abort', cutOff);
        settle(collect());
      };
      // The deadline (ours or the caller's) passed: tell the lookups to stop, answer now.
      const cutOff = (): void => {
        controller.abort();
        finish();
      };
      outer?.addEventListener('abort', cutOff, { once: true });
      const record = (i: number, answer: ReferenceAnswer): void => {
        if (settled) return;
        answers[i] = answer;
        pending -= 1;
        if (pending === 0) finish();
      };
      for (let i = 0; i < queries.length; i++) {
        if (first[i] !== i || answers[i] !== undefined) continue;
        let asked: Promise<ReferenceAnswer>;
        try {
          asked = this.lookup.lookup(queries[i]!, controller.signal);
        } catch (err) {
          record(i, { status: 'unknown', reason: describeLookupError(err) });
          continue;
        }
        asked.then(
          (answer) => record(i, answer),
          (err: unknown) => record(i, { status: 'unknown', reason: describeLookupError(err) }),
        );
      }
      if (outer?.aborted === true) cutOff();
      if (settled) return;
      // Queued after the answers of lookups that returned settled promises, so it runs once
      // those are recorded: the deadline starts microseconds late, and only when needed.
      queueMicrotask(() => {
        if (!settled) timer = setTimeout(cutOff, timeoutMs);
      });
    });
  }
}

/**
 * For each query, the index of the first identical one (itself when it is the first), so a
 * Secret named by two headers is looked up once. Pairwise for the usual handful, which costs
 * less than building a key string per query; a map beyond that.
 */
function firstOccurrences(queries: readonly ReferenceQuery[]): number[] {
  const first = new Array<number>(queries.length);
  if (queries.length <= 16) {
    for (let i = 0; i < queries.length; i++) {
      const q = queries[i]!;
      let j = 0;
      while (j < i) {
        const p = queries[j]!;
        if (
          p.kind === q.kind &&
          p.name === q.name &&
          p.namespace === q.namespace &&
          p.key === q.key
        )
          break;
        j += 1;
      }
      first[i] = j;
    }
    return first;
  }
  const seen = new Map<string, number>();
  for (let i = 0; i < queries.length; i++) {
    const key = referenceKey(queries[i]!);
    const j = seen.get(key);
    if (j === undefined) seen.set(key, i);
    first[i] = j ?? i;
  }
  return first;
}

/** A lookup error's message, bounded and on one line (it reaches users and logs). */
function describeLookupError(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 197)}...` : line || 'lookup failed';
}
