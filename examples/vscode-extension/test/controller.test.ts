// The extension's behaviour without VS Code: an in-memory editor host (output channel text,
// status-bar views, error messages, settings) and the real sidecar behind the command router.
import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS, type EditorHost, OrchflowController, type StatusView } from '../src/core/index';
import { alive, SERVER, until } from './helpers';

const folder = realpathSync(mkdtempSync(join(tmpdir(), 'orchflow-vscode-test-')));
const editor = {
  output: '',
  statuses: [] as StatusView[],
  errors: [] as string[],
  settings: { testCommand: 'echo "in $PWD"; (exit 3)' } as Record<string, unknown>,
};
const host: EditorHost = {
  append: (text) => {
    editor.output += text;
  },
  showOutput: () => undefined,
  setStatus: (view) => editor.statuses.push(view),
  showError: (message) => editor.errors.push(message),
  settings: () => editor.settings,
  workspaceFolder: () => folder,
};
const controller = new OrchflowController(host, {
  defaultServer: SERVER,
  supervision: { restartDelayMs: 50 },
});

afterAll(() => controller.dispose());

describe.sequential('OrchflowController (the extension without VS Code)', () => {
  it('routes orchflow.runTests: output channel gets the streamed run, the status bar its exit code', async () => {
    const outcome = await controller.router.dispatch(COMMANDS.runTests);
    expect(outcome).toMatchObject({ exitCode: 3, cwd: folder });
    expect(editor.output).toMatch(
      new RegExp(
        `^\\[[^\\]]+\\] \\$ echo "in \\$PWD"; \\(exit 3\\) in ${folder}\\nin ${folder}\\n\\n\\[exit 3 after \\d+`,
      ),
    );
    expect(editor.statuses.map((s) => [s.text, s.tone])).toEqual([
      ['orchflow: running…', 'running'],
      ['orchflow: exit 3', 'failed'],
    ]);
    expect(editor.errors).toEqual([]);
  });

  it('reports invalid settings as an error in the status bar and a message', async () => {
    editor.settings = { testCommand: '   ' };
    expect(await controller.router.dispatch(COMMANDS.runTests)).toBeUndefined();
    expect(editor.errors.at(-1)).toMatch(
      /Invalid orchflow settings: .*testCommand.*Fix them in the settings/s,
    );
    expect(editor.statuses.at(-1)?.tone).toBe('error');
    editor.settings = { testCommand: 'true' };
    expect(await controller.router.dispatch(COMMANDS.runTests)).toMatchObject({ exitCode: 0 });
    expect(editor.statuses.at(-1)).toMatchObject({ text: 'orchflow: exit 0', tone: 'passed' });
  });

  it('rejects an unknown command id with MethodNotFound', async () => {
    await expect(controller.router.dispatch('orchflow.nope')).rejects.toMatchObject({
      codeName: 'MethodNotFound',
      message: expect.stringContaining('orchflow.runTests'),
    });
  });

  it('stops the sidecar on dispose (the editor closing)', async () => {
    const pid = controller.sidecar?.status.pid as number;
    expect(alive(pid)).toBe(true);
    await controller.dispose();
    await until(() => !alive(pid), `sidecar ${pid} to exit`);
  });
});
