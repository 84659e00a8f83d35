/** Quoting of arguments for a command line shown to (or typed into) a shell. Never used for values of secrets. */

export type ShellKind = 'posix' | 'powershell' | 'cmd';

export function quoteArg(arg: string, shell: ShellKind = 'posix'): string {
  switch (shell) {
    case 'posix':
      if (/^[A-Za-z0-9_/.:=@%+,-]+$/.test(arg)) return arg;
      return `'${arg.replace(/'/g, `'\\''`)}'`;
    case 'powershell':
      // PowerShell 7.3+ passes native arguments verbatim; older versions drop embedded double quotes.
      if (/^[A-Za-z0-9_/.:=@%+-]+$/.test(arg)) return arg;
      return `'${arg.replace(/'/g, "''")}'`;
    case 'cmd':
      return quoteWindowsArg(arg);
  }
}

/** The rules the C runtime (and Python's argv) uses to split a Windows command line. */
function quoteWindowsArg(arg: string): string {
  if (arg.length > 0 && !/[\s"&|<>^%]/.test(arg)) return arg;
  let out = '"';
  let backslashes = 0;
  for (const ch of arg) {
    if (ch === '\\') {
      backslashes++;
      continue;
    }
    if (ch === '"') {
      out += '\\'.repeat(backslashes * 2 + 1) + '"';
    } else {
      out += '\\'.repeat(backslashes) + ch;
    }
    backslashes = 0;
  }
  return out + '\\'.repeat(backslashes * 2) + '"';
}

export function commandLine(argv: readonly string[], shell: ShellKind = 'posix'): string {
  return argv.map((a) => quoteArg(a, shell)).join(' ');
}
