// The TIOCSTI/TIOCLINUX filter as bytes: its exact layout, and what it answers for each kind of
// system call, run through a small classic-BPF interpreter (the kernel's semantics for the four
// opcodes the program uses).
import { describe, expect, it } from 'vitest';
import {
  encodeProgram,
  FILTER_ARCHES,
  type FilterArch,
  filterArch,
  injectionGuardProgram,
  RET_ALLOW,
  RET_EPERM,
  RET_KILL_PROCESS,
} from '../src/containment/seccomp-filter';

/** struct seccomp_data for one call: nr, arch, then args (little-endian u64s). */
function seccompData(nr: number, arch: number, args: bigint[] = []): Buffer {
  const data = Buffer.alloc(64);
  data.writeInt32LE(nr | 0, 0);
  data.writeUInt32LE(arch >>> 0, 4);
  args.forEach((arg, i) => {
    data.writeBigUInt64LE(arg, 16 + 8 * i);
  });
  return data;
}

/** Runs a `struct sock_filter[]` over `data` like the kernel's classic BPF interpreter. */
function run(program: Buffer, data: Buffer): number {
  let acc = 0;
  for (let pc = 0; pc < program.length / 8; pc++) {
    const code = program.readUInt16LE(pc * 8);
    const jt = program.readUInt8(pc * 8 + 2);
    const jf = program.readUInt8(pc * 8 + 3);
    const k = program.readUInt32LE(pc * 8 + 4);
    switch (code) {
      case 0x20: // ld [k]
        acc = data.readUInt32LE(k);
        break;
      case 0x15: // jeq #k
        pc += acc === k ? jt : jf;
        break;
      case 0x35: // jge #k
        pc += acc >= k ? jt : jf;
        break;
      case 0x06: // ret #k
        return k;
      default:
        throw new Error(`unexpected opcode ${code.toString(16)} at ${pc}`);
    }
  }
  throw new Error('the program fell off its end');
}

const TIOCSTI = 0x5412n;
const TIOCLINUX = 0x541cn;
const TIOCGWINSZ = 0x5413n;
const AUDIT_ARCH_I386 = 0x40000003;
const AUDIT_ARCH_ARM = 0x40000028;

describe.each(['x64', 'arm64'] as FilterArch[])('the %s filter', (arch) => {
  const info = FILTER_ARCHES[arch];
  const program = encodeProgram(injectionGuardProgram(arch));
  const call = (nr: number, args: bigint[] = [], auditArch = info.auditArch) =>
    run(program, seccompData(nr, auditArch, args));

  it('denies TIOCSTI and TIOCLINUX with EPERM, also with junk in the upper half of the request', () => {
    expect(call(info.syscalls.ioctl, [0n, TIOCSTI])).toBe(RET_EPERM);
    expect(call(info.syscalls.ioctl, [0n, TIOCLINUX])).toBe(RET_EPERM);
    // The kernel takes the request as an unsigned int: 0x1_00005412 is TIOCSTI.
    expect(call(info.syscalls.ioctl, [5n, (1n << 32n) | TIOCSTI])).toBe(RET_EPERM);
    expect(call(info.syscalls.ioctl, [5n, 0xffffffff_00000000n | TIOCLINUX])).toBe(RET_EPERM);
  });

  it('allows every other ioctl and every other system call', () => {
    expect(call(info.syscalls.ioctl, [0n, TIOCGWINSZ])).toBe(RET_ALLOW);
    expect(call(info.syscalls.ioctl, [0n, 0n])).toBe(RET_ALLOW);
    // TIOCSTI's number as another argument of ioctl, or of another call, is nothing.
    expect(call(info.syscalls.ioctl, [TIOCSTI, TIOCGWINSZ])).toBe(RET_ALLOW);
    for (const nr of [0, 1, 2, info.syscalls.prctl, info.syscalls.closeRange, info.syscalls.ioctl + 1]) {
      expect(call(nr, [0n, TIOCSTI])).toBe(RET_ALLOW);
    }
  });

  it('kills a call made through another ABI, where ioctl has another number', () => {
    expect(call(54, [0n, TIOCSTI], AUDIT_ARCH_I386)).toBe(RET_KILL_PROCESS);
    expect(call(54, [0n, TIOCSTI], AUDIT_ARCH_ARM)).toBe(RET_KILL_PROCESS);
    expect(call(1, [], arch === 'x64' ? FILTER_ARCHES.arm64.auditArch : FILTER_ARCHES.x64.auditArch)).toBe(
      RET_KILL_PROCESS,
    );
  });

  it('ends every path in a return and never jumps out of the program', () => {
    const instructions = injectionGuardProgram(arch);
    instructions.forEach((op, pc) => {
      if (op.code === 0x15 || op.code === 0x35) {
        expect(pc + 1 + op.jt).toBeLessThan(instructions.length);
        expect(pc + 1 + op.jf).toBeLessThan(instructions.length);
      }
    });
    expect(instructions.at(-1)?.code).toBe(0x06);
  });
});

describe('the x86_64 filter', () => {
  const program = encodeProgram(injectionGuardProgram('x64'));

  it('kills x32 system calls (numbered from 0x40000000), which reach ioctl under 0x40000010', () => {
    expect(run(program, seccompData(0x40000010, FILTER_ARCHES.x64.auditArch, [0n, TIOCSTI]))).toBe(
      RET_KILL_PROCESS,
    );
    expect(run(program, seccompData(0x40000000, FILTER_ARCHES.x64.auditArch))).toBe(RET_KILL_PROCESS);
  });

  it('is these 12 instructions, byte for byte', () => {
    expect(program.toString('hex')).toBe(
      [
        '2000000004000000', // ld [4]                 arch
        '150001003e0000c0', // jeq AUDIT_ARCH_X86_64, +1
        '0600000000000080', // ret KILL_PROCESS
        '2000000000000000', // ld [0]                 nr
        '3500000100000040', // jge 0x40000000 (x32), +0, +1
        '0600000000000080', // ret KILL_PROCESS
        '1500000310000000', // jeq ioctl (16), +0, +3
        '2000000018000000', // ld [24]                low half of args[1]
        '1500020012540000', // jeq TIOCSTI, +2
        '150001001c540000', // jeq TIOCLINUX, +1
        '060000000000ff7f', // ret ALLOW
        '0600000001000500', // ret ERRNO(EPERM)
      ].join(''),
    );
  });
});

describe('filterArch', () => {
  it('knows x64 and arm64 only', () => {
    expect(filterArch('x64')).toBe('x64');
    expect(filterArch('arm64')).toBe('arm64');
    expect(filterArch('ia32')).toBeUndefined();
    expect(filterArch('riscv64')).toBeUndefined();
  });
});
