// `pnpm start`: the extension's core driven by a console "editor" — what VS Code's output channel
// and status bar would show — without VS Code. Runs `npm test` (the default setting) of a small
// project in the agent terminal, kills the sidecar with SIGKILL, fixes the bug, and runs the tests
// again on the restarted sidecar.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultServerCommand, type EditorHost, OrchflowController } from './core/index';

// A throwaway project, deleted when the demo ends (also when it fails): nothing to inspect later.
const project = mkdtempSync(join(tmpdir(), 'orchflow-vscode-demo-'));

const host: EditorHost = {
  append: (text) => process.stdout.write(text),
  showOutput: () => undefined,
  setStatus: (view) => console.log(`  [status bar] ${view.text} (${view.tone})`),
  showError: (message) => console.error(`  [error] ${message}`),
  settings: () => ({}), // the defaults: testCommand `npm test`
  workspaceFolder: () => project,
};

// `pnpm start` exports npm_config_* variables that would make the demo's `npm test` print warnings.
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('npm_config_')));
const controller = new OrchflowController(host, {
  defaultServer: { ...defaultServerCommand(import.meta.url), env },
});
try {
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'demo', scripts: { test: 'node --test' } }),
  );
  writeFileSync(join(project, 'sum.mjs'), 'export const sum = (a, b) => a - b; // the bug\n');
  writeFileSync(
    join(project, 'sum.test.mjs'),
    "import test from 'node:test';\nimport { sum } from './sum.mjs';\n" +
      "test('sum', () => { if (sum(1, 2) !== 3) throw new Error('sum(1, 2) is ' + sum(1, 2) + ', not 3'); });\n",
  );
  await controller.runTests();
  const pid = controller.sidecar?.status.pid;
  console.log(`\n  [demo] killing the sidecar (pid ${pid}) with SIGKILL…`);
  if (pid) process.kill(pid, 'SIGKILL');
  const next = await controller.sidecar?.waitFor((s) => s.state === 'running' && s.pid !== pid);
  console.log(`  [demo] restarted as pid ${next?.pid}; fixing sum.mjs and running the tests again\n`);
  writeFileSync(join(project, 'sum.mjs'), 'export const sum = (a, b) => a + b;\n');
  await controller.runTests();
  console.log(`  [demo] sidecar now: ${JSON.stringify(controller.sidecar?.status)}`);
} finally {
  // The sidecar's terminal runs in the project: stop it before deleting the directory.
  await controller.dispose();
  rmSync(project, { recursive: true, force: true });
}
