-- `pnpm --filter @orchflow/example-neovim nvim`: Neovim with the plugin loaded; try
-- :OrchflowRun ls -la   then   :OrchflowRun cd /tmp   then   :OrchflowRun pwd
vim.cmd('luafile ' .. vim.fn.fnameescape('demo/setup.lua'))
vim.notify('orchflow loaded: try  :OrchflowRun echo hello; (exit 3)')
