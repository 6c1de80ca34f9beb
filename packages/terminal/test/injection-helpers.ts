// Commands that try to inject input with TIOCSTI / TIOCLINUX, as a real program does: perl's
// ioctl() is the system call itself, with no wrapper that could refuse first.

/** Types `text` and a carriage return into `tty` with TIOCSTI; prints `injected` or `denied errno=N`. */
export function injectCommand(tty: string, text: string): string {
  const script = [
    'open(my $t, "+<", $ARGV[0]) or die "open $ARGV[0]: $!\\n";',
    'for my $c (split(//, $ARGV[1]), "\\r") { unless (ioctl($t, 0x5412, $c)) { print "denied errno=", $! + 0, "\\n"; exit 0 } }',
    'print "injected\\n";',
  ].join(' ');
  return `perl -e '${script}' ${tty} '${text}'`;
}

/** TIOCLINUX subcode 2 (paste selection) on the controlling tty; prints `errno=N` or `ok`. */
export const TIOCLINUX_PROBE = `perl -e 'open(my $t, "+<", "/dev/tty") or die; my $arg = "\\x02" . ("\\0" x 11); print ioctl($t, 0x541C, $arg) ? "ok\\n" : "errno=" . ($! + 0) . "\\n"'`;

/** getpid through the x32 ABI (0x40000000 + 39); x86_64 only. */
export const X32_GETPID = `perl -e 'syscall(0x40000000 + 39)'`;
