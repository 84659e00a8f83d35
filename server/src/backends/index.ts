// The secret backends: what the language server and the CLI use.
export { SecretResolver, ResolverOptions, ResolveEvent, ResolverCounters } from './resolver';
export { Resolution, ResolvedSecret, FailedResolution, FailureKind, ResolutionMeta, SecretMetadata, NewSecretContent, CreationTarget, CreationTargetAnswer, CreatedSecret, CreationAnswer, ResolveContext, SecretProvider, SecretListing, SecretNameList, IdentityAnswer, BackendIdentity } from './provider';
export { BackendSettings, AwsSettings, AzureSettings, GcpSettings, DEFAULT_SETTINGS, backendSettings, parseBackendSettings, ParsedBackendSettings } from './settings';
export { ResolverLogger, SILENT_LOGGER } from './logger';
export { resolutionFindings } from './resolutionFindings';
export { AwsSecretsManagerProvider } from './aws';
export { AzureKeyVaultProvider, AzureProviderOptions } from './azure';
export { GcpSecretManagerProvider } from './gcp';
export { InlineProvider } from './inline';
export { resolutionSummary, secretMetadataSummary } from './resolutionSummary';
