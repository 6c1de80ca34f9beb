-- The results scratch buffer: one per session, named orchflow://results, never saved.
local M = {}

local NAME = 'orchflow://results'

local function buffer()
  local existing = vim.fn.bufnr(NAME)
  if existing ~= -1 and vim.api.nvim_buf_is_valid(existing) then
    return existing
  end
  local buf = vim.api.nvim_create_buf(false, true) -- unlisted scratch buffer
  vim.api.nvim_buf_set_name(buf, NAME)
  vim.api.nvim_buf_set_option(buf, 'buftype', 'nofile')
  vim.api.nvim_buf_set_option(buf, 'bufhidden', 'hide')
  vim.api.nvim_buf_set_option(buf, 'swapfile', false)
  vim.api.nvim_buf_set_option(buf, 'filetype', 'orchflow')
  return buf
end

--- Shows the buffer in a split unless a window of this tab already shows it.
local function show(buf)
  if vim.fn.bufwinid(buf) ~= -1 then
    return
  end
  local current = vim.api.nvim_get_current_win()
  vim.cmd('botright split')
  vim.api.nvim_win_set_buf(0, buf)
  vim.api.nvim_set_current_win(current)
end

local function write(lines)
  local buf = buffer()
  local count = vim.api.nvim_buf_line_count(buf)
  local empty = count == 1 and vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1] == ''
  vim.api.nvim_buf_set_lines(buf, empty and 0 or count, -1, false, lines)
  show(buf)
  local win = vim.fn.bufwinid(buf)
  if win ~= -1 then
    vim.api.nvim_win_set_cursor(win, { vim.api.nvim_buf_line_count(buf), 0 })
  end
end

--- `exit 0`, `exit 3`, `killed by SIGKILL`, `timed out`.
function M.describe_end(result)
  if result.timedOut then
    return 'timed out'
  end
  if result.exitCode == nil or result.exitCode == vim.NIL then
    local signal = result.signal ~= vim.NIL and result.signal or 'a signal'
    return 'killed by ' .. tostring(signal)
  end
  return 'exit ' .. result.exitCode
end

--- Appends a finished command: `$ cmd`, its output, `[exit N in T ms]`.
function M.append(command, result)
  local lines = { '$ ' .. command }
  local output = (result.stdout or '') .. (result.stderr or '')
  output = output:gsub('\n$', '')
  if output ~= '' then
    vim.list_extend(lines, vim.split(output, '\n', { plain = true }))
  end
  table.insert(lines, string.format('[%s in %d ms]', M.describe_end(result), result.durationMs or 0))
  table.insert(lines, '')
  write(lines)
end

--- Appends a command that could not run.
function M.append_error(command, message)
  write({ '$ ' .. command, '[error: ' .. message .. ']', '' })
end

--- The buffer's lines (for tests and scripts).
function M.lines()
  return vim.api.nvim_buf_get_lines(buffer(), 0, -1, false)
end

return M
