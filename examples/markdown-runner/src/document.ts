// The orchflow blocks of a document and the generated output under each. A block's output is an
// HTML comment marker with its exit status followed by a fenced `text` block; on a re-run that
// pair is replaced, never added again, and a document whose outputs did not change is rewritten
// byte for byte as it was.
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { type FencedBlock, findFencedBlocks, joinLines, type Line, splitLines } from './fences';

/** The info-string word that makes a block runnable. */
export const LANGUAGE = 'orchflow';

/** What starts the marker line of a generated output. */
export const MARKER_PREFIX = '<!-- orchflow-output:';
const MARKER = /^<!-- orchflow-output: (.*) -->[ \t]*$/;

/** A runnable block and where its previous output sits. */
export interface RunnableBlock {
  /** 1-based line of the opening fence, for messages. */
  line: number;
  /** The shell code, lines joined with `\n`. */
  code: string;
  /** The exit status that counts as success (`exit=N` in the info string). Default 0. */
  expectExit: number;
  /** Time limit from `timeout=N` (seconds) in the info string. */
  timeoutMs?: number;
  block: FencedBlock;
  /** The previous output (marker line through its closing fence), when there is one. */
  output?: { marker: number; end: number; status: string; text: string };
}

/** A parsed document. */
export interface MarkdownDoc {
  lines: Line[];
  /** The line end used for generated lines: the document's first one, else `\n`. */
  eol: string;
  blocks: RunnableBlock[];
}

/** What one run of a block produced. */
export interface BlockOutput {
  /** E.g. `exit 0`, `timed out after 5s`. */
  status: string;
  text: string;
}

/** Parses `text`; a malformed orchflow block (unclosed, unknown attribute) is InvalidParams naming its line. */
export function parseDocument(text: string): MarkdownDoc {
  const lines = splitLines(text);
  const fenced = findFencedBlocks(lines);
  const blocks: RunnableBlock[] = [];
  fenced.forEach((block, index) => {
    const [language, ...attributes] = block.info.split(/\s+/);
    if (language !== LANGUAGE) return;
    const line = block.start + 1;
    if (!block.closed) throw invalid(`the ${LANGUAGE} block at line ${line} is never closed`);
    const runnable: RunnableBlock = { line, code: block.content.join('\n'), expectExit: 0, block };
    for (const attribute of attributes) applyAttribute(runnable, attribute);
    runnable.output = previousOutput(lines, block, fenced[index + 1]);
    blocks.push(runnable);
  });
  return { lines, eol: lines[0]?.eol || '\n', blocks };
}

/** The document with `outputs` (by block index; undefined keeps that block's output as it is). */
export function renderDocument(doc: MarkdownDoc, outputs: Array<BlockOutput | undefined>): string {
  const lines = [...doc.lines];
  // From the last block up, so earlier line numbers stay valid while splicing.
  for (let i = doc.blocks.length - 1; i >= 0; i--) {
    const block = doc.blocks[i] as RunnableBlock;
    const output = outputs[i];
    if (!output) continue;
    const generated = outputLines(output, doc.eol);
    if (block.output) {
      const last = lines[block.output.end] as Line;
      // The old output's last line keeps its own end (maybe none, at the end of the file).
      generated[generated.length - 1] = { ...(generated.at(-1) as Line), eol: last.eol };
      lines.splice(block.output.marker, block.output.end - block.output.marker + 1, ...generated);
    } else {
      const fenceEnd = lines[block.block.end] as Line;
      // A block closed on the file's last line, without a line end: it gets one, our last line not.
      if (fenceEnd.eol === '') {
        lines[block.block.end] = { ...fenceEnd, eol: doc.eol };
        generated[generated.length - 1] = { ...(generated.at(-1) as Line), eol: '' };
      }
      lines.splice(block.block.end + 1, 0, ...generated);
    }
  }
  return joinLines(lines);
}

/** The marker and fenced text block for `output`. */
export function outputLines(output: BlockOutput, eol: string): Line[] {
  const body = output.text === '' ? [] : output.text.split('\n');
  // A fence longer than any backtick run in the output, so the output cannot close it early.
  const longest = Math.max(0, ...[...output.text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [`${MARKER_PREFIX} ${output.status} -->`, `${fence}text`, ...body, fence].map((text) => ({
    text,
    eol,
  }));
}

function previousOutput(
  lines: Line[],
  block: FencedBlock,
  next: FencedBlock | undefined,
): RunnableBlock['output'] {
  let marker = block.end + 1;
  while (marker < lines.length && (lines[marker]?.text.trim() ?? '') === '') marker++;
  const match = MARKER.exec(lines[marker]?.text ?? '');
  if (!match || !next || next.start !== marker + 1 || !next.closed) return undefined;
  return { marker, end: next.end, status: match[1] ?? '', text: next.content.join('\n') };
}

function applyAttribute(block: RunnableBlock, attribute: string): void {
  const [key, value = ''] = attribute.split('=', 2);
  if (key === 'exit' && /^\d{1,3}$/.test(value)) {
    block.expectExit = Number(value);
  } else if (key === 'timeout' && /^\d+(\.\d+)?$/.test(value) && Number(value) > 0) {
    block.timeoutMs = Math.round(Number(value) * 1000);
  } else {
    throw invalid(
      `the ${LANGUAGE} block at line ${block.line} has an unknown attribute '${attribute}': use exit=N (expected exit status) or timeout=SECONDS`,
    );
  }
}

function invalid(message: string): OrchflowError {
  return new OrchflowError(ErrorCode.InvalidParams, message);
}
