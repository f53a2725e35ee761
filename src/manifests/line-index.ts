// Offsets to 1-based line and column, for positions in findings and errors. The line starts of
// a file are found once (one indexOf pass) and each position is then a binary search, so a
// document only pays for the positions a finding actually asks for.
import type { SourcePosition } from './manifest-document.ts';

export class LineIndex {
  private readonly text: string;
  private starts: number[] | undefined;

  constructor(text: string) {
    this.text = text;
  }

  /** Line and column of `offset`; columns count UTF-16 code units, as `yaml`'s LineCounter does. */
  position(offset: number): SourcePosition {
    const starts = (this.starts ??= lineStarts(this.text));
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((starts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: offset - (starts[low] ?? 0) + 1 };
  }
}

function lineStarts(text: string): number[] {
  const starts = [0];
  let newline = text.indexOf('\n');
  while (newline !== -1) {
    starts.push(newline + 1);
    newline = text.indexOf('\n', newline + 1);
  }
  return starts;
}
