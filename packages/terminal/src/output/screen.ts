// The rendered screen of a terminal, for snapshots: an @xterm/headless emulator fed with the same
// bytes as the scrollback. Created lazily by the pipeline, so streaming-only terminals pay nothing.
import type { Snapshot } from '@orchflow/protocol';
import * as xterm from '@xterm/headless';

// @xterm/headless is CommonJS whose exports Node's ESM loader cannot see by name: under Node ESM
// the class is on the default export, under a CJS bundle it is a named export.
const XtermTerminal: typeof xterm.Terminal =
  xterm.Terminal ?? (xterm as unknown as { default: typeof xterm }).default.Terminal;

/** A headless terminal emulator whose visible screen can be snapshotted. */
export class HeadlessScreen {
  private readonly term: xterm.Terminal;

  /** An empty screen of the given size. */
  constructor(cols: number, rows: number) {
    // Only the visible screen is ever read, so no emulator-side scrollback is kept. The buffer
    // API is still marked proposed in @xterm/headless, hence allowProposedApi.
    this.term = new XtermTerminal({
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
