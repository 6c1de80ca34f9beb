// @orchflow/protocol/node — Node-only pieces (byte-stream channels over Duplex streams).
