// @orchflow/terminal/internal — what @orchflow/core composes: the flow-controlled feed that turns
// one terminal subscription into JSON-RPC notifications on a channel, raw output on events, and
// compact ids. Not part of the
// public API: names and shapes here change without notice. Users stream output through
// `Orchestrator.streamOutput`, `serveChannel` or `OrchflowClient`.

export { flatUuid } from './flat-id';
export { errnoCode, errnoOfDescription, resourceShortage } from './host-failure';
export { ChannelFeed, type ChannelFeedOptions, type FeedNotification } from './output/channel-feed';
export { attachRawOutput, defineLazyData, rawOutputOf } from './output/raw-output';
export { utf8Decoder } from './output/utf8';
export { DEFAULT_CWD } from './spawn-options';
