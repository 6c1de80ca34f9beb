// @orchflow/mux — terminal backends: the MuxBackend contract and DirectBackend (plain PTYs).

export type { MuxBackend } from './backend';
export { DirectBackend, type DirectBackendOptions } from './direct-backend';
export type { BackendCapabilities, CreateSessionOptions, MuxSession, MuxSessionInfo } from './session';
