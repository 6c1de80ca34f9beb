// The recording's scan for a byte JSON must escape (below 0x20, `"`, `\`), 16 bytes at a time
// with WebAssembly SIMD. The word-at-a-time scan in JavaScript (json-bytes.ts) reads 4 bytes per
// step, ~0.4–0.5 ns per byte; copying a window into the module's memory and testing 16 bytes per
// step costs ~0.12 ns per byte, copy included, and the scan was the largest part of a recorded
// terminal's own CPU on bulk output (docs/performance.md, issue #16). Where WebAssembly or its
// SIMD is missing (`--jitless`, an old CPU), `simdScanner()` is undefined and the caller scans
// in JavaScript.
//
// The module is assembled by hand below (no toolchain needed to build it); in text form:
//
//   (module
//     (memory (export "memory") 1)
//     (func (export "plain") (param $p i32) (param $n i32) (result i32) (local $v v128)
//       (block $done
//         (loop $next
//           (br_if $done (i32.eqz (local.get $n)))
//           (local.set $v (v128.load (local.get $p)))
//           (if (v128.any_true (v128.or (v128.or
//                 (i8x16.lt_u (local.get $v) (i8x16.splat (i32.const 0x20)))
//                 (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x22))))
//                 (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x5c)))))
//             (then (return (i32.const 0))))
//           (local.set $p (i32.add (local.get $p) (i32.const 16)))
//           (local.set $n (i32.sub (local.get $n) (i32.const 16)))
//           (br $next)))
//       (i32.const 1)))
//
// `plain(p, n)` reads n bytes (a multiple of 16) from p: 1 when none needs escaping.

/** Bytes copied into the module and scanned per call. */
export const SCAN_WINDOW = 8192;
/** A byte that needs no escaping, to pad a window to a multiple of 16. */
const PAD = 0x78;

const SIMD = 0xfd;
const LOCAL_GET = 0x20;
const I32_CONST = 0x41;
// i32.const takes a signed LEB128: a byte from 0x40 up needs a second byte to stay positive.
const signedLeb = (byte: number): number[] => (byte < 0x40 ? [byte] : [byte | 0x80, byte >> 7]);
const splat = (byte: number): number[] => [I32_CONST, ...signedLeb(byte), SIMD, 0x0f];
const orEq = (byte: number): number[] => [LOCAL_GET, 2, ...splat(byte), SIMD, 0x23, SIMD, 0x50];

// biome-ignore format: one instruction per line
const BODY = [
  1, 1, 0x7b, // one local, v128 ($v is local 2)
  0x02, 0x40, 0x03, 0x40, // block $done, loop $next
  LOCAL_GET, 1, 0x45, 0x0d, 1, // br_if $done (n == 0)
  LOCAL_GET, 0, SIMD, 0x00, 0, 0, 0x22, 2, // v128.load align=1 offset=0, local.tee $v
  ...splat(0x20), SIMD, 0x26, // i8x16.lt_u
  ...orEq(0x22), // i8x16.eq, v128.or
  ...orEq(0x5c),
  SIMD, 0x53, // v128.any_true
  0x04, 0x40, I32_CONST, 0, 0x0f, 0x0b, // if: return 0
  LOCAL_GET, 0, I32_CONST, 16, 0x6a, 0x21, 0, // p += 16
  LOCAL_GET, 1, I32_CONST, 16, 0x6b, 0x21, 1, // n -= 16
  0x0c, 0, 0x0b, 0x0b, // br $next, end loop, end block
  I32_CONST, 1, 0x0b, // 1, end
];

/** A section: its id, its size (all sizes here are below 128: one LEB byte) and its content. */
const section = (id: number, content: number[]): number[] => [id, content.length, ...content];
const name = (text: string): number[] => [text.length, ...Array.from(text, (c) => c.charCodeAt(0))];

// biome-ignore format: one section per line
const MODULE = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, // "\0asm", version 1
  ...section(1, [1, 0x60, 2, 0x7f, 0x7f, 1, 0x7f]), // type 0: (i32, i32) -> i32
  ...section(3, [1, 0]), // function 0 has type 0
  ...section(5, [1, 0x00, 1]), // one memory, min 1 page (64 KiB)
  ...section(7, [2, ...name('memory'), 2, 0, ...name('plain'), 0, 0]), // exports
  ...section(10, [1, BODY.length, ...BODY]), // code
]);

/** The scanner: `plain(bytes, from)` is whether no byte of `bytes` from `from` on needs escaping. */
export interface SimdScanner {
  plain(bytes: Uint8Array, from: number): boolean;
}

let scanner: SimdScanner | null | undefined;

/** The SIMD scanner, compiled on first use; undefined where WebAssembly SIMD is not available. */
export function simdScanner(): SimdScanner | undefined {
  if (scanner === undefined) scanner = compile();
  return scanner ?? undefined;
}

// The part of the WebAssembly API used here (this package's TypeScript lib has no DOM types).
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}

function compile(): SimdScanner | null {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (!wasm?.validate(MODULE)) return null;
  let exports: Record<string, unknown>;
  try {
    // A module this small compiles synchronously in microseconds.
    exports = new wasm.Instance(new wasm.Module(MODULE)).exports;
  } catch {
    return null;
  }
  const memory = new Uint8Array((exports.memory as { buffer: ArrayBuffer }).buffer);
  const scan = exports.plain as (p: number, n: number) => number;
  return {
    plain(bytes, from) {
      for (let at = from; at < bytes.length; at += SCAN_WINDOW) {
        const end = Math.min(at + SCAN_WINDOW, bytes.length);
        const length = end - at;
        const padded = (length + 15) & ~15;
        memory.set(bytes.subarray(at, end), 0);
        memory.fill(PAD, length, padded);
        if (scan(0, padded) === 0) return false;
      }
      return true;
    },
  };
}
