// The extension manifest and the code agree, and the core stays editor-independent.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS, OrchflowController, SettingsSchema } from '../src/core/index';
import { SERVER } from './helpers';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  engines: { vscode: string };
  capabilities?: { untrustedWorkspaces?: { supported: unknown; description?: string } };
  devDependencies: Record<string, string>;
  contributes: {
    commands: { command: string; title: string; category: string }[];
    configuration: { properties: Record<string, { default: unknown; scope?: string }> };
  };
};

describe('extension manifest', () => {
  it('contributes exactly the commands the core routes, with the title the issue names', () => {
    const controller = new OrchflowController(
      {
        append: () => undefined,
        showOutput: () => undefined,
        setStatus: () => undefined,
        showError: () => undefined,
        settings: () => ({}),
        workspaceFolder: () => undefined,
      },
      { defaultServer: SERVER },
    );
    const contributed = manifest.contributes.commands.map((c) => c.command);
    expect(contributed.sort()).toEqual(controller.router.ids().sort());
    expect(contributed.sort()).toEqual(Object.values(COMMANDS).sort());
    const run = manifest.contributes.commands.find((c) => c.command === COMMANDS.runTests);
    expect(`${run?.category}: ${run?.title}`).toBe('orchflow: Run Tests in Agent Terminal');
  });

  it('declares the settings the core reads, with the same defaults', () => {
    const defaults = SettingsSchema.parse({});
    const properties = manifest.contributes.configuration.properties;
    expect(Object.keys(properties).sort()).toEqual(
      Object.keys(defaults)
        .map((k) => `orchflow.${k}`)
        .sort(),
    );
    for (const [key, value] of Object.entries(defaults))
      expect(properties[`orchflow.${key}`]?.default).toEqual(value);
    expect(defaults.testCommand).toBe('npm test');
  });

  it('does not let a cloned repository choose what runs', () => {
    // The extension is off in untrusted workspaces (restricted mode), with a reason shown.
    expect(manifest.capabilities?.untrustedWorkspaces?.supported).toBe(false);
    expect(manifest.capabilities?.untrustedWorkspaces?.description).toMatch(/trusted/);
    const properties = manifest.contributes.configuration.properties;
    // The sidecar command is read from user/machine settings only, never from .vscode/settings.json.
    expect(properties['orchflow.serverCommand']?.scope).toBe('machine');
    // The test command may be set per workspace only where the workspace is trusted (above).
    expect(properties['orchflow.testCommand']?.scope).toBe('machine-overridable');
  });

  it('pins @types/vscode and requires at least that VS Code', () => {
    const types = manifest.devDependencies['@types/vscode'];
    expect(types).toMatch(/^\d+\.\d+\.\d+$/);
    expect(manifest.engines.vscode).toBe(`^${types}`);
  });

  it('keeps src/core free of the vscode module', () => {
    const dir = new URL('../src/core/', import.meta.url);
    for (const file of readdirSync(dir)) {
      const source = readFileSync(new URL(file, dir), 'utf8');
      expect(source, file).not.toMatch(/from ['"]vscode['"]|require\(['"]vscode['"]\)/);
    }
  });
});
