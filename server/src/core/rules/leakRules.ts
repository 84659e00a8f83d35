import { RuleInfo } from './ruleTypes';

// Rules of the leak dataflow analysis (server/src/core/leaks/). A secret here is a value that
// @secrets put in the environment of the task, or that get_secret(...) returned.
export const LEAK_RULES: RuleInfo[] = [
  {
    code: 'MFS050',
    name: 'secret-in-log',
    severity: 'warning',
    title: 'A secret value is printed or logged',
    explanation:
      "Metaflow captures each task's stdout and stderr and stores them with the run: `python flow.py logs` and the UI show them to anyone who can read the run. print, logging, sys.stdout/stderr.write and pprint all end up there. warnings.warn is the exception: Metaflow's CLI ignores warnings in every task, so such a finding is reported at `information` and says the warning is dropped in Metaflow runs (it still prints where the code runs outside Metaflow, e.g. a notebook).",
  },
  {
    code: 'MFS051',
    name: 'secret-in-exception',
    severity: 'warning',
    title: 'A secret value is part of a raised exception',
    explanation: "An uncaught exception's message and traceback are printed to the task's stderr, which Metaflow stores in the task's logs.",
  },
  {
    code: 'MFS052',
    name: 'secret-in-artifact',
    severity: 'warning',
    title: 'A secret value is stored as an artifact',
    explanation:
      'Every `self.<name>` still set at the end of a step is persisted to the datastore; anyone with Client API access to the flow can read it (Flow(...)[run][step].task.data.<name>). Keep secrets in local variables and read them from the environment in each step that needs them.',
  },
  {
    code: 'MFS053',
    name: 'secret-in-card',
    severity: 'warning',
    title: 'A secret value is rendered into a Metaflow card',
    explanation: 'Cards are stored in the datastore with the task and shown in the Metaflow UI and card viewer.',
  },
  {
    code: 'MFS054',
    name: 'environment-dumped',
    severity: 'warning',
    title: 'The whole environment is printed, logged or stored',
    explanation:
      'os.environ holds every secret @secrets injected into the task (and often cloud credentials). Printing, logging or persisting it wholesale leaks all of them; print sorted(os.environ) to see only the names.',
  },
  {
    code: 'MFS059',
    name: 'secret-on-command-line',
    severity: 'warning',
    title: 'A secret value is on a subprocess command line',
    explanation:
      "subprocess.run/Popen/call/check_call/check_output, os.system, os.popen, os.exec*/spawn* and asyncio's subprocess functions put their command line where anyone who can list the host's processes reads it (ps, /proc/<pid>/cmdline) while the command runs, and CalledProcessError (check=True, check_call, check_output) prints the whole command into the task's logs when it fails. Pass the value in the environment (env=) or on stdin (input=). What the command prints may echo its arguments, so its captured output (stdout, stderr, check_output's result) carries them too.",
  },
  {
    code: 'MFS055',
    name: 'assumed-secret-leak',
    severity: 'information',
    title: "A value the step's @secrets probably provides reaches a log, an exception, an artifact or a card",
    explanation:
      "When a step's @secrets keys are not known (offline, a dynamic source, a JSON secret not resolved, access denied) every environment read in it that nothing else explains is assumed to be a secret: not set by the step's @environment, not written to os.environ in the step, not a variable the platform sets (HOME, PATH, USER, AWS_REGION, CUDA_VISIBLE_DEVICES, METAFLOW_*, ...), not a setting (a name ending in SIZE, COUNT, LIMIT, TIMEOUT, DIR, PATH, PORT, HOST, LEVEL, ... or starting with NUM_/MAX_/MIN_; a read with a non-empty literal default; a read converted with int() or float()), unless the name looks like a credential. The path is the same as MFS050-053; only the name is assumed. Once the backend is asked (online), a name it provides becomes MFS050-053 and one it does not is dropped.",
  },
  {
    code: 'MFS056',
    name: 'credential-name-leak',
    severity: 'hint',
    title: 'An environment variable named like a credential reaches a log, an exception, an artifact or a card',
    explanation:
      'A variable whose name looks like a credential (`*_TOKEN`, `*_API_KEY`, `*PASSWORD*`, `*SECRET*`, `*_CREDENTIALS`, `*_DSN`, ...) read anywhere in a flow and not known to come from @secrets: from the shell, the scheduler or @environment. Metaflow stores what reaches the logs, artifacts and cards all the same. Only the name suggests a secret, hence the low default severity.',
  },
  {
    code: 'MFS057',
    name: 'environment-dumped-without-secrets',
    severity: 'information',
    title: 'The whole environment of a step without @secrets is printed, logged or stored',
    explanation:
      "The step has no @secrets, so os.environ holds no @secrets values; it still holds whatever the platform puts there (cloud credentials, CI tokens, service keys), which Metaflow then stores with the run's logs, artifacts or cards. Print sorted(os.environ) to see only the names.",
  },
  {
    code: 'MFS058',
    name: 'decorator-value-stored',
    severity: 'warning',
    title: 'A credential is written into a decorator attribute, which Metaflow stores in `_graph_info`',
    explanation:
      "Metaflow persists every decorator's attributes in the `_graph_info` artifact of every task of the run (readable with the Client API: `Run(...)['start'].task['_graph_info'].data`). An `@environment(vars=...)` value computed from os.environ, os.getenv or get_secret when the flow file is loaded, and every value of an inline @secrets source, is therefore stored in the datastore. Set such variables with @secrets from a real backend instead.",
  },
];
