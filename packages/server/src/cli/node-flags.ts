// The node flags `orchflow` runs with: the bin's first lines exec node with them (see
// tsup.config.ts), and `sidecarCommand()` passes them too.
//
// `--max-semi-space-size=1` (V8's default grows the young generation's semi-spaces up to 16 MB).
// V8 counts external memory (ArrayBuffer backing stores) allocated since the last full GC against
// the old generation's headroom, and starts incremental marking once that headroom falls to the
// young generation's size. A streaming server allocates about two bytes of ArrayBuffer for each
// byte of output (a buffer per PTY read, one per batch) and only ~0.65 bytes of JS heap, so with
// 8 MB semi-spaces each scavenge period allocated ~24 MB of ArrayBuffers, more than the ~8 MB a
// small heap leaves: whenever the last full GC had run at a low point of external memory, every
// few MiB of output started another one, and the server ran 30–60 mark-compacts per 256 MiB
// (server CPU per MiB up ~40 %, most of it on V8's marking threads). With 1 MB semi-spaces a
// scavenge frees the buffers every ~1.5 MiB of output, before they add up to the threshold:
// 1–3 full GCs per 128 MiB in every run, for ~100 cheap scavenges (docs/performance.md, "Layers
// above the terminal"). 16 MB, the default, was worse than 8: a full GC every 100–300 ms.
/** Flags for node when it runs the `orchflow` CLI. */
export const CLI_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];
