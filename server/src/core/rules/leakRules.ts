import { RuleInfo } from './ruleTypes';

// Rules of the leak dataflow analysis (server/src/core/leaks/). A secret here is a value that
// @secrets put in the environment of the task, or that get_secret(...) returned.
export const LEAK_RULES: RuleInfo[] = [
  {
    code: 'MFS050', name: 'secret-in-log', severity: 'warning',
    title: 'A secret value is printed or logged',
    explanation: "Metaflow captures each task's stdout and stderr and stores them with the run: `python flow.py logs` and the UI show them to anyone who can read the run. print, logging, sys.stdout/stderr.write, pprint and warnings.warn all end up there.",
  },
  {
    code: 'MFS051', name: 'secret-in-exception', severity: 'warning',
    title: 'A secret value is part of a raised exception',
    explanation: "An uncaught exception's message and traceback are printed to the task's stderr, which Metaflow stores in the task's logs.",
  },
  {
    code: 'MFS052', name: 'secret-in-artifact', severity: 'warning',
    title: 'A secret value is stored as an artifact',
    explanation: 'Every `self.<name>` still set at the end of a step is persisted to the datastore; anyone with Client API access to the flow can read it (Flow(...)[run][step].task.data.<name>). Keep secrets in local variables and read them from the environment in each step that needs them.',
  },
  {
    code: 'MFS053', name: 'secret-in-card', severity: 'warning',
    title: 'A secret value is rendered into a Metaflow card',
    explanation: 'Cards are stored in the datastore with the task and shown in the Metaflow UI and card viewer.',
  },
  {
    code: 'MFS054', name: 'environment-dumped', severity: 'warning',
    title: 'The whole environment is printed, logged or stored',
    explanation: "os.environ holds every secret @secrets injected into the task (and often cloud credentials). Printing, logging or persisting it wholesale leaks all of them; print sorted(os.environ) to see only the names.",
  },
];
