// The VS Code adapter: binds the core's commands, output and status to VS Code's API. Everything
// else (sidecar lifecycle, routing, formatting) lives in ./core, which never imports 'vscode'.
import { join } from 'node:path';
import * as vscode from 'vscode';
import { defaultServerCommand, type EditorHost, OrchflowController, type StatusView } from './core/index';

let controller: OrchflowController | undefined;

const ICONS: Record<StatusView['tone'], string> = {
  idle: '$(terminal)',
  running: '$(sync~spin)',
  passed: '$(check)',
  failed: '$(error)',
  error: '$(warning)',
};

/** Called by VS Code on the first use of a contributed command. */
export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('orchflow');
  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 0);
  status.command = 'orchflow.runTests';
  status.text = `${ICONS.idle} orchflow`;
  status.tooltip = 'orchflow: Run Tests in Agent Terminal';
  status.show();

  const host: EditorHost = {
    append: (text) => output.append(text),
    showOutput: () => output.show(true),
    setStatus: (view) => {
      status.text = `${ICONS[view.tone]} ${view.text}`;
      status.tooltip = view.tooltip;
      status.backgroundColor =
        view.tone === 'failed' || view.tone === 'error'
          ? new vscode.ThemeColor('statusBarItem.errorBackground')
          : undefined;
    },
    showError: (message) => void vscode.window.showErrorMessage(message),
    settings: () => {
      const config = vscode.workspace.getConfiguration('orchflow');
      return {
        testCommand: config.get('testCommand'),
        serverCommand: config.get('serverCommand'),
        maxRestarts: config.get('maxRestarts'),
      };
    },
    workspaceFolder: () => vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
  };

  controller = new OrchflowController(host, {
    defaultServer: defaultServerCommand(join(context.extensionPath, 'package.json')),
  });
  const router = controller.router;
  for (const id of router.ids()) {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, (...args) => router.dispatch(id, ...args)),
    );
  }
  context.subscriptions.push(output, status);
}

/** Called by VS Code when the window closes or the extension is disabled; stops the sidecar. */
export async function deactivate(): Promise<void> {
  await controller?.dispose();
  controller = undefined;
}
