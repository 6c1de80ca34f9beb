import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findAssetsDir, MonitorAssetsMissingError } from '../src/assets-dir';

describe('findAssetsDir (behind monitorAssetsDir)', () => {
  const made: string[] = [];
  const temp = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'orchflow-monitor-'));
    made.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('finds app/ beside a built entry (dist/index.mjs or .cjs)', () => {
    const dist = temp();
    mkdirSync(join(dist, 'app', 'assets'), { recursive: true });
    writeFileSync(join(dist, 'app', 'index.html'), '<!doctype html>');
    expect(findAssetsDir(dist)).toBe(join(dist, 'app'));
  });

  it('finds dist/app from the source entry (src/index.ts), not the app’s source page in src/app', () => {
    const root = temp();
    mkdirSync(join(root, 'src', 'app'), { recursive: true });
    writeFileSync(join(root, 'src', 'app', 'index.html'), '<script type="module" src="./main.ts"></script>');
    mkdirSync(join(root, 'dist', 'app', 'assets'), { recursive: true });
    writeFileSync(join(root, 'dist', 'app', 'index.html'), '<!doctype html>');
    expect(findAssetsDir(join(root, 'src'))).toBe(join(root, 'dist', 'app'));
  });

  it('fails with a typed error naming where it looked when the app is not built', () => {
    const root = temp();
    mkdirSync(join(root, 'app')); // a folder without index.html is not a built app
    let caught: unknown;
    try {
      findAssetsDir(root);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MonitorAssetsMissingError);
    expect((caught as MonitorAssetsMissingError).name).toBe('MonitorAssetsMissingError');
    expect((caught as MonitorAssetsMissingError).searched).toContain(join(root, 'app'));
  });
});
