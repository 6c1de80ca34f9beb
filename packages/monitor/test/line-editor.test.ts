import { describe, expect, it } from 'vitest';
import { PipeLineEditor } from '../src/app/lib/line-editor';

describe('PipeLineEditor', () => {
  it('echoes what is typed and sends the line on Enter with \\n', () => {
    const editor = new PipeLineEditor();
    expect(editor.feed('y')).toEqual({ echo: 'y', lines: [] });
    expect(editor.feed('es')).toEqual({ echo: 'es', lines: [] });
    expect(editor.feed('\r')).toEqual({ echo: '\r\n', lines: ['yes\n'] });
  });

  it('edits the line: Backspace, Ctrl-U, and Ctrl-C drops it', () => {
    const editor = new PipeLineEditor();
    expect(editor.feed('noo\x7f').echo).toBe('noo\b \b');
    expect(editor.feed('\x7f\x7f\x7f\x7f').echo).toBe('\b \b\b \b');
    expect(editor.feed('abc\x15').echo).toBe('abc\b \b\b \b\b \b');
    expect(editor.feed('xyz\x03')).toEqual({ echo: 'xyz^C\r\n', lines: [] });
    expect(editor.feed('ok\r').lines).toEqual(['ok\n']);
  });

  it('sends each line of a paste, keeps the rest, and drops escape sequences', () => {
    const editor = new PipeLineEditor();
    expect(editor.feed('one\ntwo\r\nthr').lines).toEqual(['one\n', 'two\n', '\n']);
    expect(editor.feed('\x1b[A\x1b[Dee\x1bOP\r').lines).toEqual(['three\n']);
  });

  it('erases a whole character, not half of a surrogate pair', () => {
    const editor = new PipeLineEditor();
    editor.feed('a😀');
    editor.feed('\x7f');
    expect(editor.feed('\r').lines).toEqual(['a\n']);
  });
});
