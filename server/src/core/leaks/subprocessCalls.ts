import { addRaise } from './exceptionFlow';
import { argument, CallSite } from './callSite';
import { shorten } from './taintSyntax';
import type { TaintInterpreter } from './taintInterpreter';
import { TaintState } from './taintState';
import { asData, EMPTY, isTainted, textOf, union, Val } from './taintTypes';

// A secret on a command line is visible to anyone who can list the host's processes (`ps`,
// /proc/<pid>/cmdline) for as long as the command runs, and subprocess's CalledProcessError
// prints the whole command (checked: "Command '['curl', ..., 'Authorization: Bearer <token>']'
// returned non-zero exit status 7."), so a failing `check=True` run puts it in the task's logs.
// Passing the value in `env=` or on stdin (`input=`) shows it to no one: those are not sinks.
// What the command prints may echo its arguments (argparse repeats unrecognised ones, a tool
// prints the URL it was given), so its captured output carries them; git strips credentials
// from the URLs it prints, which this does not know.

interface Runner {
  result: 'process' | 'output' | 'none';
  /** Raises CalledProcessError (with the command) when the command fails. */
  checks?: boolean;
  /** Every positional argument is part of the command (os.execl, asyncio.create_subprocess_exec). */
  allArgs?: boolean;
}

const RUNNERS = new Map<string, Runner>([
  ['subprocess.run', { result: 'process' }],
  ['subprocess.Popen', { result: 'process' }],
  ['subprocess.call', { result: 'none' }],
  ['subprocess.check_call', { result: 'none', checks: true }],
  ['subprocess.check_output', { result: 'output', checks: true }],
  ['subprocess.getoutput', { result: 'output' }],
  ['subprocess.getstatusoutput', { result: 'output' }],
  ['os.system', { result: 'none' }],
  ['os.popen', { result: 'output' }],
  ['asyncio.create_subprocess_shell', { result: 'process' }],
  ['asyncio.create_subprocess_exec', { result: 'process', allArgs: true }],
]);
const EXEC = /^os\.(exec|spawn)[lv]p?e?$/;

export function isCommandRunner(q: string | undefined): boolean {
  return !!q && (RUNNERS.has(q) || EXEC.test(q));
}

/**
 * A subprocess call: each command-line argument carrying a secret is a sink (kind 'cmdline');
 * with `check=True` (or check_call/check_output) the command is also what a failure raises;
 * the result's output carries the command's arguments, its return code nothing.
 */
export function subprocessCall(ip: TaintInterpreter, site: CallSite, st: TaintState): Val {
  const runner = RUNNERS.get(site.q ?? '') ?? { result: 'none', allArgs: true };
  const command = runner.allArgs ? site.args.filter((a) => !a.keyword && !a.splat) : [argument(site, 'args', 0)].filter((a) => !!a);
  let cmd = EMPTY;
  for (const a of command) {
    const v = asData(textOf(ip.expr(a!.value, st)));
    if (isTainted(v)) ip.emit({ kind: 'cmdline', display: `${shorten(site.fn.text)}()`, sinkNode: site.node, argNode: a!.value, value: v });
    cmd = union(cmd, v);
  }
  for (const a of site.args) if (!command.includes(a)) ip.expr(a.value, st); // env=, input=, cwd=: not shown
  const check = site.args.find((a) => a.keyword === 'check');
  if (runner.checks || check?.value.text === 'True') addRaise(st, 'CalledProcessError', cmd);
  if (runner.result === 'none') return EMPTY;
  if (runner.result === 'output') return cmd;
  const fields = new Map<string, Val>([
    ['stdout', cmd],
    ['stderr', cmd],
    ['output', cmd],
    ['args', cmd],
  ]);
  return { origins: [], kind: 'object', closed: true, fields };
}
