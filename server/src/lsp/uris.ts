import { fileURLToPath } from 'url';

export function uriToPath(uri: string): string | undefined {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
  } catch {
    return undefined;
  }
}

export function isLaunchJson(uri: string): boolean {
  return /\/\.vscode\/launch\.json$/.test(uri);
}
