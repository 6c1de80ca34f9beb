-- `pnpm --filter @orchflow/example-neovim start`: the plugin in a headless Neovim — a few
-- :OrchflowRun commands, then the results buffer and status line printed to stdout.
local ok, err = pcall(function()
  vim.cmd('luafile ' .. vim.fn.fnameescape('demo/setup.lua'))
  local orchflow = require('orchflow')
  vim.notify = function(message)
    io.stdout:write('[notify] ' .. message .. '\n')
  end
  for _, command in ipairs({ 'echo hello from $SHELL; (exit 3)', 'cd /tmp', 'pwd; ls -d /tmp' }) do
    vim.cmd('OrchflowRun ' .. command)
    assert(vim.wait(30000, function()
      return not orchflow.busy()
    end, 10), 'timed out')
    io.stdout:write('[statusline] ' .. vim.api.nvim_eval_statusline("%{get(g:,'orchflow_status','')}", {}).str .. '\n')
  end
  io.stdout:write('\n--- orchflow://results ---\n' .. table.concat(require('orchflow.results').lines(), '\n') .. '\n')
end)
if not ok then
  io.stderr:write('orchflow demo failed: ' .. tostring(err) .. '\n')
end
vim.cmd(ok and 'qall!' or 'cquit 1')
