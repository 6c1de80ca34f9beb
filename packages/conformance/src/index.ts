// @orchflow/conformance: the transport conformance suite — the whole OrchflowClient API, with the
// same assertions, over a transport you give it (see README.md).
export {
  type ChannelPair,
  CONFORMANCE_AREAS,
  type ConformanceArea,
  type Connect,
  type Connected,
  channelTransport,
  RECONNECT,
  type RunConformanceOptions,
  reconnecting,
  runConformance,
  SUITE_TOKENS,
  type SuiteAuth,
  suiteAuth,
  TOKENS,
  type TransportCase,
} from './run-conformance';
