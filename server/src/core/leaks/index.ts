// The leak analysis: secrets reaching logs, exceptions, artifacts and cards.
export { findLeaks, LeakOptions } from './findLeaks';
export { LeakInput, SecretNames } from './taintTypes';
