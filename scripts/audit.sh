#!/usr/bin/env bash
# Dependency audit: fails (exit 1) when npm reports an advisory of severity high or critical,
# for the runtime dependencies and for the whole tree (dev tools run in CI with its secrets).
# The registry's audit endpoint must be reachable: when it answers with an error instead of a
# report (some mirrors and proxies answer 405 to POST /-/npm/v1/security/advisories/bulk),
# the script says so and exits 2, so that a CI job can tell "no audit possible" from "clean".
# CI environments with registry audit access must run this script (see README.md, Tests).
set -uo pipefail
cd "$(dirname "$0")/.."

run() {
  local label="$1"
  shift
  local report
  report="$(npm audit --json "$@" 2>/dev/null)"
  local status
  # A report carries metadata.vulnerabilities; an endpoint failure carries only an error.
  if ! printf '%s' "$report" | node -e '
    let text = "";
    process.stdin.on("data", (chunk) => (text += chunk));
    process.stdin.on("end", () => {
      let parsed;
      try { parsed = JSON.parse(text); } catch { process.exit(1); }
      process.exit(parsed?.metadata?.vulnerabilities === undefined ? 1 : 0);
    });'; then
    echo "audit.sh: npm audit ($label) could not get a report from $(npm config get registry):" >&2
    printf '%s\n' "$report" | head -c 600 >&2
    echo >&2
    exit 2
  fi
  npm audit --audit-level=high "$@"
  status=$?
  if [ "$status" -ne 0 ]; then
    echo "audit.sh: high or critical advisories in $label" >&2
    exit 1
  fi
}

run 'runtime dependencies' --omit=dev
run 'all dependencies'
echo 'audit.sh: no high or critical advisories'
