// Aligned text tables for the CLI's listings (`orchflow ls`, `orchflow record list`). Cells can
// come from agents (commands, cwd, agent ids, recordings), so control characters are shown, never
// sent: an escape sequence in a cell cannot rewrite the reader's screen.

/** Rows as an aligned text table (first row: the column names). */
export function formatRows(table: string[][]): string {
  const rows = table.map((row) => row.map(visible));
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => row[i]?.length ?? 0))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

// C0 controls, DEL and C1 controls.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** `text` with each control character written as `^X` (C0, DEL) or `M-^X` (C1). */
function visible(text: string): string {
  return text.replace(CONTROL, (ch) => {
    const code = ch.charCodeAt(0);
    if (code === 0x7f) return '^?';
    if (code < 0x20) return `^${String.fromCharCode(code + 0x40)}`;
    return `M-^${String.fromCharCode(code - 0x40)}`;
  });
}
