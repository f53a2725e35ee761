// UPDATE ratcheting, as the API server ratchets CRD validation: a problem the stored object
// already had is not re-judged, so an entry whose group was deleted since, or whose URL a
// newer rule refuses, can still be edited; the finding stays as a warning.
//
// A denial is relaxed only when the stored object had this very problem:
// - the same rule found it at the same field, compared by the field's identity (a map key is
//   not a list index, a name is not its printed, escaped or shortened form), never by a printed
//   path. A header that duplicates a stored one, or a long name that prints like a stored one,
//   is a new problem and stays a denial;
// - and the value it was decided on is unchanged: the field itself, or for a Required finding
//   the object that lacks the field (a required field still missing after its parent changed
//   is enforced, as the API server enforces it), or for a reference the whole reference (name,
//   key and optional together, so pointing an unchanged key at another ConfigMap is judged).
//
// Reference findings need no "had": the stored object named the same thing, and it is exactly
// the object that went missing since that ratcheting exists for.
import { parentOf, samePath, valueAt, type FieldPath } from '../model/field-path.ts';
import type { Finding } from '../model/findings.ts';
import { jsonEqual } from './json-patch.ts';

const isReference = (f: Finding): boolean => f.rule.startsWith('reference.');

/** The value a finding was decided on. */
function decidedOn(f: Finding): FieldPath {
  return f.type === 'Required' || isReference(f) ? parentOf(f.path) : f.path;
}

export function ratchet(
  denials: readonly Finding[],
  warnings: readonly Finding[],
  object: unknown,
  old: unknown,
  /** What the rules that need no lookup found on the stored object. */
  oldDenials: readonly Finding[],
): { denials: Finding[]; warnings: Finding[] } {
  const kept: Finding[] = [];
  const relaxed: Finding[] = [...warnings];
  for (const f of denials) {
    const had =
      isReference(f) || oldDenials.some((g) => g.rule === f.rule && samePath(g.path, f.path));
    const scope = decidedOn(f);
    if (f.path.length > 0 && had && jsonEqual(valueAt(object, scope), valueAt(old, scope))) {
      relaxed.push({ ...f, ratcheted: true });
    } else {
      kept.push(f);
    }
  }
  return { denials: kept, warnings: relaxed };
}
