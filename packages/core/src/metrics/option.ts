// The `metrics` shortcut of OrchestratorOptions (and `withMetrics()`): `true`, options, or a
// MetricsPlugin of one's own become the plugin that runs after the others.
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import type { OrchflowPlugin } from '../plugins';
import { type MetricsOptions, MetricsPlugin } from './plugin';

/** What `OrchestratorOptions.metrics` takes: true (own registry), options, or a plugin. */
export type MetricsSetting = boolean | MetricsOptions | MetricsPlugin;

/** The plugin `setting` asks for (none for undefined/false); throws InvalidParams for anything else. */
export function metricsPlugins(setting: MetricsSetting | undefined): OrchflowPlugin[] {
  if (setting === undefined || setting === false) return [];
  if (setting === true) return [new MetricsPlugin()];
  if (setting instanceof MetricsPlugin) return [setting];
  if (typeof setting === 'object' && setting !== null) return [new MetricsPlugin(setting)];
  throw new OrchflowError(
    ErrorCode.InvalidParams,
    `metrics must be true, metrics options or a MetricsPlugin, got ${JSON.stringify(setting)}`,
    { metrics: String(setting) },
  );
}
