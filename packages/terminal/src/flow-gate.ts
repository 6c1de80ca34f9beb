// Combines the two reasons to stop reading a terminal's output — the user called pause(), or a
// flow-controlled subscriber is too far behind — into one paused/running switch.

/** Pauses a producer while any reason holds. */
export class FlowGate {
  private user = false;
  private backpressure = false;
  private applied = false;

  /** `apply(true)` pauses the producer, `apply(false)` resumes it. */
  constructor(private readonly apply: (paused: boolean) => void) {}

  /** True while the user has paused output. */
  get userPaused(): boolean {
    return this.user;
  }

  /** Sets the user's pause. */
  setUser(paused: boolean): void {
    this.user = paused;
    this.update();
  }

  /** Sets the subscribers' backpressure. */
  setBackpressure(paused: boolean): void {
    this.backpressure = paused;
    this.update();
  }

  private update(): void {
    const paused = this.user || this.backpressure;
    if (paused === this.applied) return;
    this.applied = paused;
    this.apply(paused);
  }
}
