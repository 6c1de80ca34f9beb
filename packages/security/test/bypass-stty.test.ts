// Terminal settings that edit the lines bash reads. bash in an orchflow terminal runs without
// readline, so the tty's line discipline edits each line orchflow types: after `stty erase '#'`
// the judged `cat /ro#oot/.ssh/key` reaches bash as `cat /root/.ssh/key`. Changing special
// characters, canonical mode or input processing is refused wherever commands are restricted, also
// through wrappers; reading the settings, echo and output settings and the window size stay allowed.
import { describe, it } from 'vitest';
import { CommandPolicy } from '../src/command/command-policy';
import { SecurityPresets } from '../src/policy/presets';
import { expectAllowed, expectRefused } from './policy-expect';

const standard = new CommandPolicy(SecurityPresets.standard);
const locked = new CommandPolicy(SecurityPresets.locked);
const trusted = new CommandPolicy(SecurityPresets.trusted);
const hooksOnly = new CommandPolicy({});
const open = new CommandPolicy({ protectShellIntegration: false, dangerousVariables: [] });
// An allowlist that names stty: the settings are refused even so.
const allowsStty = new CommandPolicy({ allowedCommands: ['stty', 'cat'] });

describe('stty settings that edit input', () => {
  it('the erase bypass stops at its first line', async () => {
    for (const policy of [standard, locked, trusted, hooksOnly, allowsStty])
      await expectRefused(policy, "stty erase '#'", 'tty-setting:erase');
    await expectAllowed(open, "stty erase '#'");
  });

  it.each([
    ["stty erase '#'", 'erase'],
    ['stty kill _', 'kill'],
    ['stty werase x', 'werase'],
    ['stty rprnt x', 'rprnt'],
    ['stty lnext x', 'lnext'],
    ['stty eof x', 'eof'],
    ['stty eol ";"', 'eol'],
    ['stty eol2 x', 'eol2'],
    ['stty intr x', 'intr'],
    ['stty quit x', 'quit'],
    ['stty susp x', 'susp'],
    ['stty dsusp x', 'dsusp'],
    ['stty swtch x', 'swtch'],
    ['stty discard x', 'discard'],
    ["stty stop '#'", 'stop'],
    ["stty start '#'", 'start'],
    ['stty kill undef', 'kill'],
    ['stty erase ^-', 'erase'],
    ['stty min 1', 'min'],
    ['stty time 0', 'time'],
    ['stty -icanon', '-icanon'],
    ['stty icanon', 'icanon'],
    ['stty cbreak', 'cbreak'],
    ['stty -iexten', '-iexten'],
    ['stty -isig', '-isig'],
    ['stty icrnl', 'icrnl'],
    ['stty inlcr', 'inlcr'],
    ['stty igncr', 'igncr'],
    ['stty istrip', 'istrip'],
    ['stty iuclc', 'iuclc'],
    ['stty xcase', 'xcase'],
    ['stty lcase', 'lcase'],
    ['stty ixon', 'ixon'],
    ['stty ixany', 'ixany'],
    ['stty noflsh', 'noflsh'],
    ['stty extproc', 'extproc'],
    ['stty -cread', '-cread'],
    ['stty cs7', 'cs7'],
    ['stty line 1', 'line'],
    ['stty 0', 'other'],
    ['stty raw', 'raw'],
    ['stty -raw', '-raw'],
    ['stty cooked', 'cooked'],
    ['stty sane', 'sane'],
    ['stty ek', 'ek'],
    ['stty nl', 'nl'],
    ['stty -echo -icanon', '-icanon'],
    ['stty cols 80 erase x', 'erase'],
    ['stty -- erase x', 'erase'],
    ['stty 500:5:bf:8a3b:3:1c:7f:15:4:0:1:0:11:13:1a:0:12:f:17:16:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0', 'saved'],
    ['stty --frobnicate', 'other'],
  ])('%s is refused (tty-setting:%s)', async (line, setting) => {
    await expectRefused(standard, line, `tty-setting:${setting}`);
    await expectRefused(locked, line, `tty-setting:${setting}`);
  });

  it.each([
    "stty -F /dev/tty erase '#'",
    "stty -F/dev/tty erase '#'",
    "stty --file=/dev/tty erase '#'",
    "stty --file /dev/tty erase '#'",
    "stty erase '#' < /dev/tty",
    "env stty erase '#'",
    "env -i stty erase '#'",
    "command stty erase '#'",
    "nice -n 5 stty erase '#'",
    "timeout 5 stty erase '#'",
    "nohup stty erase '#'",
    "stdbuf -o0 stty erase '#'",
    "busybox stty erase '#'",
    "toybox stty erase '#'",
    "/bin/stty erase '#'",
    "exec stty erase '#'",
    'bash -c "stty erase \'#\'"',
    'eval "stty erase \'#\'"',
    "find . -maxdepth 0 -exec stty erase '#' \\;",
    "setsid stty erase '#'",
    'script -qc "stty erase \'#\'" /dev/null',
    "f() { stty erase '#'; }",
  ])('%s is refused through the redirection or wrapper', async (line) => {
    await expectRefused(standard, line, 'tty-setting:erase');
  });

  it.each([
    'stty $(cat saved)',
    'stty "$saved"',
    'stty $SETTING',
    'stty -F $dev',
    'stty cols $COLUMNS',
    'echo erase x | xargs stty',
  ])('%s, with settings only known at run time, is refused', async (line) => {
    await expectRefused(standard, line, 'tty-setting:non-literal');
    await expectRefused(trusted, line, 'tty-setting:non-literal');
  });
});

describe('tset and reset', () => {
  it.each([
    ["tset -e '#'", 'erase'],
    ["tset -e'#'", 'erase'],
    ['tset -Qe x', 'erase'],
    ['reset -k x', 'kill'],
    ['reset -i x', 'intr'],
    ['tset xterm -e x', 'erase'],
    ['tset $OPTS', 'non-literal'],
  ])('%s is refused (tty-setting:%s)', async (line, setting) => {
    await expectRefused(standard, line, `tty-setting:${setting}`);
  });

  it('without those options they only restore disabled characters, and are allowed', async () => {
    for (const line of [
      'reset',
      'tset',
      'tset -Q',
      'tset -m dialup:vt100 -Q',
      'tset -q',
      'tput reset',
      'tput init',
    ])
      await expectAllowed(standard, line);
  });
});

describe('reading settings, echo, output and the window size stay allowed', () => {
  it.each([
    'stty',
    'stty -a',
    'stty --all',
    'stty --al',
    'stty -g',
    'stty --save',
    'stty size',
    'stty speed',
    'stty -echo',
    'stty echo',
    'stty -echoctl',
    'stty echoe echok',
    'stty cols 120',
    'stty rows 40 cols 120',
    'stty columns 100',
    'stty -F /dev/tty -a',
    'stty -F /dev/pts/0 size',
    'stty -a < /dev/tty',
    'stty onlcr opost',
    'stty -tostop',
    'stty size | cut -d" " -f2',
    'old=$(stty -g)',
    'setterm --reset',
    'setterm --cursor on',
    'tput cols',
  ])('%s', async (line) => {
    await expectAllowed(standard, line);
    await expectAllowed(trusted, line);
  });

  it('under an allowlist that names stty', async () => {
    for (const line of ['stty -a', 'stty size', 'stty -g', 'stty -echo', 'stty cols 80 rows 24'])
      await expectAllowed(allowsStty, line);
  });
});
