// The node flags `orchflow` runs with: the bin's first lines exec node with them (see
// tsup.config.ts), and `sidecarCommand()` passes them too.
//
// `--max-semi-space-size=8` (V8's default is 16 on 64-bit). A streaming server allocates a fresh
// ArrayBuffer for each PTY read and each batch of output, and V8 counts those still in the young
// generation against the old generation's headroom until a scavenge frees them, which happens
// only after 2 × the semi-space of them. A server's old generation is small (~18 MB), so its
// headroom is small too: with 16 MB semi-spaces that count crossed it again and again, and V8
// ran a full mark-compact every 100–300 ms while output streamed (up to 46 per 512 MiB, each
// pausing every client for 2–280 ms, server CPU +20–50 %). With 8 MB it did not happen in any run
// (docs/performance.md, "Layers above the terminal").
/** Flags for node when it runs the `orchflow` CLI. */
export const CLI_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8'];
