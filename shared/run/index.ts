/** Run plans for editor-launched Metaflow runs and debug sessions (pure: no vscode, no I/O). */
export * from './payload';
export * from './spin';
export * from './secretsDecoSpec';
export * from './shellQuote';
export * from './dotenv';
export * from './launchPlan';
export * from './remoteCommand';
export * from './debugAdapter';
