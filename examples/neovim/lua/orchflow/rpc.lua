-- A JSON-RPC 2.0 client over the stdin/stdout of a job started with vim.fn.jobstart
-- (`orchflow serve --stdio`). Callbacks run on Neovim's main loop.
local framing = require('orchflow.framing')

local M = {}

-- Characters of the server's stderr kept for error messages.
local STDERR_TAIL = 2000

local Client = {}
Client.__index = Client

--- Fails every request still waiting for an answer.
local function fail_pending(client, message)
  local pending = client.pending
  client.pending = {}
  for _, entry in pairs(pending) do
    if entry.timer then
      entry.timer:stop()
      entry.timer:close()
    end
    entry.callback({ code = -32016, message = message }, nil)
  end
end

local function dispatch(client, message)
  if message.id ~= nil and message.method == nil then
    local entry = client.pending[message.id]
    if not entry then
      return
    end
    client.pending[message.id] = nil
    if entry.timer then
      entry.timer:stop()
      entry.timer:close()
    end
    if message.error ~= nil and message.error ~= vim.NIL then
      entry.callback(message.error, nil)
    else
      entry.callback(nil, message.result)
    end
  elseif message.method ~= nil and client.on_notification then
    client.on_notification(message.method, message.params)
  end
end

--- Starts `cmd` (a list) and returns a client, or nil and an error message.
--- opts.on_exit(code, stderr_tail) hears the server's end; opts.on_notification(method, params).
function M.start(cmd, opts)
  opts = opts or {}
  local client = setmetatable({
    next_id = 1,
    pending = {},
    decoder = framing.decoder(),
    stderr = '',
    alive = true,
    on_notification = opts.on_notification,
  }, Client)

  local ok, job = pcall(vim.fn.jobstart, cmd, {
    on_stdout = function(_, data)
      -- jobstart splits output at newlines: joining the pieces back restores the exact bytes.
      local messages, err = client.decoder:push(table.concat(data, '\n'))
      if not messages then
        client:stop()
        fail_pending(client, 'orchflow server sent a corrupt frame: ' .. err)
        return
      end
      for _, message in ipairs(messages) do
        dispatch(client, message)
      end
    end,
    on_stderr = function(_, data)
      client.stderr = (client.stderr .. table.concat(data, '\n')):sub(-STDERR_TAIL)
    end,
    on_exit = function(_, code)
      client.alive = false
      local tail = vim.trim(client.stderr)
      local why = 'the orchflow server exited (code ' .. code .. ')'
      if tail ~= '' then
        why = why .. ': ' .. tail
      end
      fail_pending(client, why)
      if opts.on_exit then
        opts.on_exit(code, tail)
      end
    end,
  })
  if not ok then
    -- E475 "... is not executable": the message names the command.
    return nil, (tostring(job):gsub('^Vim:', ''))
  end
  if job <= 0 then
    return nil, "'" .. tostring(cmd[1]) .. "' is not executable"
  end
  client.job = job
  return client
end

--- Sends a request; callback(err, result) runs once, err being a JSON-RPC error object.
function Client:request(method, params, callback, timeout_ms)
  if not self.alive then
    callback({ code = -32016, message = 'the orchflow server is not running' }, nil)
    return
  end
  local id = self.next_id
  self.next_id = id + 1
  local entry = { callback = callback }
  if timeout_ms then
    entry.timer = vim.loop.new_timer()
    entry.timer:start(
      timeout_ms,
      0,
      vim.schedule_wrap(function()
        if self.pending[id] then
          self.pending[id] = nil
          entry.timer:close()
          callback({ code = -32004, message = method .. ' got no answer within ' .. timeout_ms .. ' ms' }, nil)
        end
      end)
    )
  end
  self.pending[id] = entry
  vim.fn.chansend(self.job, framing.encode({ jsonrpc = '2.0', id = id, method = method, params = params }))
end

--- Sends a notification (no answer).
function Client:notify(method, params)
  if self.alive then
    vim.fn.chansend(self.job, framing.encode({ jsonrpc = '2.0', method = method, params = params }))
  end
end

--- Closes the server's stdin (it shuts down and kills its terminals), waits up to wait_ms for
--- it to exit, then stops the job.
function Client:stop(wait_ms)
  if not self.job then
    return
  end
  pcall(vim.fn.chanclose, self.job, 'stdin')
  if vim.fn.jobwait({ self.job }, wait_ms or 0)[1] == -1 then
    pcall(vim.fn.jobstop, self.job)
  end
end

--- The server's process id (nil once it is gone).
function Client:pid()
  if not self.alive then
    return nil
  end
  local ok, pid = pcall(vim.fn.jobpid, self.job)
  return ok and pid or nil
end

return M
