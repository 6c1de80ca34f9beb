// Name tables for programs.ts: node's options (from `node --help`, Node 20-22) and git's own
// subcommands (`git --list-cmds=main`, git 2.39-2.47). Kept apart because they are data, not logic.

const words = (text: string): string[] => text.trim().split(/\s+/);

/** node options that take a value, `--name=value` or `--name value`. */
export const NODE_WITH_VALUE: readonly string[] = words(`
  allow-fs-read allow-fs-write build-snapshot-config conditions cpu-prof-dir cpu-prof-interval
  cpu-prof-name diagnostic-dir disable-proto disable-warning dns-result-order env-file
  env-file-if-exists eval experimental-default-type experimental-policy experimental-sea-config
  experimental-loader loader heap-prof-dir heap-prof-interval heap-prof-name heapsnapshot-near-heap-limit
  heapsnapshot-signal icu-data-dir import input-type inspect-port debug-port inspect-publish-uid
  max-http-header-size network-family-autoselection-attempt-timeout openssl-config policy-integrity
  print redirect-warnings report-dir report-directory report-filename report-signal require run
  secure-heap secure-heap-min snapshot-blob test-concurrency test-name-pattern test-skip-pattern
  test-reporter test-reporter-destination test-shard test-timeout test-coverage-include
  test-coverage-exclude test-coverage-branches test-coverage-functions test-coverage-lines
  test-global-setup test-isolation title tls-cipher-list tls-keylog trace-event-categories
  trace-event-file-pattern trace-require-module unhandled-rejections use-largepages v8-pool-size
  watch-path watch-kill-signal localstorage-file experimental-config-file
`);

/** node options known to take no value (or only one attached with `=`). */
export const NODE_FLAGS: ReadonlySet<string> = new Set(
  words(`
  abort-on-uncaught-exception allow-addons allow-child-process allow-wasi allow-worker build-snapshot
  check completion-bash cpu-prof disable-wasm-trap-handler disallow-code-generation-from-strings
  enable-etw-stack-walking enable-fips enable-source-maps experimental-eventsource
  experimental-import-meta-resolve experimental-network-imports experimental-network-inspection
  experimental-permission permission experimental-print-required-tla experimental-require-module
  experimental-test-coverage experimental-test-module-mocks experimental-vm-modules
  experimental-wasm-modules experimental-websocket experimental-strip-types
  experimental-transform-types experimental-detect-module experimental-sqlite expose-gc
  force-context-aware force-fips force-node-api-uncaught-exceptions-policy frozen-intrinsics heap-prof
  help huge-max-old-generation-size insecure-http-parser inspect inspect-brk inspect-wait interactive
  interpreted-frames-native-stack jitless no-addons no-deprecation no-experimental-detect-module
  no-experimental-fetch no-experimental-global-customevent no-experimental-global-webcrypto
  no-experimental-repl-await no-experimental-require-module no-experimental-strip-types
  no-extra-info-on-fatal-exception no-force-async-hooks-checks no-global-search-paths
  enable-network-family-autoselection no-network-family-autoselection no-warnings node-memory-debug
  openssl-legacy-provider openssl-shared-config pending-deprecation preserve-symlinks
  preserve-symlinks-main prof prof-process report-compact report-exclude-network report-on-fatalerror
  report-on-signal report-uncaught-exception test test-force-exit test-only test-update-snapshots
  throw-deprecation tls-max-v1.2 tls-max-v1.3 tls-min-v1.0 tls-min-v1.1 tls-min-v1.2 tls-min-v1.3
  trace-atomics-wait trace-deprecation trace-exit trace-promises trace-sigint trace-sync-io trace-tls
  trace-uncaught trace-warnings track-heap-objects use-bundled-ca use-openssl-ca v8-options version
  watch watch-preserve-output zero-fill-buffers harmony allow-natives-syntax expose-internals
`),
);

/** git's own subcommands; any other word is an alias or an external `git-<name>` program. */
export const GIT_SUBCOMMANDS: ReadonlySet<string> = new Set(
  words(`
  add am annotate apply archive bisect blame branch bugreport bundle cat-file check-attr check-ignore
  check-mailmap check-ref-format checkout checkout-index cherry cherry-pick clean clone column commit
  commit-graph commit-tree config count-objects credential credential-cache credential-store daemon
  describe diagnose diff diff-files diff-index diff-tree difftool fast-export fast-import fetch
  fetch-pack filter-branch fmt-merge-msg for-each-ref for-each-repo format-patch fsck fsck-objects gc
  get-tar-commit-id grep hash-object help hook http-backend http-fetch http-push imap-send index-pack
  init init-db instaweb interpret-trailers log ls-files ls-remote ls-tree mailinfo mailsplit
  maintenance merge merge-base merge-file merge-index merge-tree mergetool mktag mktree
  multi-pack-index mv name-rev notes pack-objects pack-redundant pack-refs patch-id prune prune-packed
  pull push quiltimport range-diff read-tree rebase receive-pack reflog remote remote-ext remote-fd
  repack replace request-pull rerere reset restore rev-list rev-parse revert rm send-pack shell
  shortlog show show-branch show-index show-ref sparse-checkout stage stash status stripspace
  submodule subtree switch symbolic-ref tag unpack-file unpack-objects update-index update-ref
  update-server-info upload-archive upload-pack var verify-commit verify-pack verify-tag version
  whatchanged worktree write-tree
`),
);
