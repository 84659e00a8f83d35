// The secret backends: what the language server and the CLI use.
export { SecretResolver, ResolverOptions, ResolveEvent, ResolverCounters } from './resolver';
export {
  Resolution,
  ResolvedSecret,
  FailedResolution,
  FailureKind,
  ResolutionMeta,
  SecretMetadata,
  NewSecretContent,
  CreationTarget,
  CreationTargetAnswer,
  CreatedSecret,
  CreationAnswer,
  ResolveContext,
  SecretProvider,
  SecretListing,
  SecretNameList,
  IdentityAnswer,
  BackendIdentity,
} from './provider';
export {
  BackendSettings,
  AwsSettings,
  AzureSettings,
  GcpSettings,
  DEFAULT_SETTINGS,
  backendSettings,
  parseBackendSettings,
  ParsedBackendSettings,
} from './settings';
export { ResolverLogger, SILENT_LOGGER } from './logger';
export { resolutionFindings } from './resolutionFindings';
// Types only: the providers' modules (and their SDKs) load when the resolver first needs them.
export type { AwsSecretsManagerProvider } from './aws';
export type { AzureKeyVaultProvider, AzureProviderOptions } from './azure';
export type { GcpSecretManagerProvider } from './gcp';
export { InlineProvider } from './inline';
export { resolutionSummary, secretMetadataSummary } from './resolutionSummary';
