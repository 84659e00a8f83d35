// The leak analysis: secrets reaching logs, exceptions, artifacts and cards.
export { findLeaks, LeakOptions } from './findLeaks';
export { LeakRecord } from './stepAnalysis';
export { LeakCache } from './leakCache';
export { secretNamesFromAnalysis } from './stepSecretNames';
export { LeakInput, SecretNames, WorkspaceModules } from './taintTypes';
export { nonSecretKeys, NonSecretKeys, NonSecretMatch, nonSecretNote, nonSecretPatternProblem } from './nonSecretKeys';
