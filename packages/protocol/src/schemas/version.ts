// The protocol version and the compatibility rule: peers interoperate when their major versions
// match. Minor versions only add optional fields, methods and notifications.
// zod/mini: the version check is part of @orchflow/protocol/runtime, which carries no classic zod.
import * as z from 'zod/mini';

/** The wire protocol version this package speaks. */
export const PROTOCOL_VERSION = '1.0.0' as const;

// Semver core with an optional pre-release tag; build metadata is never sent.
const VERSION_PATTERN = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?$/;

/** A protocol version string such as `1.0.0`. */
export const ProtocolVersionSchema = z
  .string()
  .check(z.regex(VERSION_PATTERN, 'Protocol version must look like MAJOR.MINOR.PATCH, e.g. 1.0.0'));

/** The outcome of {@link checkProtocolVersion}: compatible, or not and why. */
export type ProtocolVersionCheck = { compatible: true } | { compatible: false; reason: string };

/** Checks that a peer's protocol version has the same major version as ours (`local`). */
export function checkProtocolVersion(remote: string, local: string = PROTOCOL_VERSION): ProtocolVersionCheck {
  const remoteMajor = majorOf(remote);
  if (remoteMajor === undefined) {
    return {
      compatible: false,
      reason:
        `Peer sent protocol version '${remote}', which is not MAJOR.MINOR.PATCH; ` +
        `send a version such as '${local}'`,
    };
  }
  const localMajor = majorOf(local);
  if (localMajor === undefined) {
    throw new TypeError(`Local protocol version '${local}' is not MAJOR.MINOR.PATCH`);
  }
  if (remoteMajor !== localMajor) {
    return {
      compatible: false,
      reason:
        `Peer speaks protocol ${remote} but this side speaks ${local}; major versions must match ` +
        `(${remoteMajor} ≠ ${localMajor}). Use orchflow client and server releases built for ` +
        `protocol ${localMajor}.x`,
    };
  }
  return { compatible: true };
}

function majorOf(version: string): number | undefined {
  const match = VERSION_PATTERN.exec(version);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}
