// A minimal Server-Sent Events reader over a response body (EventSource cannot send an Authorization
// header): yields `{ event, data, id }` per event; comments and `retry:` lines are skipped.

/** One SSE event. */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/** Parses `body` as an SSE stream. */
export async function* readSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let current: { event: string; data: string[]; id?: string } = { event: 'message', data: [] };
  // Leaving the loop early (the consumer stopped) ends the body's iterator, which releases it.
  for await (const value of body) {
    buffer += decoder.decode(value, { stream: true });
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf('\n');
      if (line === '') {
        if (current.data.length > 0)
          yield { event: current.event, data: current.data.join('\n'), id: current.id };
        current = { event: 'message', data: [] };
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') current.event = value;
      else if (field === 'data') current.data.push(value);
      else if (field === 'id') current.id = value;
    }
  }
}
