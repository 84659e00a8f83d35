#!/usr/bin/env bash
# Installs what the backend tests' emulators need. Idempotent and quick on a second run.
# - AWS Secrets Manager: moto_server from .venv (scripts/setup-python.sh installs moto[server]).
# - Azure Key Vault: scripts/emulators/azureKeyVaultFake.ts (Lowkey Vault's app jar is not on
#   Maven Central, only on GitHub/Docker, which these machines cannot reach); it needs a
#   self-signed certificate for 127.0.0.1, made here.
# - GCP Secret Manager: scripts/emulators/gcpSecretManagerFake.ts (the Go emulator is not served by
#   the Go module proxy); it needs nothing installed beyond node_modules.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/moto_server ]; then
  bash scripts/setup-python.sh
fi
dir=.tools/emulators/azure-keyvault
if [ ! -s "$dir/cert.pem" ] || [ ! -s "$dir/key.pem" ]; then
  mkdir -p "$dir"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=localhost" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" >/dev/null 2>&1
fi
