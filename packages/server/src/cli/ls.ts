// `orchflow ls`: the terminals the caller's principal may see, as a table or JSON.
import type { TerminalInfo } from '@orchflow/protocol';
import { connectTo, type ServerOptions, serverUrl } from './connect';
import { formatRows } from './table';

export interface LsFlags extends ServerOptions {
  agent?: string;
  json?: boolean;
}

/** The terminals as an aligned text table. */
export function formatTable(terminals: TerminalInfo[]): string {
  const rows = [
    ['ID', 'AGENT', 'PID', 'MODE', 'STATE', 'SIZE', 'CREATED'],
    ...terminals.map((t) => [
      t.id,
      t.agentId,
      String(t.pid),
      t.mode,
      t.exitCode === undefined || t.exitCode === null ? t.state : `${t.state} (${t.exitCode})`,
      `${t.cols}x${t.rows}`,
      t.createdAt,
    ]),
  ];
  return formatRows(rows);
}

/** Runs `orchflow ls`. */
export async function ls(flags: LsFlags): Promise<number> {
  const client = await connectTo(serverUrl(flags), flags.token);
  try {
    const terminals = await client.listTerminals(flags.agent ? { agentId: flags.agent } : {});
    process.stdout.write(
      flags.json ? `${JSON.stringify(terminals, null, 2)}\n` : `${formatTable(terminals)}\n`,
    );
    return 0;
  } finally {
    await client.close();
  }
}
