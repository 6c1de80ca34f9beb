// The tool names (the contract agents rely on) and which of them change nothing.

/** The tools registered under `readOnly`. */
export const READ_ONLY_TOOLS = [
  'terminal_read',
  'terminal_list',
  'terminal_snapshot',
  'terminal_wait',
] as const;

/** Every tool name. */
export const ALL_TOOLS = [
  'terminal_run',
  'terminal_wait',
  'terminal_read',
  'terminal_write',
  'terminal_snapshot',
  'terminal_spawn',
  'terminal_list',
  'terminal_kill',
] as const;
