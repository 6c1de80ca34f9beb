// pino lines made readable for a person at a terminal: `12:03:04 INFO  listening  listeners=2`.
// Machines reading stderr (a pipe, a log collector) keep the JSON lines; `serve` picks by isTTY.

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};

// pino's own bookkeeping fields: shown as the prefix or not at all.
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg']);

function fieldText(value: unknown): string {
  if (typeof value === 'string')
    return /^[^\s"=]*$/.test(value) && value !== '' ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/** One pino JSON line as `HH:MM:SS LEVEL message key=value …`; other text passes unchanged. */
export function humanLogLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const time = typeof record.time === 'number' ? new Date(record.time).toTimeString().slice(0, 8) : '';
  const level = LEVELS[record.level as number] ?? String(record.level);
  const fields = Object.entries(record)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => `${key}=${fieldText(value)}`);
  return `${[time, level, String(record.msg ?? ''), ...fields].filter((part) => part !== '').join(' ')}\n`;
}

/** A pino destination handing each line, as a {@link humanLogLine}, to `write` (synchronously). */
export function humanDestination(write: (text: string) => void): { write(line: string): boolean } {
  return {
    write(line: string): boolean {
      write(humanLogLine(line));
      return true;
    },
  };
}
