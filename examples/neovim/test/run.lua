-- Driven by test/neovim.test.ts through `nvim --headless -u NONE`: runs :OrchflowRun commands
-- against a real `orchflow serve --stdio`, waits for each, and writes what a user would see
-- (the scratch buffer, g:orchflow_status, the evaluated status line, notifications) as JSON to
-- $ORCHFLOW_TEST_OUT. Any Lua error is written there too and makes nvim exit non-zero.
local out = assert(os.getenv('ORCHFLOW_TEST_OUT'), 'ORCHFLOW_TEST_OUT is not set')
local report = { runs = {}, notifications = {} }

local function save()
  vim.fn.writefile({ vim.json.encode(report) }, out)
end

local ok, err = pcall(function()
  local server = vim.json.decode((assert(os.getenv('ORCHFLOW_TEST_SERVER'), 'ORCHFLOW_TEST_SERVER is not set')))
  vim.cmd('runtime! plugin/orchflow.lua')
  local orchflow = require('orchflow')
  local results = require('orchflow.results')
  vim.notify = function(message, level)
    table.insert(report.notifications, { message = message, level = level })
  end

  local function run(command)
    vim.cmd('OrchflowRun ' .. command)
    assert(vim.wait(25000, function()
      return not orchflow.busy()
    end, 10), 'OrchflowRun ' .. command .. ' did not finish within 25 s')
    table.insert(report.runs, {
      command = command,
      status = vim.g.orchflow_status,
      statusline = vim.api.nvim_eval_statusline("%{get(g:,'orchflow_status','')}", {}).str,
      server_pid = orchflow.server_pid(),
    })
  end

  orchflow.setup({ cmd = server })
  run('echo hello; (exit 3)')
  run('cd /tmp && export ORCHFLOW_NVIM=kept')
  run('echo "$PWD $ORCHFLOW_NVIM"; false')
  -- About 110 KB of output: the answer arrives in many stdout chunks; UTF-8 must survive.
  run([[seq 1 20000; printf 'caf\303\251\n']])
  run('echo "shell $$"')
  -- A second command while one runs is refused, and the first one still counts as running.
  vim.cmd('OrchflowRun sleep 0.5; echo slept')
  local refused = {}
  orchflow.run('echo second', function(refusal)
    table.insert(refused, refusal)
  end)
  report.busy_refusal = { refused = refused, still_busy = orchflow.busy(), note = report.notifications[#report.notifications] }
  assert(vim.wait(25000, function()
    return not orchflow.busy()
  end, 10), 'the sleep did not finish')
  -- A command that ends the shell runs once; the next one gets a fresh shell.
  local log = vim.fn.tempname()
  run('echo ran >> ' .. log .. '; exit 7')
  report.exit_once_log = vim.fn.readfile(log)
  run('echo again >> ' .. log .. '; echo "fresh [$ORCHFLOW_NVIM]"')
  report.exit_log = vim.fn.readfile(log)
  report.buffer = results.lines()
  report.windows = #vim.api.nvim_list_wins()
  report.server_pid = orchflow.server_pid()

  orchflow.stop()
  report.stopped_pid = orchflow.server_pid()

  orchflow.setup({ cmd = { 'orchflow-not-installed-here', 'serve', '--stdio' } })
  run('echo never')
  report.error_tail = vim.list_slice(results.lines(), #results.lines() - 2)

  -- A server left running when Neovim quits: the VimLeavePre autocommand must stop it.
  orchflow.setup({ cmd = server })
  run('echo "shell $$"')
  report.exit_tail = vim.list_slice(results.lines(), #results.lines() - 3)
  report.exit_server_pid = orchflow.server_pid()
end)

if not ok then
  report.error = tostring(err)
end
save()
vim.cmd(ok and 'qall!' or 'cquit 1')
