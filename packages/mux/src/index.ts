// @orchflow/mux — terminal backends: the MuxBackend contract and DirectBackend (plain PTYs).

export type { MuxBackend } from './backend';
export { DirectBackend, type DirectBackendOptions } from './direct-backend';
export type { BackendCapabilities, CreateSessionOptions, MuxSession, MuxSessionInfo } from './session';
export { tmuxSessionName } from './tmux/session-meta';
// tmux backend
export { TmuxBackend, type TmuxBackendOptions } from './tmux/tmux-backend';
export { MIN_TMUX_VERSION } from './tmux/tmux-setup';
