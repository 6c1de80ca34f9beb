-- :OrchflowRun {cmd} and :OrchflowStop; the server is stopped when Neovim exits.
if vim.g.loaded_orchflow then
  return
end
vim.g.loaded_orchflow = true

vim.api.nvim_create_user_command('OrchflowRun', function(args)
  require('orchflow').run(args.args)
end, { nargs = '+', complete = 'shellcmd', desc = 'Run a command in the persistent orchflow terminal' })

vim.api.nvim_create_user_command('OrchflowStop', function()
  require('orchflow').stop()
end, { desc = 'Stop the orchflow server and its terminal' })

vim.api.nvim_create_autocmd('VimLeavePre', {
  group = vim.api.nvim_create_augroup('orchflow', { clear = true }),
  callback = function()
    require('orchflow').stop()
  end,
})
