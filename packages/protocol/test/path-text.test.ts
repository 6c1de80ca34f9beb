// renamePath: a host path in printed text named as the caller gave it, whole components only.
import { describe, expect, it } from 'vitest';
import { renamePath } from '../src/path-text';

describe('renamePath', () => {
  it('replaces the path where it stands alone or leads a longer path', () => {
    expect(renamePath('bash: cd: /tmp/w: No such file', '/tmp/w', 'build')).toBe(
      'bash: cd: build: No such file',
    );
    expect(renamePath('cannot open /tmp/w/sub/file', '/tmp/w', 'build')).toBe('cannot open build/sub/file');
    expect(renamePath('\'/tmp/w\' and "/tmp/w" (/tmp/w)', '/tmp/w', 'x')).toBe('\'x\' and "x" (x)');
    expect(renamePath('PATH=/bin:/tmp/w:/usr/bin', '/tmp/w', 'x')).toBe('PATH=/bin:x:/usr/bin');
    expect(renamePath('in /tmp/w.', '/tmp/w', 'x')).toBe('in x.');
    expect(renamePath('Loading /tmp/w...', '/tmp/w', 'x')).toBe('Loading x...');
    expect(renamePath('see file:///tmp/w/a', '/tmp/w', 'x')).toBe('see file://x/a');
    expect(renamePath('/tmp/w', '/tmp/w', 'x')).toBe('x');
  });

  it('leaves a path alone inside a longer name', () => {
    const text = '/tmp/work /var/tmp/w /tmp/w-2 /tmp/w.d /tmp/w..d /tmp/wé /tmp/w\u0301 ./tmp/w //tmp/w';
    expect(renamePath(text, '/tmp/w', 'x')).toBe(text);
    expect(renamePath('/tmp/work and /tmp/w', '/tmp/w', 'x')).toBe('/tmp/work and x');
  });

  it('does nothing for an empty or root path', () => {
    expect(renamePath('a / b', '/', 'x')).toBe('a / b');
    expect(renamePath('a b', '', 'x')).toBe('a b');
  });
});
