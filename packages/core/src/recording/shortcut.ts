// `OrchestratorOptions.recording` (and the builder's `withRecording`): a RecordingPlugin after the
// caller's plugins, so recording is one option away.
import type { OrchflowPlugin } from '../plugins';
import type { RecordingOptions } from './options';
import { RecordingPlugin } from './plugin';

/** A RecordingPlugin when `recording` is set, else none (throws InvalidParams for bad options). */
export function recordingPlugins(recording: RecordingOptions | undefined): OrchflowPlugin[] {
  return recording === undefined ? [] : [new RecordingPlugin(recording)];
}
