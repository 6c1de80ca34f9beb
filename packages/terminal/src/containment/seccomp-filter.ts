// The classic seccomp-BPF program every terminal runs under: `ioctl(fd, TIOCSTI)` (push bytes into
// the terminal's input queue, as if typed) and `ioctl(fd, TIOCLINUX)` (its subcode 2 pastes the
// console selection) fail with EPERM, so nothing a command starts can type behind the policy into
// its own terminal. Everything else is allowed. The program is built here, in the kernel's wire
// format (struct sock_filter: u16 code, u8 jt, u8 jf, u32 k, little-endian), because the
// architectures it supports are little-endian.

/** Architectures the filter is built for, by Node's `process.arch` name. */
export type FilterArch = 'x64' | 'arm64';

/** Per-architecture constants of the filter and of the launcher that installs it. */
export interface ArchInfo {
  /** AUDIT_ARCH_* value `seccomp_data.arch` has for a native system call. */
  auditArch: number;
  /** Native system call numbers the launcher and the filter use. */
  syscalls: { ioctl: number; prctl: number; close: number; closeRange: number };
  /** x86_64 only: system calls numbered from here on are x32 calls, which the filter refuses. */
  x32Bit?: number;
}

/** The architectures orchflow can build the filter for. */
export const FILTER_ARCHES: Readonly<Record<FilterArch, ArchInfo>> = Object.freeze({
  x64: {
    auditArch: 0xc000003e,
    syscalls: { ioctl: 16, prctl: 157, close: 3, closeRange: 436 },
    x32Bit: 0x40000000,
  },
  arm64: {
    auditArch: 0xc00000b7,
    syscalls: { ioctl: 29, prctl: 167, close: 57, closeRange: 436 },
  },
});

/** `ioctl` requests the filter denies: TIOCSTI (0x5412) and TIOCLINUX (0x541C). */
export const DENIED_IOCTLS: readonly number[] = [0x5412, 0x541c];

// BPF opcodes: BPF_LD|BPF_W|BPF_ABS, BPF_JMP|BPF_JEQ|BPF_K, BPF_JMP|BPF_JGE|BPF_K, BPF_RET|BPF_K.
const LD_ABS = 0x20;
const JEQ = 0x15;
const JGE = 0x35;
const RET = 0x06;
// Offsets in struct seccomp_data: int nr; u32 arch; u64 instruction_pointer; u64 args[6].
const NR = 0;
const ARCH = 4;
// The low 32 bits of args[1] (little-endian). The kernel passes an ioctl request as an
// `unsigned int`, so a request with junk in the upper half is still TIOCSTI: compare the low half.
const ARG1_LOW = 24;

/** SECCOMP_RET_KILL_PROCESS: a foreign-architecture call is not one a shell makes. */
export const RET_KILL_PROCESS = 0x80000000;
/** SECCOMP_RET_ERRNO | EPERM. */
export const RET_EPERM = 0x00050001;
/** SECCOMP_RET_ALLOW. */
export const RET_ALLOW = 0x7fff0000;

/** One BPF instruction. */
export interface BpfInstruction {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

const op = (code: number, k: number, jt = 0, jf = 0): BpfInstruction => ({ code, jt, jf, k: k >>> 0 });

/**
 * The filter program for `arch` as instructions. A call from another ABI (i386 or x32 on x86_64,
 * arm32 on arm64) would reach ioctl under a different number, so it kills the process instead.
 */
export function injectionGuardProgram(arch: FilterArch): BpfInstruction[] {
  const info = FILTER_ARCHES[arch];
  const program = [
    op(LD_ABS, ARCH),
    op(JEQ, info.auditArch, 1, 0),
    op(RET, RET_KILL_PROCESS),
    op(LD_ABS, NR),
  ];
  if (info.x32Bit !== undefined) program.push(op(JGE, info.x32Bit, 0, 1), op(RET, RET_KILL_PROCESS));
  // Not ioctl: skip the request checks (one load, one compare per denied request) to ALLOW.
  const checks = DENIED_IOCTLS.length;
  program.push(op(JEQ, info.syscalls.ioctl, 0, checks + 1), op(LD_ABS, ARG1_LOW));
  DENIED_IOCTLS.forEach((request, i) => {
    // Match: jump over the remaining compares and the ALLOW to the EPERM return.
    program.push(op(JEQ, request, checks - i, 0));
  });
  program.push(op(RET, RET_ALLOW), op(RET, RET_EPERM));
  return program;
}

/** The filter program for `arch` in the kernel's `struct sock_filter[]` layout. */
export function encodeProgram(program: readonly BpfInstruction[]): Buffer {
  const bytes = Buffer.alloc(program.length * 8);
  program.forEach(({ code, jt, jf, k }, i) => {
    bytes.writeUInt16LE(code, i * 8);
    bytes.writeUInt8(jt, i * 8 + 2);
    bytes.writeUInt8(jf, i * 8 + 3);
    bytes.writeUInt32LE(k, i * 8 + 4);
  });
  return bytes;
}

/** The architecture of this process if the filter supports it. */
export function filterArch(arch: string = process.arch): FilterArch | undefined {
  return arch === 'x64' || arch === 'arm64' ? arch : undefined;
}
