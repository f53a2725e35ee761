// Findings as a user sees them: rule tests assert on the rendered field and message, which is
// what kubectl, the audit log and the CLI show, through the one renderer.
import { pathFromText } from '../../src/model/field-path.ts';
import type { Finding } from '../../src/model/findings.ts';
import { findingFields } from '../../src/render/messages.ts';

export type ShownFinding = ReturnType<typeof findingFields>;

export const shown = (findings: readonly Finding[]): ShownFinding[] => findings.map(findingFields);

/** A rule result or verdict with its findings rendered. */
export function shownResult<
  T extends { readonly denials: readonly Finding[]; readonly warnings: readonly Finding[] },
>(
  result: T,
): Omit<T, 'denials' | 'warnings'> & { denials: ShownFinding[]; warnings: ShownFinding[] } {
  return { ...result, denials: shown(result.denials), warnings: shown(result.warnings) };
}

/** A printed path (`items[2].spec.headers[X-Key]`) as structure. */
export const pathOf = pathFromText;
