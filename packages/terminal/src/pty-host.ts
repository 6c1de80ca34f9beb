// An interactive terminal's process side: the PTY running a shell with shell integration, the
// marker session over its bytes, and the output pipeline they feed. Starting it resolves at the
// shell's first prompt; its exit resolves only after the PTY has drained, so the last bytes a
// process wrote before exiting are in the pipeline before anyone hears of the exit.
import { constants } from 'node:os';
import { ErrorCode, type ExitInfo, OrchflowError } from '@orchflow/protocol';
import { type IPty, spawn } from 'node-pty';
import { cleanTerminalOutput } from './exec/clean';
import { ShellSession } from './exec/shell-session';
import { FlowGate } from './flow-gate';
import { OutputPipeline } from './output/pipeline';
import { killProcessTree } from './process/tree';
import { PtyDrain } from './pty-drain';
import { installShellIntegration, type ShellIntegration } from './shell-integration/install';
import { createNonce } from './shell-integration/marker-format';
import type { ResolvedSpawnOptions } from './spawn-options';

const signalNames = new Map<number, string>(Object.entries(constants.signals).map(([name, n]) => [n, name]));

/** A running PTY shell with its session and pipeline. */
export interface PtyHost {
  pty: IPty;
  session: ShellSession;
  pipeline: OutputPipeline;
  gate: FlowGate;
  /** Resolves once the shell has exited, its output drained and leftover session members ended. */
  exited: Promise<ExitInfo>;
}

function spawnFailed(message: string, data?: unknown, cause?: unknown): OrchflowError {
  return new OrchflowError(ErrorCode.SpawnFailed, message, data, { cause });
}

/** Spawns the shell and resolves at its first prompt; rejects with SpawnFailed otherwise. */
export async function startPtyHost(opts: ResolvedSpawnOptions, spawnTimeoutMs: number): Promise<PtyHost> {
  const nonce = createNonce();
  const integration = installShellIntegration(opts.kind, nonce, opts.args, opts.env);
  let pty: IPty;
  try {
    pty = spawn(opts.shellPath, integration.args, {
      name: opts.env.TERM ?? 'xterm-256color',
      cols: opts.cols,
      rows: opts.rows,
      cwd: opts.cwd,
      env: { ...opts.env, ...integration.env },
      encoding: null,
    });
  } catch (error) {
    integration.dispose();
    throw spawnFailed(
      `Could not start '${opts.shellPath}' in a PTY: ${(error as Error).message}`,
      undefined,
      error,
    );
  }
  const host = wire(pty, opts, nonce, integration);
  const ready = host.session.whenReady().then(() => 'ready' as const);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), spawnTimeoutMs);
  });
  const outcome = await Promise.race([ready, host.exited.then(() => 'exited' as const), timeout]);
  clearTimeout(timer);
  if (outcome === 'ready' && host.pipeline.ended === false) return host;
  if (outcome === 'timeout') await killProcessTree(pty.pid, { graceMs: 500 }).catch(() => undefined);
  const info = await host.exited;
  const end = host.pipeline.endOffset;
  const tail = cleanTerminalOutput(host.pipeline.read({ fromOffset: Math.max(0, end - 2000) }).data).trim();
  const what =
    outcome === 'timeout'
      ? `did not show its first prompt within ${spawnTimeoutMs} ms (its startup hung or replaced the prompt hooks)`
      : `exited during startup (${info.signal ? `signal ${info.signal}` : `exit code ${info.exitCode}`})`;
  throw spawnFailed(`Shell '${opts.shellPath}' ${what}${tail ? `; it printed: ${tail}` : ''}`, {
    shell: opts.shellPath,
    exit: info,
  });
}

function wire(pty: IPty, opts: ResolvedSpawnOptions, nonce: string, integration: ShellIntegration): PtyHost {
  const gate = new FlowGate((paused) => (paused ? pty.pause() : pty.resume()));
  const pipeline = new OutputPipeline({
    scrollbackBytes: opts.scrollbackBytes,
    cols: opts.cols,
    rows: opts.rows,
    onPause: () => gate.setBackpressure(true),
    onResume: () => gate.setBackpressure(false),
  });
  const session = new ShellSession({
    kind: opts.kind,
    nonce,
    shellPid: pty.pid,
    dir: integration.dir,
    initialCwd: opts.cwd,
    pipeline,
    write: (data) => pty.write(data),
    killTerminal: () => void killProcessTree(pty.pid).catch(() => undefined),
  });
  // encoding: null makes node-pty hand out Buffers (its typings only know strings).
  const drain = PtyDrain.install(pty, nonce);
  pty.onData((data) => {
    const bytes = data as unknown as Buffer;
    session.handleData(drain ? drain.filter(bytes) : bytes);
  });
  const exited = new Promise<ExitInfo>((resolve) => {
    // node-pty emits exit only after its socket closed, and PtyDrain holds that close back until
    // the output queued in the kernel has been read, so every byte has been delivered here.
    pty.onExit(({ exitCode, signal }) => {
      const info: ExitInfo = signal
        ? { exitCode: null, signal: signalNames.get(signal) ?? `SIG${signal}` }
        : { exitCode, signal: null };
      session.handleExit(info);
      pipeline.end();
      integration.dispose();
      // Background jobs outlive their shell; a terminal leaves no orphans behind.
      void killProcessTree(pty.pid, { graceMs: 500 })
        .catch(() => undefined)
        .then(() => resolve(info));
    });
  });
  return { pty, session, pipeline, gate, exited };
}
