import { describe, expect, it } from 'vitest';
import { writeData } from '../src/write-data';

describe('writeData (terminal.write params of RemoteTerminal.write)', () => {
  it('sends strings and valid UTF-8 bytes as text', () => {
    expect(writeData('ls\r')).toEqual({ data: 'ls\r' });
    expect(writeData(new TextEncoder().encode('é\r'))).toEqual({ data: 'é\r' });
  });

  it('sends bytes that are not UTF-8 as base64, byte for byte', () => {
    const bytes = new Uint8Array([0x61, 0xff, 0x00, 0xc3]);
    const sent = writeData(bytes);
    expect(sent.encoding).toBe('base64');
    expect([...Buffer.from(sent.data, 'base64')]).toEqual([...bytes]);
  });
});
