// Which REST route carries each protocol method over HTTP (the client half of the server's route
// table): path and query from the params, the rest as a JSON body. Methods with no route here go
// to `POST /v1/rpc`.

type Fields = Record<string, unknown>;

/** An HTTP request standing for one JSON-RPC request. */
export interface HttpRoute {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: Fields;
}

/** The REST route of `method`, or undefined when it has none. */
export function httpRoute(method: string, params: Fields): HttpRoute | undefined {
  const { terminalId, ...rest } = params;
  const terminal = `/v1/terminals/${encodeURIComponent(String(terminalId))}`;
  switch (method) {
    case 'terminal.spawn':
      return { method: 'POST', path: '/v1/terminals', body: params };
    case 'terminal.list':
      return { method: 'GET', path: `/v1/terminals${query(params)}` };
    case 'terminal.kill':
      return { method: 'DELETE', path: `${terminal}${query(rest)}` };
    case 'terminal.execute':
      return { method: 'POST', path: `${terminal}/execute`, body: rest };
    case 'terminal.write':
      return { method: 'POST', path: `${terminal}/input`, body: rest };
    case 'terminal.resize':
      return { method: 'POST', path: `${terminal}/resize`, body: rest };
    case 'terminal.snapshot':
      return { method: 'GET', path: `${terminal}/snapshot` };
    case 'terminal.read':
      return { method: 'GET', path: `${terminal}/output${query(rest)}` };
    default:
      return undefined;
  }
}

function query(params: Fields): string {
  const entries = Object.entries(params).filter(([, value]) => value !== undefined);
  if (entries.length === 0) return '';
  return `?${entries.map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`).join('&')}`;
}
