#!/usr/bin/env node
// Runs every package's tests through turbo, one task at a time, and when any fail, repeats
// the failures at the very end. With `--continue` a failed suite's report scrolls away under
// the suites that ran after it, and a CI log is often read from its tail only: a failure that
// cannot be seen there cannot be fixed.
import { spawn } from 'node:child_process';

const MAX_LINES_PER_TASK = 60;
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
// turbo prefixes each line of a task with `<package>:<task>: `.
const TASK_LINE = /^(\S+?):test: ?(.*)$/;
// Where vitest's and pytest's failure reports begin.
const REPORT_START =
  /⎯+ Failed Tests \d+ ⎯+|⎯+ Unhandled Errors? ⎯+|^=+ (FAILURES|ERRORS|short test summary info) =+$/;

/** @type {Map<string, string[]>} the failure report of each task, as printed */
const reports = new Map();
/** @type {Map<string, string[]>} the `FAIL`/`FAILED` lines of each task: which tests failed */
const failedTests = new Map();
/** @type {Map<string, string[]>} the last lines of each task (a crash may print no report) */
const tails = new Map();
const TAIL_LINES = 30;
/** @type {Set<string>} tasks turbo reports failed (`Failed:    @orchflow/x#test, …`) */
const failedTasks = new Set();

function take(line) {
  const plain = line.replace(ANSI, '');
  const failed = /^\s*Failed:\s+(.*)$/.exec(plain);
  if (failed?.[1])
    for (const name of failed[1].split(',')) failedTasks.add(name.trim().replace(/#test$/, ''));
  const match = TASK_LINE.exec(plain);
  if (!match) return;
  const [, task, text] = match;
  const tail = tails.get(task) ?? [];
  tail.push(text);
  if (tail.length > TAIL_LINES) tail.shift();
  tails.set(task, tail);
  if (/^\s*(FAIL|FAILED)\s/.test(text)) {
    const names = failedTests.get(task) ?? [];
    if (!names.includes(text.trim())) names.push(text.trim());
    failedTests.set(task, names);
  }
  const report = reports.get(task);
  if (report) {
    if (report.length < MAX_LINES_PER_TASK) report.push(text);
  } else if (REPORT_START.test(text.trim())) {
    reports.set(task, [text]);
  }
}

function lineSplitter(write) {
  let rest = '';
  return {
    push(chunk) {
      write(chunk);
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) take(line);
    },
    end() {
      if (rest) take(rest);
    },
  };
}

const child = spawn(
  'pnpm',
  ['exec', 'turbo', 'run', 'test', '--concurrency=1', '--continue', ...process.argv.slice(2)],
  {
    stdio: ['inherit', 'pipe', 'pipe'],
  },
);
// Decoded as a stream, so a character split between two reads is not mangled in `take`.
child.stdout.setEncoding('utf8');
child.stderr.setEncoding('utf8');
const out = lineSplitter((chunk) => process.stdout.write(chunk));
const err = lineSplitter((chunk) => process.stderr.write(chunk));
child.stdout.on('data', (chunk) => out.push(chunk));
child.stderr.on('data', (chunk) => err.push(chunk));

child.on('error', (error) => {
  process.stderr.write(`test-unit: could not run turbo: ${error.message}\n`);
  process.exit(1);
});
child.on('close', (code, signal) => {
  out.end();
  err.end();
  const unreported = [...failedTasks].filter((task) => !reports.has(task) && tails.has(task));
  if (code !== 0 && (reports.size > 0 || failedTests.size > 0 || unreported.length > 0)) {
    const print = (line) => process.stdout.write(`${line}\n`);
    print('\n==================== failures, repeated from above ====================');
    for (const [task, report] of reports) {
      print(`\n---- ${task}: its failure report (first ${MAX_LINES_PER_TASK} lines) ----`);
      for (const line of report) print(line);
    }
    // A suite that failed without a report (a crashed worker, a failed hook outside any test).
    for (const task of unreported) {
      print(`\n---- ${task}: failed without a failure report; its last ${TAIL_LINES} lines ----`);
      for (const line of tails.get(task) ?? []) print(line);
    }
    // The list of failed tests comes last: it is what a log's tail must show.
    print('\n---- failed tests ----');
    for (const [task, names] of failedTests) for (const name of names) print(`${task}: ${name}`);
  }
  process.exit(code ?? (signal ? 1 : 0));
});
