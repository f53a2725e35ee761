// Two kinds of failure inside a rule must not be confused. A CEL runtime error (a missing key,
// an index out of range) is one the API server hits too, and it refuses the object. A failure
// of this evaluator (a regular expression it cannot run the way Go's regexp would) says nothing
// about the object, so the rule is reported as not checked. Library code throws this class for
// the second kind; @bufbuild/cel keeps it as the error's cause.
export class NotEvaluableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotEvaluableError';
  }
}

/** The NotEvaluableError somewhere in a CEL error's cause chain. */
export function notEvaluableCause(error: unknown): NotEvaluableError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    if (current instanceof NotEvaluableError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
