// Context of the sidecar one-liner: the client it makes runs a command and is closed.
/* snippet */
const terminal = await client.spawnTerminal('first-contact');
const result = await terminal.execute('echo sidecar');
if (result.stdout !== 'sidecar\n') throw new Error(`unexpected output: ${JSON.stringify(result.stdout)}`);
await client.close();
