-- Shared by the demos: load the plugin from this directory and point it at this repository's
-- server CLI (run from examples/neovim, as `pnpm --filter @orchflow/example-neovim start` does).
vim.cmd('runtime! plugin/orchflow.lua')
local cli = vim.fn.fnamemodify('../../packages/server/dist/cli.mjs', ':p')
if vim.fn.filereadable(cli) == 0 then
  error('orchflow demo: ' .. cli .. ' is missing; run `pnpm -s build` at the repository root first')
end
require('orchflow').setup({ cmd = { 'node', cli, 'serve', '--stdio', '--log-level', 'warn' } })
vim.o.statusline = "%f %= %{get(g:,'orchflow_status','')} "
vim.o.laststatus = 2
