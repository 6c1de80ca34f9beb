// Each terminal's screen and scrollback as MCP resources: `orchflow://terminals/{id}/screen` (the
// rendered screen) and `orchflow://terminals/{id}/output` (retained output as plain text, newest
// 64 KiB), listed per terminal the client can see.
import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/server';
import { capText } from './output';
import { resourceGuarded } from './resource-errors';
import type { ToolHost } from './tool-host';

/** Most output the `…/output` resource returns (newest bytes). */
export const OUTPUT_RESOURCE_BYTES = 64 * 1024;

function variable(value: string | string[] | undefined): string {
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

/** Registers the screen and output resources. */
export function registerResources(server: McpServer, host: ToolHost): void {
  const list = (suffix: 'screen' | 'output') => async (ctx: Parameters<ToolHost['session']>[0]) => {
    const terminals = await (await host.session(ctx)).client.listTerminals();
    return {
      resources: terminals
        .filter((t) => t.state !== 'exited')
        .map((t) => ({
          uri: `orchflow://terminals/${t.id}/${suffix}`,
          name: `${t.name ?? t.id} ${suffix}`,
          mimeType: 'text/plain',
        })),
    };
  };
  server.registerResource(
    'terminal-screen',
    new ResourceTemplate('orchflow://terminals/{id}/screen', { list: list('screen') }),
    { title: 'Terminal screen', description: 'The rendered screen of a terminal', mimeType: 'text/plain' },
    (uri, variables, ctx) =>
      resourceGuarded(uri.href, async () => {
        const record = await (await host.session(ctx)).record(variable(variables.id));
        const snap = await record.terminal.snapshot();
        return { contents: [{ uri: uri.href, mimeType: 'text/plain', text: snap.lines.join('\n') }] };
      }),
  );
  server.registerResource(
    'terminal-output',
    new ResourceTemplate('orchflow://terminals/{id}/output', { list: list('output') }),
    {
      title: 'Terminal output',
      description: 'Retained output of a terminal (newest 64 KiB, plain text)',
      mimeType: 'text/plain',
    },
    (uri, variables, ctx) =>
      resourceGuarded(uri.href, async () => {
        const record = await (await host.session(ctx)).record(variable(variables.id));
        const from = Math.max(0, record.endOffset - OUTPUT_RESOURCE_BYTES);
        const page = await record.terminal.read({ fromOffset: from, maxBytes: OUTPUT_RESOURCE_BYTES });
        const text = capText(record.plain(page.data), OUTPUT_RESOURCE_BYTES).text;
        return { contents: [{ uri: uri.href, mimeType: 'text/plain', text }] };
      }),
  );
}
