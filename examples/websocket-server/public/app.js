// The example page: two agents, each with its own WebSocket connection and token, driving real
// terminals through @orchflow/client's browser entry (plain ES modules; see the import map).
import { ErrorCode, isOrchflowError, OrchflowClient, policyDenial } from '@orchflow/client';

const AGENTS = {
  alice: { policy: 'policy "standard"', command: 'uname -sr; echo "6 x 7 = $((6 * 7))"' },
  bob: { policy: 'restricted: echo pwd date; no file reads or writes; 10 s timeout', command: 'uname -sr' },
};

const status = document.querySelector('[data-testid="status"]');
const tokens = readTokens();
const { websocketUrl } = await (await fetch('/config.json')).json();
const panels = Object.fromEntries(Object.keys(AGENTS).map((name) => [name, createPanel(name)]));
const results = await Promise.allSettled(Object.values(panels).map((panel) => panel.connect()));
const failed = results.filter((result) => result.status === 'rejected').length;
status.textContent = failed ? `${failed} agent(s) could not connect` : `connected to ${websocketUrl}`;
document.body.dataset.ready = failed ? 'error' : 'true';

document.querySelector('[data-testid="probe"]').addEventListener('click', () => probe());

/**
 * Tokens come in the URL fragment (`#alice=…&bob=…`), which the browser never sends to a server;
 * they move to sessionStorage so they leave the address bar but survive a reload.
 */
function readTokens() {
  const fromHash = new URLSearchParams(location.hash.slice(1));
  const found = {};
  for (const name of Object.keys(AGENTS)) {
    const token = fromHash.get(name) ?? sessionStorage.getItem(`orchflow-token-${name}`);
    if (token) {
      sessionStorage.setItem(`orchflow-token-${name}`, token);
      found[name] = token;
    }
  }
  if (location.hash) history.replaceState(null, '', location.pathname);
  return found;
}

/** One agent's panel: its connection, its terminal, its buttons. */
function createPanel(name) {
  const template = document.querySelector('#agent-panel');
  const root = template.content.firstElementChild.cloneNode(true);
  const part = (role) => {
    const element = root.querySelector(`[data-role="${role}"]`);
    element.dataset.testid = `${name}-${role}`;
    return element;
  };
  const [title, policy, state, form, command, output, exit, error, terminalLine, list, listed] = [
    'title',
    'policy',
    'state',
    'form',
    'command',
    'output',
    'exit',
    'error',
    'terminal',
    'list',
    'terminals',
  ].map(part);
  part('run');
  title.textContent = `agent ${name}`;
  policy.textContent = AGENTS[name].policy;
  command.value = AGENTS[name].command;
  document.querySelector('#agents').append(root);

  const panel = { client: undefined };

  panel.connect = async () => {
    if (!tokens[name]) {
      state.textContent = `no token for ${name}: open the URL that \`pnpm start\` printed`;
      throw new Error('missing token');
    }
    try {
      panel.client = await OrchflowClient.websocket(websocketUrl, { token: tokens[name] });
      const who = panel.client.principal;
      state.textContent = `connected as ${who.kind} ${who.name ?? ''}`.trim();
    } catch (failure) {
      state.textContent = `could not connect: ${describe(failure)}`;
      throw failure;
    }
  };

  let spawned = 0;
  let spawning;
  /** Alice's (or Bob's) own terminal, spawned on first use under an agent id of theirs. */
  panel.ensureTerminal = async () => {
    // One spawn even when Run and the probe ask at once; a failed spawn is retried next time.
    spawning ??= panel.client.spawnTerminal(`${name}-${++spawned}`).catch((failure) => {
      spawning = undefined;
      throw failure;
    });
    const terminal = await spawning;
    terminalLine.textContent = terminal.id;
    return terminal;
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    output.textContent = '';
    exit.textContent = 'running…';
    error.textContent = '';
    try {
      const terminal = await panel.ensureTerminal();
      const result = await terminal.execute(command.value, {
        timeoutMs: 10_000,
        // Live chunks while it runs; replaced by the command's clean stdout when it ends.
        onOutput: (chunk) => {
          output.textContent += chunk.data;
        },
      });
      output.textContent = result.stdout;
      exit.textContent = String(result.exitCode ?? `none (timed out: ${result.timedOut})`);
    } catch (failure) {
      exit.textContent = '–';
      error.textContent = describe(failure);
      // The shell is gone (`exit` typed, or killed): the next run spawns a fresh terminal.
      if (
        isOrchflowError(failure) &&
        [ErrorCode.TerminalExited, ErrorCode.TerminalNotFound].includes(failure.code)
      ) {
        spawning = undefined;
      }
    }
  });

  list.addEventListener('click', async () => {
    try {
      const terminals = await panel.client.listTerminals();
      listed.replaceChildren(
        ...terminals.map((info) => {
          const item = document.createElement('li');
          item.textContent = `${info.id} (agent ${info.agentId}, ${info.state})`;
          return item;
        }),
      );
      listed.dataset.count = String(terminals.length);
    } catch (failure) {
      error.textContent = describe(failure);
    }
  });

  return panel;
}

/** Bob uses Alice's terminal id: the server answers as if it did not exist. */
async function probe() {
  const result = document.querySelector('[data-testid="probe-result"]');
  try {
    const target = await panels.alice.ensureTerminal();
    await panels.bob.client.handle(target.info()).kill();
    result.textContent = `Bob killed ${target.id}: scoping is broken!`;
  } catch (failure) {
    result.textContent = `refused: ${describe(failure)}`;
  }
}

/** An error as a person reads it: the orchflow code name and message, and a denial's rule. */
function describe(failure) {
  if (!isOrchflowError(failure)) return String(failure?.message ?? failure);
  const denial = policyDenial(failure);
  return denial
    ? `${failure.codeName}: ${denial.reason} (rule ${denial.rule})`
    : `${failure.codeName}: ${failure.message}`;
}
