// Unix domain socket server.
export {
  DEFAULT_MAX_UNIX_CONNECTIONS,
  UnixSocketServer,
  type UnixSocketServerInfo,
  type UnixSocketServerOptions,
  type UnixSocketServerStats,
} from './unix-socket-server';
