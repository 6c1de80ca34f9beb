// The step that keeps a root orchestrator's sandbox off uid 0. bubblewrap run by root maps the
// sandbox's uid to the host's uid 0 even with `--unshare-user --uid N`, and the kernel lets uid 0
// write sysctls and most root-owned files by mode alone. So, as root, a short perl program runs
// right before bwrap and, in one process that keeps its pid:
//   1. in a private mount namespace, clones the mounts of the workspace and the shell-integration
//      directory, as idmapped mounts whose on-disk owner appears as the sandbox user where that
//      user does not own them (files it creates are stored with the original owner, so the
//      workspace stays the host's, writable and persistent), and attaches the clones below a
//      fresh tmpfs on /run (STAGE_DIR), where bwrap binds them from: bwrap resolves its sources as
//      the sandbox user, who may not pass the directories above a workspace (a 0700 home);
//   2. drops to the sandbox user: supplementary groups, gid, uid (all of real, effective, saved),
//      and checks in /proc/self/status that no uid, gid or capability is left;
//   3. execs bwrap, which then builds an unprivileged user namespace as for any non-root user.
// The terminal's launcher has joined its cgroups before, as root. Failures exit 126 with
// `orchflow-sandbox-user: …` before bwrap runs.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import type { SandboxUser } from './sandbox-user';

/** A directory staged for the sandbox; with `idmap`, its owner `uid`/`gid` appears as the sandbox user. */
export interface IdMappedDir {
  dir: string;
  uid: number;
  gid: number;
  idmap: boolean;
}

/**
 * Where the staged directories are attached in the drop's own mount namespace (a tmpfs mounted
 * there, never the host's): one of the directories every sandbox hides behind its own tmpfs.
 */
export const STAGE_DIR = '/run';

/** The path bwrap binds the `index`-th staged directory from. */
export function stagedPath(index: number): string {
  return `${STAGE_DIR}/${index}`;
}

// unshare(2) and mount(2) differ per architecture; open_tree 428, move_mount 429 and
// mount_setattr 442 are the same on every architecture (numbered after the syscall table merge).
const SYSCALLS: Record<string, { unshare: number; mount: number }> = {
  x64: { unshare: 272, mount: 165 },
  arm64: { unshare: 97, mount: 40 },
};

function dropScript(arch: { unshare: number; mount: number }): string {
  // CLONE_NEWUSER 0x10000000, CLONE_NEWNS 0x20000, MS_REC|MS_PRIVATE 0x44000, AT_FDCWD -100,
  // OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC 0x80001, AT_EMPTY_PATH 0x1000, MOUNT_ATTR_IDMAP 0x100000,
  // MOVE_MOUNT_F_EMPTY_PATH 4. perl's syscall() wants modifiable strings, hence `my $x = …`.
  const { unshare, mount } = arch;
  return [
    'use POSIX ();',
    'sub fail { print STDERR "orchflow-sandbox-user: @_\\n"; exit 126 }',
    'sub put { my ($p, $t) = @_; my $f; open($f, ">", $p) && print($f $t) && close($f) or fail("cannot write $p: $!") }',
    'my ($uid, $gid, $n) = splice(@ARGV, 0, 3);',
    'my @maps = map { [splice(@ARGV, 0, 4)] } 1 .. $n;',
    // The idmap: a user namespace (held by a child that waits) mapping the owner to the user.
    'sub userns { my ($ou, $og) = @_;',
    '  pipe(my $r1, my $w1) && pipe(my $r2, my $w2) or fail("pipe: $!");',
    '  my $pid = fork() // fail("fork: $!");',
    `  if (!$pid) { close $r1; close $w2; syscall(${unshare}, 0x10000000) == 0 or POSIX::_exit(1); syswrite($w1, "u"); sysread($r2, my $b, 1); POSIX::_exit(0) }`,
    '  close $w1; close $r2;',
    '  sysread($r1, my $ok, 1) == 1 or fail("cannot create a user namespace for an idmapped mount");',
    '  put("/proc/$pid/uid_map", "$ou $uid 1\\n"); put("/proc/$pid/gid_map", "$og $gid 1\\n");',
    '  open(my $ns, "<", "/proc/$pid/ns/user") or fail("cannot open a user namespace: $!");',
    '  close $w2; waitpid($pid, 0); return $ns }',
    'if (@maps) {',
    `  syscall(${unshare}, 0x20000) == 0 or fail("cannot unshare the mount namespace: $!");`,
    `  syscall(${mount}, my $none = "none", my $root = "/", 0, 0x44000, 0) == 0 or fail("cannot make the mounts private: $!");`,
    '  my @fds; for my $m (@maps) { my ($dir, $ou, $og, $idmap) = @$m;',
    '    my $fd = syscall(428, -100, my $d1 = $dir, 0x80001); $fd >= 0 or fail("cannot clone the mount of $dir: $!");',
    '    if ($idmap) { my $ns = userns($ou, $og); my $attr = pack("QQQQ", 0x100000, 0, 0, fileno($ns));',
    '      syscall(442, $fd, my $e1 = "", 0x1000, $attr, length($attr)) == 0 or fail("cannot make an idmapped mount of $dir: $!") }',
    '    push @fds, $fd }',
    `  syscall(${mount}, my $t = "tmpfs", my $s = "${STAGE_DIR}", my $fs = "tmpfs", 0, my $o = "mode=0755,size=64k") == 0 or fail("cannot mount a tmpfs on ${STAGE_DIR}: $!");`,
    `  for my $i (0 .. $#fds) { mkdir("${STAGE_DIR}/$i") or fail("cannot make ${STAGE_DIR}/$i: $!");`,
    `    syscall(429, $fds[$i], my $e2 = "", -100, my $d2 = "${STAGE_DIR}/$i", 4) == 0 or fail("cannot attach $maps[$i][0]: $!");`,
    '    POSIX::close($fds[$i]) } }',
    '$) = "$gid $gid";',
    'POSIX::setgid($gid) or fail("cannot set gid $gid: $!");',
    'POSIX::setuid($uid) or fail("cannot set uid $uid: $!");',
    'open(my $st, "<", "/proc/self/status") or fail("cannot read /proc/self/status: $!");',
    'my %s = map { /^(\\w+):\\s*(.*?)\\s*$/ ? ($1, $2) : () } <$st>;',
    '$s{Uid} eq "$uid\\t$uid\\t$uid\\t$uid" && $s{Gid} eq "$gid\\t$gid\\t$gid\\t$gid" && $s{Groups} eq "$gid" && $s{CapPrm} =~ /^0+$/ && $s{CapEff} =~ /^0+$/ or fail("still privileged after the drop (Uid $s{Uid}, Gid $s{Gid}, Groups $s{Groups}, CapEff $s{CapEff})");',
    'exec { $ARGV[0] } @ARGV or fail("cannot run $ARGV[0]: $!");',
  ].join('\n');
}

/** Why the drop cannot be built for this architecture, or undefined when it can. */
export function dropUnsupported(arch: string = process.arch): string | undefined {
  return SYSCALLS[arch] ? undefined : `no system call table for architecture ${arch}`;
}

/** argv prefix (`perl -e … --`) that idmaps `maps`, drops to `user`, then execs what follows. */
export function dropArgs(perl: string, user: SandboxUser, maps: readonly IdMappedDir[]): string[] {
  const table = SYSCALLS[process.arch];
  if (!table) throw new Error(dropUnsupported());
  const mapArgs = maps.flatMap((m) => [m.dir, String(m.uid), String(m.gid), m.idmap ? '1' : '0']);
  return [
    perl,
    '-e',
    dropScript(table),
    '--',
    String(user.uid),
    String(user.gid),
    String(maps.length),
    ...mapArgs,
  ];
}

// Probe outcomes by user and the file systems mapped: idmap support is a property of the file
// system (and kernel), so one probe per combination is enough.
const probed = new Map<string, string | undefined>();

/**
 * Runs the drop with `maps` and `/bin/true`, once per user and set of file systems; undefined
 * when it works, else what failed (the program's own message).
 */
export function probeDrop(perl: string, user: SandboxUser, maps: readonly IdMappedDir[]): string | undefined {
  const key = [
    user.uid,
    user.gid,
    ...maps.map((m) => `${statSync(m.dir).dev}:${m.uid}:${m.gid}:${m.idmap}`),
  ].join('/');
  if (probed.has(key)) return probed.get(key);
  const argv = [...dropArgs(perl, user, maps), '/bin/true'];
  const result = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', timeout: 10_000, env: {} });
  let why: string | undefined;
  if (result.error) why = `cannot run ${perl}: ${result.error.message}`;
  else if (result.status !== 0) {
    why =
      result.stderr.trim().replace(/^orchflow-sandbox-user: /, '') ||
      `exit ${result.status ?? result.signal}`;
  }
  probed.set(key, why);
  return why;
}
