// What the core needs from an editor. VS Code implements it with an OutputChannel, a
// StatusBarItem and its settings (src/extension.ts); tests and the demo implement it in memory.
import type { StatusView } from './format';

/** The editor surface the controller writes to. */
export interface EditorHost {
  /** Appends to the output channel. */
  append(text: string): void;
  /** Brings the output channel into view. */
  showOutput(): void;
  /** Updates the status-bar item. */
  setStatus(view: StatusView): void;
  /** Tells the user about a failure. */
  showError(message: string): void;
  /** The extension's settings as the editor has them (validated by the controller). */
  settings(): unknown;
  /** The folder the agent terminal starts in. */
  workspaceFolder(): string | undefined;
}
