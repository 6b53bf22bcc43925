#!/usr/bin/env bash
# The action's verify step (action.yml): one `migcheck verify` run writes the markdown report,
# SARIF, JUnit and the JSON result, prints annotations, and fills the job summary.
# Inputs come as INPUT_* variables (never spliced into the script), the runner's as GITHUB_*.
set -uo pipefail

out="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/migcheck-${INPUT_PROJECT_NAME:-default}"
mkdir -p "$out"
args=(
  verify "${INPUT_PROJECT:-.}"
  --format github
  --output "markdown:$out/report.md"
  --output "json:$out/result.json"
  --output "junit:$out/junit.xml"
)
if [ "${INPUT_SARIF:-true}" = "true" ]; then
  args+=(--output "sarif:$out/migcheck.sarif")
fi

# pull-request mode: the revisions added or changed since the pull request's base;
# `all` walks the whole history
ref="${INPUT_CHANGED_SINCE:-}"
if [ -z "$ref" ]; then
  ref="${MIGCHECK_BASE_SHA:-}"
elif [ "$ref" = "all" ]; then
  ref=""
fi
if [ -n "$ref" ]; then
  if ! git cat-file -e "$ref^{commit}" 2>/dev/null; then
    # a shallow checkout: fetch the base commit alone (the ref is never read as an option)
    git fetch --quiet --no-tags --depth=1 origin -- "$ref" 2>/dev/null || true
  fi
  args+=(--changed-since "$ref")
fi
if [ -n "${INPUT_PG_VERSION:-}" ]; then
  args+=(--pg-version "$INPUT_PG_VERSION")
fi
if [ -n "${INPUT_FAIL_ON:-}" ]; then
  args+=(--fail-on "$INPUT_FAIL_ON")
fi
if [ -n "${INPUT_VERIFY_ARGS:-}" ]; then
  # extra options, split on whitespace like a command line (no globbing, no expansion)
  set -f
  read -r -a extra <<< "$INPUT_VERIFY_ARGS"
  set +f
  args+=("${extra[@]}")
fi

status=0
migcheck "${args[@]}" || status=$?

summary_budget=1000000  # GitHub refuses a job summary over 1 MiB
if [ -s "$out/report.md" ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  if [ "$(wc -c < "$out/report.md")" -le "$summary_budget" ]; then
    cat "$out/report.md" >> "$GITHUB_STEP_SUMMARY"
  else
    migcheck report "$out/result.json" --format markdown --budget "$summary_budget" \
      >> "$GITHUB_STEP_SUMMARY" || true
  fi
fi

{
  echo "status=$status"
  echo "report=$( [ -s "$out/report.md" ] && echo "$out/report.md" )"
  echo "result=$( [ -s "$out/result.json" ] && echo "$out/result.json" )"
  echo "junit=$( [ -s "$out/junit.xml" ] && echo "$out/junit.xml" )"
  echo "sarif=$( [ -s "$out/migcheck.sarif" ] && echo "$out/migcheck.sarif" )"
} >> "${GITHUB_OUTPUT:-/dev/null}"
# the job fails at the action's last step, after the comment and SARIF are posted
exit 0
