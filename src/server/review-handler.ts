// From a parsed request body to an HTTP answer, for both webhook paths. No rule lives here:
// decode, hand the entry to the engine, encode the verdict, log one line.
import { decodeAdmissionReview, type AdmissionRequest } from '../admission/decode.ts';
import { ReviewOverLimits } from '../admission/review-limits.ts';
import {
  buildAllowedResponse,
  buildMutationResponse,
  buildValidationResponse,
  type AdmissionResponseBody,
} from '../admission/respond.ts';
import { entryGroup, entryKind, isEntryKind } from '../model/entry.ts';
import { infoLineWriter, type Logger } from '../log.ts';
import { findingPlace } from '../render/messages.ts';
import type { ReferencingEntries } from '../model/lookup.ts';
import type { UnknownPolicy } from '../model/review.ts';
import {
  deleteProtectionVerdict,
  isProtectedKind,
  protectedKinds,
} from '../policy/delete-protection.ts';

type ProtectedField = (typeof protectedKinds)[keyof typeof protectedKinds];
import type { AdmissionEngine } from '../policy/engine.ts';
import type { Verdict } from '../model/verdict.ts';

export type ReviewPath = 'validate' | 'mutate' | 'validate-delete';

/** Who references an object, for delete protection (src/references/delete-protection.ts). */
export interface DeleteReferences {
  readonly onLookupFailure: UnknownPolicy;
  referencing(namespace: string, field: ProtectedField, name: string): ReferencingEntries;
}

export interface ReviewEvent {
  readonly path: ReviewPath;
  readonly operation: string;
  readonly version: string;
  readonly decision: 'allowed' | 'denied' | 'warned' | 'patched' | 'skipped' | 'bad-request';
  readonly seconds: number;
}

export interface ReviewOutcome {
  readonly statusCode: number;
  readonly body: AdmissionResponseBody | { readonly message: string };
}

/** `?timeout=10s` from the API server: the time it will wait for us. */
export function parseTimeoutQuery(raw: unknown): number | undefined {
  if (typeof raw !== 'string') return undefined;
  const m = /^(\d{1,4})s$/.exec(raw);
  return m === null ? undefined : Number(m[1]) * 1000;
}

export class ReviewHandler {
  private readonly engine: AdmissionEngine;
  private readonly log: Logger;
  private readonly observe: (e: ReviewEvent) => void;
  private readonly deleteReferences: DeleteReferences | undefined;
  private readonly writeReviewLine: (fields: Readonly<Record<string, unknown>>) => void;

  constructor(
    engine: AdmissionEngine,
    log: Logger,
    observe: (e: ReviewEvent) => void = () => undefined,
    deleteReferences?: DeleteReferences,
  ) {
    this.deleteReferences = deleteReferences;
    this.engine = engine;
    this.log = log;
    this.observe = observe;
    this.writeReviewLine = infoLineWriter(log, 'review');
  }

  async handle(path: ReviewPath, body: unknown, timeoutMs?: number): Promise<ReviewOutcome> {
    const started = performance.now();
    const seconds = (): number => (performance.now() - started) / 1000;
    if (body instanceof ReviewOverLimits) return this.refuseOverLimits(path, body, seconds());
    const decoded = decodeAdmissionReview(body);
    if (!decoded.ok) {
      this.log.warn({ path, uid: decoded.uid, problem: decoded.message }, 'bad admission request');
      this.observe({
        path,
        operation: '',
        version: '',
        decision: 'bad-request',
        seconds: seconds(),
      });
      return { statusCode: 400, body: { message: decoded.message } };
    }
    const req = decoded.request;
    if (path === 'validate-delete') return this.judgeDelete(req, seconds);
    if (!isEntryKind(req.kind) || req.subResource !== '') {
      // Not ours to judge (another kind, or a status/scale subresource): allow without work.
      this.observe({
        path,
        operation: req.operation,
        version: req.kind.version,
        decision: 'skipped',
        seconds: seconds(),
      });
      return { statusCode: 200, body: buildAllowedResponse(req.uid) };
    }
    const input = {
      operation: req.operation,
      version: req.kind.version,
      object: req.object,
      oldObject: req.oldObject,
      namespace: req.namespace,
    };

    let verdict: Verdict;
    let answer: AdmissionResponseBody;
    if (path === 'mutate') {
      verdict = this.engine.mutate(input);
      answer = buildMutationResponse(req.uid, verdict.patch);
    } else {
      // Leave a second of the API server's deadline for the answer to travel back. A budget,
      // not AbortSignal.timeout(): that costs ~12 µs per review and its timer outlives the
      // review by the whole timeout, thousands of them alive at a few thousand reviews/s.
      const budgetMs = timeoutMs === undefined ? undefined : Math.max(100, timeoutMs - 1000);
      verdict = await this.engine.validate(input, undefined, budgetMs);
      answer = buildValidationResponse(
        { uid: req.uid, kind: req.kind.kind, group: req.kind.group, name: req.name },
        verdict,
      );
    }
    const decision = decisionOf(path, verdict);
    const took = seconds();
    this.logReview(path, req, verdict, decision, took);
    this.observe({
      path,
      operation: req.operation,
      version: req.kind.version,
      decision,
      seconds: took,
    });
    return { statusCode: 200, body: answer };
  }

  /** Delete protection: the same decode, respond, log and metrics path as any review. */
  private judgeDelete(req: AdmissionRequest, seconds: () => number): ReviewOutcome {
    const { kind } = req.kind;
    if (
      this.deleteReferences === undefined ||
      req.operation !== 'DELETE' ||
      req.kind.group !== entryGroup ||
      !isProtectedKind(kind) ||
      req.subResource !== '' ||
      req.name === ''
    ) {
      this.observe({
        path: 'validate-delete',
        operation: req.operation,
        version: req.kind.version,
        decision: 'skipped',
        seconds: seconds(),
      });
      return { statusCode: 200, body: buildAllowedResponse(req.uid) };
    }
    const referencing = this.deleteReferences.referencing(
      req.namespace,
      protectedKinds[kind],
      req.name,
    );
    const verdict = deleteProtectionVerdict(
      { kind, namespace: req.namespace, name: req.name },
      referencing,
      this.deleteReferences.onLookupFailure,
    );
    const answer = buildValidationResponse(
      { uid: req.uid, kind, group: req.kind.group, name: req.name },
      verdict,
    );
    const decision = decisionOf('validate-delete', verdict);
    const took = seconds();
    this.logReview('validate-delete', req, verdict, decision, took);
    this.observe({
      path: 'validate-delete',
      operation: req.operation,
      version: req.kind.version,
      decision,
      seconds: took,
    });
    return { statusCode: 200, body: answer };
  }

  /**
   * A review the body parser measured and did not parse: denied like any other review (so
   * failurePolicy cannot admit it), or a 413 when not even its uid could be read.
   */
  private refuseOverLimits(path: ReviewPath, over: ReviewOverLimits, took: number): ReviewOutcome {
    const decision = over.uid === undefined ? 'bad-request' : 'denied';
    this.log.warn(
      { path, uid: over.uid, decision, problem: over.message },
      'review over the webhook limits',
    );
    this.observe({ path, operation: '', version: '', decision, seconds: took });
    if (over.uid === undefined) return { statusCode: 413, body: { message: over.message } };
    const verdict: Verdict = { allowed: false, denials: [over.finding], warnings: [], patch: [] };
    return {
      statusCode: 200,
      body: buildValidationResponse(
        { uid: over.uid, kind: entryKind, group: entryGroup, name: '' },
        verdict,
      ),
    };
  }

  private logReview(
    path: ReviewPath,
    req: AdmissionRequest,
    v: Verdict,
    decision: string,
    seconds: number,
  ): void {
    // Rule ids and field paths only: finding messages can quote user data (a URL with a token).
    // Absent facts are `undefined` and left out of the line.
    this.writeReviewLine({
      path,
      uid: req.uid,
      kind: `${req.kind.kind}.${req.kind.version}`,
      namespace: req.namespace,
      name: req.name,
      operation: req.operation,
      dryRun: req.dryRun,
      decision,
      skippedBecause: v.shortCircuit,
      denied: v.denials.length > 0 ? v.denials.map(findingPlace) : undefined,
      warned: v.warnings.length > 0 ? v.warnings.map(findingPlace) : undefined,
      patched: v.patch.length > 0 ? v.patch.map((p) => p.path) : undefined,
      latencyMs: Math.round(seconds * 1e6) / 1e3,
    });
  }
}

function decisionOf(path: ReviewPath, v: Verdict): ReviewEvent['decision'] {
  if (path === 'mutate') return v.patch.length > 0 ? 'patched' : 'allowed';
  if (!v.allowed) return 'denied';
  return v.warnings.length > 0 ? 'warned' : 'allowed';
}
