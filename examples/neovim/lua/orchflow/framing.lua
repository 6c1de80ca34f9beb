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
--- A body's chunks are kept in a table and joined once, when all its bytes are there: appending
--- each chunk to one string would copy the whole body again per chunk (quadratic for big frames).
--- @return table decoder
function M.decoder()
  local head = '' -- bytes of a header not yet complete (small: bounded by MAX_HEADER_BYTES)
  local body_length -- set while a header has been read and its body is awaited
  local parts, have = {}, 0 -- the awaited body's chunks so far, and their total size
  local failed
  local self = {}

  local function fail(err)
    failed = err
    return nil, failed
  end

  function self:push(chunk)
    if failed then
      return nil, failed
    end
    local messages = {}
    local data = chunk
    while true do
      if not body_length then
        head = head .. data
        data = ''
        local header_end = head:find('\r\n\r\n', 1, true)
        if not header_end then
          if #head > MAX_HEADER_BYTES then
            return fail('no end of header within ' .. MAX_HEADER_BYTES .. ' bytes')
          end
          break
        end
        local length, err = content_length(head:sub(1, header_end - 1))
        if not length then
          return fail(err)
        end
        body_length = length
        data = head:sub(header_end + 4)
        head = ''
      end
      if #data > 0 then
        parts[#parts + 1] = data
        have = have + #data
        data = ''
      end
      if have < body_length then
        break -- the body is still incomplete: wait for more
      end
      local joined = table.concat(parts)
      local body = joined:sub(1, body_length)
      -- What follows the body starts the next frame's header.
      data = joined:sub(body_length + 1)
      parts, have, body_length = {}, 0, nil
      local ok, message = pcall(vim.json.decode, body)
      if not ok then
        return fail('invalid JSON in frame: ' .. tostring(message))
      end
      table.insert(messages, message)
    end
    return messages
  end

  --- Bytes received but not yet part of a complete frame.
  function self:pending()
    return #head + have
  end

  return self
end

return M
