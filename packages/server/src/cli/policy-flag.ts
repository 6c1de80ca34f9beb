// `serve --policy`: a preset name (`aiSafe`, `locked`, `standard`, `trusted`) or a JSON policy
// file, and the default when it is omitted. Network listeners default to `standard` (a token leak
// must not hand out a shell that runs `sudo rm -rf /`); local-only serving (stdio, Unix socket)
// defaults to `trusted`, which still refuses the catastrophic commands. Either way the effective
// policy is printed at start, so nobody serves an open policy without being told.
import { readFile } from 'node:fs/promises';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { parseSecurityPolicy, type SecurityPolicy, SecurityPresets } from '@orchflow/security';

/** The preset names `--policy` accepts. */
export const POLICY_PRESET_NAMES = Object.keys(SecurityPresets) as (keyof typeof SecurityPresets)[];

/** The policy `serve` runs under and how to describe it to the person who started it. */
export interface EffectivePolicy {
  policy: SecurityPolicy;
  /** e.g. `standard (preset, default for network listeners)` or `file ./policy.json`. */
  description: string;
}

/** Reads and validates a JSON security policy file. */
export async function loadPolicyFile(path: string): Promise<SecurityPolicy> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new OrchflowError(
      ErrorCode.InvalidParams,
      `Cannot load policy file '${path}': ${(error as Error).message}; pass a preset name (${POLICY_PRESET_NAMES.join(', ')}) or a readable JSON file to --policy`,
    );
  }
  return parseSecurityPolicy(json);
}

function isPresetName(value: string): value is (typeof POLICY_PRESET_NAMES)[number] {
  return (POLICY_PRESET_NAMES as string[]).includes(value);
}

/** The policy `--policy value` names, or the default for these listeners when it is omitted. */
export async function effectivePolicy(value: string | undefined, network: boolean): Promise<EffectivePolicy> {
  if (value === undefined) {
    return network
      ? {
          policy: SecurityPresets.standard,
          description: 'standard (default for --ws/--http; --policy trusted|locked|FILE to change)',
        }
      : {
          policy: SecurityPresets.trusted,
          description: 'trusted (default for local serving; --policy standard|locked|FILE to restrict)',
        };
  }
  if (isPresetName(value)) return { policy: SecurityPresets[value], description: `${value} (preset)` };
  return { policy: await loadPolicyFile(value), description: `file ${value}` };
}
