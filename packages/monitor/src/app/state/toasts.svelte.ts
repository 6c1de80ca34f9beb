// Short messages at the bottom of the page: errors from the server (a refused control, a lost
// connection) and confirmations. At most a few at once, each gone after a while.

/** How long a toast stays. */
const TOAST_MS = 8_000;
/** Toasts shown at once; older ones make room. */
const MAX_TOASTS = 5;

/** A message shown briefly. */
export interface Toast {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

/** The page's toasts. */
export class Toasts {
  items = $state.raw<Toast[]>([]);
  private nextId = 0;

  /** Shows a toast for a while; the same message again replaces the one shown (a failing key repeat is one toast). */
  show(kind: Toast['kind'], text: string): void {
    const toast = { id: ++this.nextId, kind, text };
    const others = this.items.filter((item) => item.kind !== kind || item.text !== text);
    this.items = [...others, toast].slice(-MAX_TOASTS);
    setTimeout(() => this.dismiss(toast.id), TOAST_MS);
  }

  /** Removes a toast. */
  dismiss(id: number): void {
    this.items = this.items.filter((toast) => toast.id !== id);
  }
}
