#!/usr/bin/env bash
# The lint step of action.yml (the GitHub Action): lint the migrations a pull request adds or
# changes, or every migration outside a pull request. Inputs come as environment variables:
#   BELLOWS_PATH            migrations folder(s), space-separated (default: migrations)
#   BELLOWS_BASE            git ref to diff against (default: origin/$GITHUB_BASE_REF in a PR)
#   BELLOWS_FORMAT          github (annotations, default), human, json, sarif, gitlab
#   BELLOWS_DIALECT, BELLOWS_SERVER_VERSION, BELLOWS_FAIL_ON   passed on when set
# Exit code: bellows lint's (0 clean, 1 findings at or above --fail-on, 2 unreadable input).
set -euo pipefail
read -r -a paths <<<"${BELLOWS_PATH:-migrations}"
args=(lint "${paths[@]}" --format "${BELLOWS_FORMAT:-github}")
base="${BELLOWS_BASE:-}"
if [[ -z "$base" && -n "${GITHUB_BASE_REF:-}" ]]; then
  base="origin/$GITHUB_BASE_REF"
fi
if [[ -n "$base" ]]; then
  args+=(--changed-since "$base")
fi
[[ -n "${BELLOWS_DIALECT:-}" ]] && args+=(--dialect "$BELLOWS_DIALECT")
[[ -n "${BELLOWS_SERVER_VERSION:-}" ]] && args+=(--server-version "$BELLOWS_SERVER_VERSION")
[[ -n "${BELLOWS_FAIL_ON:-}" ]] && args+=(--fail-on "$BELLOWS_FAIL_ON")
echo "bellows ${args[*]}" >&2
exec "${BELLOWS_BIN:-bellows}" "${args[@]}"
