// What a connection offers, checked before a call needs it: `initialize` lists the features this
// connection really carries, and a call that needs one it lacks fails at once with a typed
// `Unsupported` error naming the feature and the transport, instead of a hang or a misleading
// `MethodNotFound` from a server that never heard of the method.
import { ErrorCode, OrchflowError, type ServerCapabilities } from '@orchflow/protocol/runtime';

/** The `Unsupported` error for `what` when `capabilities` lack `feature`; undefined when offered. */
export function missingFeature(
  capabilities: Pick<ServerCapabilities, 'features' | 'transports'>,
  feature: string,
  what: string,
): OrchflowError | undefined {
  if (capabilities.features.includes(feature)) return undefined;
  const transport = capabilities.transports.join(', ') || 'this transport';
  return new OrchflowError(
    ErrorCode.Unsupported,
    `${what} is not supported on this connection (${transport}): the server does not offer the '${feature}' feature here`,
    { feature, transport },
  );
}

/** Throws {@link missingFeature}'s error when `feature` is not offered. */
export function requireFeature(
  capabilities: Pick<ServerCapabilities, 'features' | 'transports'>,
  feature: string,
  what: string,
): void {
  const error = missingFeature(capabilities, feature, what);
  if (error) throw error;
}
