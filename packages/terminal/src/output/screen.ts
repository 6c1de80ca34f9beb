// The rendered screen of a terminal, for snapshots: an @xterm/headless emulator fed with the same
// bytes as the scrollback. Created lazily by the pipeline, so streaming-only terminals pay nothing,
// and the emulator's module is loaded at the first screen: loading it costs a process ~5 MB of
// memory and ~10 ms (docs/performance.md, "1000 concurrent terminals").
import { createRequire } from 'node:module';
import type { Snapshot } from '@orchflow/protocol';
import type * as xterm from '@xterm/headless';

// Built ESM and vitest have import.meta.url, built CJS __filename.
const url = (import.meta as { url?: string }).url;
let XtermTerminal: typeof xterm.Terminal | undefined;

/** @xterm/headless's Terminal class, required (it is CommonJS) the first time a screen is made. */
function xtermTerminal(): typeof xterm.Terminal {
  XtermTerminal ??= (createRequire(url ?? __filename)('@xterm/headless') as typeof xterm).Terminal;
  return XtermTerminal;
}

/** A headless terminal emulator whose visible screen can be snapshotted. */
export class HeadlessScreen {
  private readonly term: xterm.Terminal;

  /** An empty screen of the given size. */
  constructor(cols: number, rows: number) {
    // Only the visible screen is ever read, so no emulator-side scrollback is kept. The buffer
    // API is still marked proposed in @xterm/headless, hence allowProposedApi.
    this.term = new (xtermTerminal())({
      cols,
      rows,
      scrollback: 0,
      allowProposedApi: true,
    });
  }

  /** Feeds output; UTF-8 sequences may be split across calls. */
  write(data: Uint8Array | string): void {
    this.term.write(data);
  }

  /** Changes the screen size (content reflows as in a real terminal). */
  resize(cols: number, rows: number): void {
    this.term.resize(cols, rows);
  }

  /** The visible screen, after everything written before this call has been parsed. */
  async snapshot(): Promise<Snapshot> {
    await new Promise<void>((resolve) => this.term.write('', resolve));
    const buffer = this.term.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < this.term.rows; y++) {
      lines.push(buffer.getLine(buffer.baseY + y)?.translateToString(true) ?? '');
    }
    return {
      lines,
      cursor: { x: buffer.cursorX, y: buffer.cursorY },
      cols: this.term.cols,
      rows: this.term.rows,
      altScreen: buffer.type === 'alternate',
    };
  }

  /** Releases the emulator. */
  dispose(): void {
    this.term.dispose();
  }
}
