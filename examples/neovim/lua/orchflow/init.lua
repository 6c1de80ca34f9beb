-- orchflow for Neovim: `:OrchflowRun {cmd}` runs a command in one persistent orchflow terminal
-- (a shell kept between runs, so `cd` and exports carry over) served by `orchflow serve --stdio`,
-- shows the output in a scratch buffer and the exit code in the status line.
local rpc = require('orchflow.rpc')
local results = require('orchflow.results')

local M = {}

-- The protocol version this plugin speaks (docs/protocol.md: PROTOCOL_VERSION); servers with
-- another major version refuse `initialize` with VersionMismatch.
M.PROTOCOL_VERSION = '1.0.0'

local ERR_TERMINAL_NOT_FOUND = -32001
local ERR_TERMINAL_EXITED = -32007

local defaults = {
  -- How to start the server; must speak JSON-RPC with Content-Length framing on stdin/stdout.
  cmd = { 'orchflow', 'serve', '--stdio' },
  -- The agent the terminal is spawned for.
  agent = 'nvim',
  -- Per-command limit; the server ends a command that runs longer.
  timeout_ms = 10 * 60 * 1000,
  -- How long starting the server and each setup request may take.
  request_timeout_ms = 30 * 1000,
}

local config = vim.deepcopy(defaults)
local state = {
  client = nil, -- the rpc client once initialized
  starting = nil, -- callbacks waiting for the handshake
  terminal_id = nil,
  busy = false,
}

local function set_status(text, level, message)
  vim.g.orchflow_status = text
  vim.cmd('redrawstatus!')
  if message then
    vim.notify(message, level)
  end
end

--- Configures the plugin; `opts.cmd` (a list) is the server command.
function M.setup(opts)
  opts = opts or {}
  vim.validate({
    cmd = { opts.cmd, 'table', true },
    agent = { opts.agent, 'string', true },
    timeout_ms = { opts.timeout_ms, 'number', true },
    request_timeout_ms = { opts.request_timeout_ms, 'number', true },
  })
  if opts.cmd and (#opts.cmd == 0 or type(opts.cmd[1]) ~= 'string') then
    error('orchflow.setup: cmd must be a non-empty list of strings, e.g. { "orchflow", "serve", "--stdio" }')
  end
  M.stop()
  config = vim.tbl_extend('force', vim.deepcopy(defaults), opts)
end

local function error_text(err)
  if type(err) == 'table' then
    return tostring(err.message or vim.inspect(err))
  end
  return tostring(err)
end

--- Calls done(err, client) once the server runs and answered `initialize`.
local function with_client(done)
  if state.client and state.client.alive then
    return done(nil, state.client)
  end
  if state.starting then
    table.insert(state.starting, done)
    return
  end
  local waiting = { done }
  state.starting = waiting
  local function finish(err, client)
    state.starting = nil
    state.client = client
    for _, callback in ipairs(waiting) do
      callback(err, client)
    end
  end

  local client, err
  client, err = rpc.start(config.cmd, {
    on_exit = function()
      -- The server's terminals died with it; the next run starts a new server and shell. (Only
      -- if it is still the current server: a stopped one may report its exit after a new start.)
      if state.client == client then
        state.client = nil
        state.terminal_id = nil
      end
    end,
  })
  if not client then
    return finish(
      'cannot start the orchflow server ('
        .. table.concat(config.cmd, ' ')
        .. '): '
        .. err
        .. ". Set the command with require('orchflow').setup({ cmd = { ... } })"
    )
  end
  client:request('initialize', {
    protocolVersion = M.PROTOCOL_VERSION,
    clientInfo = { name = 'orchflow.nvim', version = '0.0.0' },
  }, function(init_err, result)
    if init_err then
      client:stop(0)
      return finish('the orchflow server refused initialize: ' .. error_text(init_err))
    end
    finish(nil, client)
  end, config.request_timeout_ms)
end

local function is_gone(err)
  local code = type(err) == 'table' and err.code
  return code == ERR_TERMINAL_EXITED or code == ERR_TERMINAL_NOT_FOUND
end

local function spawn_terminal(client, done)
  client:request('terminal.spawn', {
    agentId = config.agent,
    config = { cwd = vim.fn.getcwd(), name = 'nvim' },
  }, function(err, info)
    if err then
      return done('cannot spawn the orchflow terminal: ' .. error_text(err))
    end
    state.terminal_id = info.id
    done(nil, info.id)
  end, config.request_timeout_ms)
end

--- Calls done(err, terminal_id) with the persistent terminal: the known one while it is alive,
--- else a new one. Checked *before* a command is sent, so a command is never sent twice.
local function with_terminal(client, done)
  local terminal_id = state.terminal_id
  if not terminal_id then
    return spawn_terminal(client, done)
  end
  client:request('terminal.activity', { terminalId = terminal_id }, function(err, activity)
    if err and not is_gone(err) then
      return done(error_text(err))
    end
    if err or activity.activity == 'exited' then
      -- An earlier command ended the shell (`exit`), or it was killed: start a fresh one.
      state.terminal_id = nil
      return spawn_terminal(client, done)
    end
    done(nil, terminal_id)
  end, config.request_timeout_ms)
end

local function execute(client, command, done)
  with_terminal(client, function(err, terminal_id)
    if err then
      return done(err)
    end
    client:request('terminal.execute', {
      terminalId = terminal_id,
      command = command,
      timeoutMs = config.timeout_ms,
    }, function(exec_err, result)
      -- Never re-run here: the command may have run (a script that ends with `exit` has had its
      -- effects). A shell that ended is replaced before the next command instead.
      if is_gone(exec_err) or (result and result.shellExited) then
        state.terminal_id = nil
      end
      if exec_err then
        return done(error_text(exec_err))
      end
      done(nil, result)
    end, config.timeout_ms + config.request_timeout_ms)
  end)
end

--- Runs `command` in the persistent terminal; results go to the scratch buffer and status line.
--- on_done(err, result), if given, runs afterwards.
function M.run(command, on_done)
  command = vim.trim(command or '')
  local function finish(err, result)
    state.busy = false
    if on_done then
      on_done(err, result)
    end
  end
  -- Refusals leave `busy` alone: a command may be running.
  local function refuse(err)
    if on_done then
      on_done(err, nil)
    end
  end
  if command == '' then
    vim.notify('orchflow: give a command, e.g. :OrchflowRun make test', vim.log.levels.ERROR)
    return refuse('empty command')
  end
  if state.busy then
    vim.notify('orchflow: a command is still running; wait for it to finish', vim.log.levels.WARN)
    return refuse('busy')
  end
  state.busy = true
  set_status('orchflow: running…')
  with_client(function(err, client)
    if err then
      set_status('orchflow: error', vim.log.levels.ERROR, 'orchflow: ' .. err)
      results.append_error(command, err)
      return finish(err)
    end
    execute(client, command, function(exec_err, result)
      if exec_err then
        set_status('orchflow: error', vim.log.levels.ERROR, 'orchflow: ' .. command .. ': ' .. exec_err)
        results.append_error(command, exec_err)
        return finish(exec_err)
      end
      local ending = results.describe_end(result)
      results.append(command, result)
      local ok = result.exitCode == 0 and not result.timedOut
      local level = ok and vim.log.levels.INFO or vim.log.levels.WARN
      set_status('orchflow: ' .. ending, level, 'orchflow: ' .. command .. ' → ' .. ending)
      finish(nil, result)
    end)
  end)
end

--- True while a command runs (tests and scripts wait on it with vim.wait).
function M.busy()
  return state.busy
end

--- The status-line text: put `%{get(g:,'orchflow_status','')}` in 'statusline'.
function M.statusline()
  return vim.g.orchflow_status or ''
end

--- The server's process id, if one runs.
function M.server_pid()
  return state.client and state.client:pid() or nil
end

--- Stops the server (closing its stdin makes it kill its terminals and exit).
function M.stop()
  local client = state.client
  state.client = nil
  state.terminal_id = nil
  if client then
    client:stop(3000)
  end
end

return M
