-- Driven by test/neovim.test.ts: the framing decoder fed split, coalesced and multi-byte input.
-- Writes the decoded messages per case as JSON to $ORCHFLOW_TEST_OUT.
local framing = require('orchflow.framing')
local out = assert(os.getenv('ORCHFLOW_TEST_OUT'))
local report = {}

local function decode_all(chunks)
  local decoder = framing.decoder()
  local messages = {}
  for _, chunk in ipairs(chunks) do
    local got, err = decoder:push(chunk)
    if not got then
      return { error = err }
    end
    vim.list_extend(messages, got)
  end
  return { messages = messages, pending = decoder:pending() }
end

local a = framing.encode({ jsonrpc = '2.0', id = 1, result = { text = 'café ☕' } })
local b = framing.encode({ jsonrpc = '2.0', method = 'terminal.output', params = { data = 'a\r\nb' } })
local c = 'Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n'
  .. framing.encode({ jsonrpc = '2.0', id = 2, result = vim.NIL })

-- Every byte on its own.
local bytes = {}
for i = 1, #(a .. b .. c) do
  bytes[i] = (a .. b .. c):sub(i, i)
end
report.byte_by_byte = decode_all(bytes)
-- Three frames in one chunk, and the split inside the header's CRLFCRLF and inside a UTF-8 char.
report.coalesced = decode_all({ a .. b .. c })
local cut = a:find('\r\n\r\n', 1, true) + 1
report.split_header = decode_all({ a:sub(1, cut), a:sub(cut + 1) .. b:sub(1, 5), b:sub(6) })
local accent = a:find('é', 1, true)
report.split_utf8 = decode_all({ a:sub(1, accent), a:sub(accent + 1) })
report.partial = decode_all({ a:sub(1, #a - 1) })
report.bad_length = decode_all({ 'Content-Length: x\r\n\r\n{}' })
report.bad_json = decode_all({ 'Content-Length: 2\r\n\r\n{]' })
-- A 2 MiB frame in 4 KiB chunks, followed by a small one in the same last chunk.
local big_text = string.rep('0123456789abcdef', 128 * 1024)
local big = framing.encode({ jsonrpc = '2.0', id = 3, result = { text = big_text } })
local stream = big .. framing.encode({ jsonrpc = '2.0', id = 4, result = 'after' })
local chunks = {}
for i = 1, #stream, 4096 do
  chunks[#chunks + 1] = stream:sub(i, i + 4095)
end
local started = vim.loop.hrtime()
local large = decode_all(chunks)
report.large = {
  error = large.error,
  count = large.messages and #large.messages,
  text_ok = large.messages and large.messages[1].result.text == big_text,
  second = large.messages and large.messages[2] and large.messages[2].result,
  pending = large.pending,
  chunks = #chunks,
  ms = (vim.loop.hrtime() - started) / 1e6,
}
report.encoded_length = tonumber(a:match('^Content%-Length: (%d+)\r\n\r\n'))
report.body_bytes = #a - #a:match('^Content%-Length: %d+\r\n\r\n')

vim.fn.writefile({ vim.json.encode(report) }, out)
vim.cmd('qall!')
