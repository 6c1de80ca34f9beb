-- Content-Length framing (the LSP base protocol) for JSON-RPC over a byte stream:
-- `Content-Length: N\r\n` (other headers such as Content-Type are allowed) `\r\n`, then N bytes
-- of UTF-8 JSON. Lua strings are byte strings, so N is compared with `#` directly.
local M = {}

-- A header block longer than this is garbage on the stream, not a header.
local MAX_HEADER_BYTES = 8192

--- Encodes one JSON-RPC message as a frame.
--- @param message table
--- @return string
function M.encode(message)
  local body = vim.json.encode(message)
  return 'Content-Length: ' .. #body .. '\r\n\r\n' .. body
end

--- Parses a header block; returns the body length or nil and an error.
local function content_length(header)
  local length
  for line in (header .. '\r\n'):gmatch('(.-)\r\n') do
    local name, value = line:match('^([^:]+):%s*(.-)%s*$')
    if not name then
      return nil, 'malformed header line: ' .. line
    end
    if name:lower() == 'content-length' then
      if not value:match('^%d+$') then
        return nil, 'bad Content-Length: ' .. value
      end
      length = tonumber(value)
    end
  end
  if not length then
    return nil, 'header without Content-Length'
  end
  return length
end

--- A decoder for one stream: feed it chunks as they arrive, however they are split or joined.
--- `decoder:push(chunk)` returns the complete messages (decoded tables) the chunk finished, or
--- nil and an error message once the stream is corrupt (the decoder then refuses more input).
--- @return table decoder
function M.decoder()
  local buffer = ''
  local failed
  local self = {}

  function self:push(chunk)
    if failed then
      return nil, failed
    end
    buffer = buffer .. chunk
    local messages = {}
    while true do
      local header_end = buffer:find('\r\n\r\n', 1, true)
      if not header_end then
        if #buffer > MAX_HEADER_BYTES then
          failed = 'no end of header within ' .. MAX_HEADER_BYTES .. ' bytes'
          return nil, failed
        end
        break
      end
      local length, err = content_length(buffer:sub(1, header_end - 1))
      if not length then
        failed = err
        return nil, failed
      end
      local body_start = header_end + 4
      if #buffer < body_start + length - 1 then
        break -- the body is still incomplete: wait for more
      end
      local body = buffer:sub(body_start, body_start + length - 1)
      buffer = buffer:sub(body_start + length)
      local ok, message = pcall(vim.json.decode, body)
      if not ok then
        failed = 'invalid JSON in frame: ' .. tostring(message)
        return nil, failed
      end
      table.insert(messages, message)
    end
    return messages
  end

  --- Bytes received but not yet part of a complete frame.
  function self:pending()
    return #buffer
  end

  return self
end

return M
