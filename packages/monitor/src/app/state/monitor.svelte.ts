// The page's state, shared by every component: the session, the orchflow connection (one
// OrchflowClient over /ui/ws, replaced by a new one if it ever gives up), the terminal list
// (polled), each terminal's activity and floor (from notifications), alerts, toasts and the
// ticking clock that drives elapsed times and the commands-per-minute window.
import type { OrchflowClient, RemoteTerminal } from '@orchflow/client';
import { AlertList, type ListedAlert, parseAlert } from '../lib/alerts';
import { CommandRate } from '../lib/command-rate';
import { holdsFloor, parseFloorState, parseHolder } from '../lib/floor';
import { parseLoginCode } from '../lib/login-hash';
import { pageKeyStore, SessionApi, websocketUrl } from '../lib/session-api';
import { onlyShown, TerminalRoster } from '../lib/terminal-roster';
import type { FloorHolder, MonitorTerminal, SessionPrincipal, TerminalActivity } from '../lib/types';
import { describeError } from './errors';
import { openClient } from './open-client';
import { type Toast, Toasts } from './toasts.svelte';

/** How often the terminal list is refreshed. */
const POLL_MS = 2_000;
/** Pause before opening a new connection after one gave up; doubles per failure up to the max. */
const RECONNECT_MS = 2_000;
const MAX_RECONNECT_MS = 30_000;

/** Where the page is. */
export type Phase = 'loading' | 'login' | 'connecting' | 'ready' | 'disconnected';

/** The monitor's state and actions. */
export class Monitor {
  phase = $state<Phase>('loading');
  principal = $state.raw<SessionPrincipal | undefined>(undefined);
  loginError = $state<string | undefined>(undefined);
  client = $state.raw<OrchflowClient | undefined>(undefined);
  terminals = $state.raw<MonitorTerminal[]>([]);
  activities = $state.raw<Record<string, TerminalActivity>>({});
  floors = $state.raw<Record<string, FloorHolder | null>>({});
  alerts = $state.raw<readonly ListedAlert[]>([]);
  readonly toasts = new Toasts();
  focusedId = $state<string | undefined>(undefined);
  /** Now on the server's clock (elapsed times are of times the server sent). */
  now = $state(Date.now());
  commandsPerMinute = $state(0);
  /** True while the connection is down and the client is trying to get it back. */
  reconnecting = $state(false);

  readonly api: SessionApi;
  private readonly alertList = new AlertList();
  private readonly rate = new CommandRate();
  private readonly roster = new TerminalRoster();
  private readonly handles = new Map<string, RemoteTerminal>();
  /**
   * Terminals first listed by the previous poll. Activity notifications only report changes, and
   * only once the tile's subscription is open: a terminal's activity is fetched when it first
   * appears and once more on the next poll, after its subscription has opened, so a change in
   * between is not missed.
   */
  private newlyListed = new Set<string>();
  /**
   * The connection the terminal list was last fetched on. A new connection (after logging in
   * again, or after the old one gave up during a long outage) missed every activity change in
   * between, so its first list counts every terminal as first seen.
   */
  private listedOn: OrchflowClient | undefined;
  /** What this page's own takeFloor() returned, per terminal. */
  private readonly mine = new Map<string, FloorHolder>();
  /** When a terminal's floor last changed by notification, so an older poll does not undo it. */
  private readonly floorChangedAt = new Map<string, number>();
  private timers: ReturnType<typeof setInterval>[] = [];
  private polling = false;
  private checkingSession = false;
  private retryMs = RECONNECT_MS;

  constructor(private readonly page: Location) {
    this.api = new SessionApi(
      page.href,
      (input, init) => fetch(input, init),
      pageKeyStore(localStorageOrNone()),
    );
  }

  /** Admins see the controls (the server checks every call anyway). */
  get isAdmin(): boolean {
    return this.principal?.kind === 'admin';
  }

  /**
   * Only admins are offered Take over: the server lets keystrokes at the floor through for an admin
   * only, so an agent's session that took the floor would block its agent and type nothing.
   */
  get mayTakeFloor(): boolean {
    return this.isAdmin;
  }

  /** Starts the page: a login code in the fragment first, then the session, then the connection. */
  async start(): Promise<void> {
    this.timers.push(setInterval(() => this.tick(), 1_000));
    this.timers.push(setInterval(() => void this.refresh(), POLL_MS));
    const code = parseLoginCode(this.page.hash);
    if (this.page.hash !== '') history.replaceState(null, '', this.page.pathname + this.page.search);
    if (code !== undefined) {
      try {
        await this.api.login({ code });
      } catch (error) {
        this.loginError = describeError(error);
      }
    }
    await this.resume();
  }

  /** Stops the timers and closes the connection (the page is going away). */
  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    const client = this.client;
    this.client = undefined;
    void client?.close().catch(() => undefined);
  }

  /** Logs in with a token and connects. */
  async login(token: string): Promise<void> {
    this.loginError = undefined;
    try {
      await this.api.login({ token });
    } catch (error) {
      this.loginError = describeError(error);
      return;
    }
    await this.resume();
  }

  /** Logs out: closes the connection and forgets the session. */
  async logout(): Promise<void> {
    await this.disconnect();
    await this.api.logout().catch((error: unknown) => this.toast('error', describeError(error)));
    this.principal = undefined;
    this.phase = 'login';
  }

  /** The handle of terminal `id` on the current connection. */
  handle(id: string): RemoteTerminal | undefined {
    const client = this.client;
    if (!client) return undefined;
    const info = this.terminals.find((terminal) => terminal.id === id);
    let handle = this.handles.get(id);
    if (!handle && info) {
      handle = client.handle(info);
      this.handles.set(id, handle);
    }
    return handle;
  }

  /** True when this page holds terminal `id`'s floor (keystrokes go to the terminal). */
  holdsFloor(id: string): boolean {
    return holdsFloor(this.floors[id], this.mine.get(id));
  }

  /** Records a floor state this page took or released. */
  setFloor(id: string, holder: FloorHolder | null, mine: boolean): void {
    if (mine && holder) this.mine.set(id, holder);
    if (!holder) this.mine.delete(id);
    this.floorChangedAt.set(id, Date.now());
    this.floors = { ...this.floors, [id]: holder };
  }

  /** Runs a control call; its error (e.g. Forbidden) becomes a toast. Returns undefined on failure. */
  async run<T>(what: string, action: () => Promise<T>): Promise<T | undefined> {
    try {
      return await action();
    } catch (error) {
      this.toast('error', `${what}: ${describeError(error)}`);
      return undefined;
    }
  }

  /** Shows a toast for a while. */
  toast(kind: Toast['kind'], text: string): void {
    this.toasts.show(kind, text);
  }

  /** Removes an alert from the list. */
  dismissAlert(id: number): void {
    this.alertList.dismiss(id);
    this.alerts = this.alertList.open;
  }

  /** Refreshes the terminal list now. */
  async refresh(): Promise<void> {
    const client = this.client;
    if (!client || this.polling) return;
    this.polling = true;
    const startedAt = Date.now();
    try {
      const listed = (await client.listTerminals()) as MonitorTerminal[];
      if (client !== this.client) return;
      this.applyList(listed, startedAt, client);
    } catch (error) {
      if (client === this.client && !client.isClosed)
        this.toast('error', `Listing terminals: ${describeError(error)}`);
    } finally {
      this.polling = false;
    }
  }

  private async resume(): Promise<void> {
    try {
      this.principal = await this.api.session();
    } catch (error) {
      if (this.phase === 'loading' || this.phase === 'login') {
        this.loginError = describeError(error);
        this.phase = 'login';
      } else {
        // The server is unreachable or failing; that is no logout: keep the page and try again.
        this.phase = 'disconnected';
        this.retryLater();
      }
      return;
    }
    if (!this.principal) {
      this.phase = 'login';
      return;
    }
    await this.connect();
  }

  private retryLater(): void {
    setTimeout(() => void this.resume(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, MAX_RECONNECT_MS);
  }

  private async connect(): Promise<void> {
    this.phase = this.client ? 'disconnected' : 'connecting';
    let client: OrchflowClient;
    try {
      client = await openClient(websocketUrl(this.page.href), {
        onNotification: (method, params) => this.onNotification(method, params),
        onReconnecting: () => {
          this.reconnecting = true;
          void this.checkSession();
        },
        onReconnected: () => {
          this.reconnecting = false;
          void this.resync();
        },
        pageKey: () => this.api.pageKeys.get(),
      });
    } catch (error) {
      this.toast('error', `Connecting: ${describeError(error)}`);
      this.phase = 'disconnected';
      this.retryLater();
      return;
    }
    this.retryMs = RECONNECT_MS;
    this.handles.clear();
    this.reconnecting = false;
    this.client = client;
    this.phase = 'ready';
    void client.closed.then(() => {
      if (this.client !== client) return; // logged out, or already replaced
      this.phase = 'disconnected';
      this.retryLater();
    });
    await this.refresh();
  }

  /**
   * The connection dropped. If the session is what ended (logged out in another tab, expired, the
   * server restarted), reconnecting cannot help, and a browser cannot tell a refused WebSocket from
   * an unreachable server: ask the session API, and show the login form now rather than after
   * every reconnect attempt failed (about 30 s).
   */
  private async checkSession(): Promise<void> {
    if (this.checkingSession) return;
    this.checkingSession = true;
    try {
      if (await this.api.session()) return;
    } catch {
      return; // The server is unreachable: the client keeps trying.
    } finally {
      this.checkingSession = false;
    }
    this.principal = undefined;
    this.loginError = 'The session ended (logged out elsewhere, or it expired): log in again.';
    this.phase = 'login';
    await this.disconnect();
  }

  /** Closes the connection for good: the page no longer uses it nor waits for it to come back. */
  private async disconnect(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.reconnecting = false;
    await client?.close().catch(() => undefined);
  }

  /** After the connection came back: activities may have changed while it was down. */
  private async resync(): Promise<void> {
    await this.refresh();
    for (const terminal of this.terminals) void this.fetchActivity(terminal.id);
  }

  private applyList(fresh: MonitorTerminal[], startedAt: number, client: OrchflowClient): void {
    const listed = this.roster.update(fresh, Date.now());
    const known = new Set(client === this.listedOn ? this.terminals.map((terminal) => terminal.id) : []);
    this.listedOn = client;
    const floors = { ...this.floors };
    const firstSeen = new Set<string>();
    for (const terminal of listed) {
      if (!known.has(terminal.id)) firstSeen.add(terminal.id);
      if ((this.floorChangedAt.get(terminal.id) ?? 0) <= startedAt)
        floors[terminal.id] = parseHolder(terminal.floor) ?? null;
    }
    const present = new Set(listed.map((terminal) => terminal.id));
    for (const id of this.handles.keys()) if (!present.has(id)) this.handles.delete(id);
    this.forgetAbsent(present);
    this.floors = onlyShown(floors, present);
    this.terminals = listed;
    // After `terminals` is set: `handle()` finds only listed terminals.
    for (const id of new Set([...firstSeen, ...this.newlyListed]))
      if (present.has(id)) void this.fetchActivity(id);
    this.newlyListed = firstSeen;
    if (this.focusedId !== undefined && !present.has(this.focusedId)) this.focusedId = undefined;
  }

  /**
   * Drops what is kept per terminal for terminals no longer listed, so a page left open for days
   * over a server that spawns thousands of terminals does not grow. A notification about a
   * terminal not listed yet is dropped too; that terminal's activity is fetched when it is listed.
   */
  private forgetAbsent(present: ReadonlySet<string>): void {
    for (const id of this.floorChangedAt.keys()) if (!present.has(id)) this.floorChangedAt.delete(id);
    for (const id of this.mine.keys()) if (!present.has(id)) this.mine.delete(id);
    const activities = onlyShown(this.activities, present);
    if (activities !== this.activities) this.activities = activities;
  }

  private async fetchActivity(id: string): Promise<void> {
    const handle = this.handle(id);
    if (!handle) return;
    try {
      this.setActivity(await handle.activity());
    } catch {
      // The terminal may have gone; the next poll drops it.
    }
  }

  private setActivity(activity: TerminalActivity): void {
    this.activities = { ...this.activities, [activity.terminalId]: activity };
    if ((activity.activity === 'running' || activity.activity === 'awaiting_input') && activity.since) {
      const now = this.serverNow();
      this.rate.record(`${activity.terminalId}|${activity.since}`, Date.parse(activity.since), now);
      this.commandsPerMinute = this.rate.perMinute(now);
    }
  }

  /** Now on the server's clock, which the times it sends are on. */
  private serverNow(): number {
    return Date.now() + this.api.clockOffsetMs;
  }

  private onNotification(method: string, params: unknown): void {
    if (method === 'terminal.activity') {
      const p = params as TerminalActivity | undefined;
      if (p && typeof p.terminalId === 'string' && typeof p.activity === 'string') this.setActivity(p);
    } else if (method === 'terminal.floor') {
      const state = parseFloorState(params);
      if (state) this.setFloor(state.terminalId, state.holder, false);
    } else if (method === 'security.alert') {
      const alert = parseAlert(params);
      if (alert) {
        this.alertList.add(alert, Date.now());
        this.alerts = this.alertList.open;
      }
    }
  }

  private tick(): void {
    this.now = this.serverNow();
    this.commandsPerMinute = this.rate.perMinute(this.now);
  }
}

/** The origin's localStorage, or undefined where the browser refuses it (then the key stays in memory). */
function localStorageOrNone(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}
