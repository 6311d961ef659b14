#!/usr/bin/env bash
# The shell side of pmtrack's GitHub Action (action.yml runs it; tests source
# it and call its functions). It installs the pmtrack binary for the runner
# (a release asset whose sha256 is checked, or a build of the tagged source
# when no asset fits), runs the command the inputs ask for, and pushes a
# write-back commit (to the branch, or to one pull request).
#
# Inputs arrive as environment variables, never as text pasted into the
# script (see action.yml): PMTRACK_COMMAND, PMTRACK_TOKEN, PMTRACK_CONFIG,
# PMTRACK_WRITE_BACK, PMTRACK_COMMIT, PMTRACK_DRY_RUN, PMTRACK_VERSION,
# PMTRACK_WRITE_BACK_MODE, PMTRACK_ARGS, PMTRACK_ACTION_PATH,
# PMTRACK_ACTION_REPOSITORY. PMTRACK_BIN, when set, is used instead of
# installing (self-hosted runners with pmtrack installed, and tests).
#
# It never prints the token and never passes it on a command line.
set -euo pipefail

WRITE_BACK_BRANCH="pmtrack/write-back"

log() { printf 'pmtrack-action: %s\n' "$*" >&2; }
die() { printf '::error title=pmtrack action::%s\n' "$*"; log "error: $*"; exit 1; }

# The Rust target triple of a runner (RUNNER_OS, RUNNER_ARCH); fails for
# runners without a release binary.
target_triple() {
  case "$1/$2" in
    Linux/X64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64) echo aarch64-unknown-linux-musl ;;
    macOS/X64) echo x86_64-apple-darwin ;;
    macOS/ARM64) echo aarch64-apple-darwin ;;
    Windows/X64) echo x86_64-pc-windows-msvc ;;
    *) return 1 ;;
  esac
}

# The version in the [package] table of a Cargo.toml.
cargo_version() {
  awk '
    /^\[/ { in_pkg = ($0 == "[package]") }
    in_pkg && /^version *= *"/ { gsub(/^version *= *"|".*$/, ""); print; exit }
  ' "$1"
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | awk '{print $1}'
  else
    shasum -a 256 "$1" | awk '{print $1}'
  fi
}

# Checks FILE against the first word of SUMFILE (`<hex>  <name>`).
verify_sha256() {
  local file="$1" sumfile="$2" want got
  want="$(awk 'NR == 1 {print tolower($1)}' "$sumfile")"
  got="$(sha256_of "$file")"
  if [[ ! "$want" =~ ^[0-9a-f]{64}$ ]]; then
    log "$(basename "$sumfile") holds no sha256"
    return 1
  fi
  if [[ "$want" != "$got" ]]; then
    log "sha256 mismatch for $(basename "$file"): expected $want, got $got"
    return 1
  fi
}

download() {
  # HTTPS only, redirects included; plain HTTP only for an explicit
  # PMTRACK_DOWNLOAD_BASE on http:// (a local mirror, the tests).
  local proto='=https'
  if [[ -n "${PMTRACK_DOWNLOAD_BASE:-}" && "$1" == http://* ]]; then
    proto='=http'
  fi
  curl --fail --silent --show-error --location --retry 3 --proto "$proto" --proto-redir "$proto" \
    --output "$2" "$1"
}

# Downloads and verifies the release asset into DEST; returns 2 when no asset
# fits (no triple, or not published), 1 when verification fails.
install_asset() {
  local version="$1" repo="$2" dest="$3" triple name base tmp
  triple="$(target_triple "${RUNNER_OS:-}" "${RUNNER_ARCH:-}")" || {
    log "no release binary for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}"
    return 2
  }
  local ext=tar.gz exe=pmtrack
  if [[ "$triple" == *-windows-* ]]; then
    ext=zip
    exe=pmtrack.exe
  fi
  name="pmtrack-${version}-${triple}.${ext}"
  base="${PMTRACK_DOWNLOAD_BASE:-${GITHUB_SERVER_URL:-https://github.com}/${repo}/releases/download}"
  tmp="$(mktemp -d)"
  if ! download "${base}/v${version}/${name}" "${tmp}/${name}" ||
     ! download "${base}/v${version}/${name}.sha256" "${tmp}/${name}.sha256"; then
    log "no release asset ${name} for v${version}"
    rm -rf "$tmp"
    return 2
  fi
  if ! verify_sha256 "${tmp}/${name}" "${tmp}/${name}.sha256"; then
    rm -rf "$tmp"
    return 1
  fi
  # Where gh is there, the build provenance too (release.yml attests every
  # asset); only for GitHub's own releases, not a mirror.
  if [[ -z "${PMTRACK_DOWNLOAD_BASE:-}" ]] && command -v gh >/dev/null 2>&1; then
    if ! GH_TOKEN="${PMTRACK_TOKEN:-}" gh attestation verify "${tmp}/${name}" --repo "$repo" >/dev/null; then
      rm -rf "$tmp"
      log "the build provenance attestation of ${name} does not verify"
      return 1
    fi
    log "build provenance of ${name} verified (gh attestation verify)"
  fi
  mkdir -p "$dest"
  if [[ "$ext" == zip ]]; then
    if command -v unzip >/dev/null 2>&1; then
      unzip -q "${tmp}/${name}" -d "$tmp"
    else
      powershell -NoProfile -Command "Expand-Archive -Path '${tmp}/${name}' -DestinationPath '${tmp}'"
    fi
  else
    tar -xzf "${tmp}/${name}" -C "$tmp"
  fi
  local bin
  bin="$(find "$tmp" -type f -name "$exe" | head -n 1)"
  if [[ -z "$bin" ]]; then
    rm -rf "$tmp"
    log "${name} holds no pmtrack binary"
    return 1
  fi
  install -m 0755 "$bin" "$dest/$exe"
  rm -rf "$tmp"
  log "installed pmtrack ${version} (${triple}), sha256 verified"
}

# Builds the tagged source with cargo: the action's own checkout when it is
# that version, else the tag from the action's repository.
install_from_source() {
  local version="$1" repo="$2" dest="$3" action_path="$4"
  command -v cargo >/dev/null 2>&1 ||
    die "no release binary fits this runner and cargo is not installed; install Rust (rustup) in an earlier step"
  if [[ -f "$action_path/Cargo.toml" && "$(cargo_version "$action_path/Cargo.toml")" == "$version" ]]; then
    log "building pmtrack ${version} from the action's source"
    cargo install --locked --quiet --path "$action_path" --root "$dest.root"
  else
    [[ -n "$repo" ]] || die "cannot tell where pmtrack ${version}'s source is"
    log "building pmtrack ${version} from ${repo}@v${version}"
    cargo install --locked --quiet --git "${GITHUB_SERVER_URL:-https://github.com}/${repo}" \
      --tag "v${version}" pmtrack --root "$dest.root"
  fi
  mkdir -p "$dest"
  install -m 0755 "$dest.root/bin/pmtrack" "$dest/pmtrack"
}

# Sets PMTRACK_PATH to a pmtrack binary, installing it when needed.
install_pmtrack() {
  if [[ -n "${PMTRACK_BIN:-}" ]]; then
    [[ -x "$PMTRACK_BIN" ]] || die "PMTRACK_BIN=$PMTRACK_BIN is not an executable"
    PMTRACK_PATH="$PMTRACK_BIN"
    return 0
  fi
  local action_path="${PMTRACK_ACTION_PATH:-${GITHUB_ACTION_PATH:-.}}"
  local repo="${PMTRACK_ACTION_REPOSITORY:-}"
  local version="${PMTRACK_VERSION:-}"
  version="${version#v}"
  if [[ -z "$version" ]]; then
    version="$(cargo_version "$action_path/Cargo.toml" 2>/dev/null || true)"
  fi
  [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([.+-][0-9A-Za-z.+-]*)?$ ]] ||
    die "version '${version}' is not a release version like 1.2.3"
  local dest="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/pmtrack-${version}"
  if [[ -x "$dest/pmtrack" ]]; then
    PMTRACK_PATH="$dest/pmtrack"
    return 0
  fi
  local status=2
  if [[ -n "$repo" ]]; then
    install_asset "$version" "$repo" "$dest" && status=0 || status=$?
  fi
  case "$status" in
    0) ;;
    2) install_from_source "$version" "$repo" "$dest" "$action_path" ;;
    *) die "the downloaded pmtrack ${version} failed its sha256 check; not running it" ;;
  esac
  if [[ -n "${GITHUB_PATH:-}" ]]; then
    echo "$dest" >> "$GITHUB_PATH"
  fi
  PMTRACK_PATH="$dest/pmtrack"
}

# true / yes / 1 in any case (bash 3.2 on macOS has no ${x,,}).
is_true() {
  case "$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]')" in
    true | yes | 1) return 0 ;;
    *) return 1 ;;
  esac
}

# The identity of every commit git makes for the Action (a rebase too):
# runners have none configured.
BOT_NAME="pmtrack[bot]"
BOT_EMAIL="pmtrack[bot]@users.noreply.github.com"

# git with the token as an HTTPS credential taken from the environment (it
# never appears on a command line or in .git/config), the bot's identity,
# and no `http.extraheader`: actions/checkout leaves one holding its own
# token, which would win over ours (a custom token must be the one that
# pushes).
git_auth() {
  local server="${GITHUB_SERVER_URL:-https://github.com}"
  # The single quotes are deliberate: git's shell expands the variable.
  # shellcheck disable=SC2016
  git -c credential.helper= \
    -c 'credential.helper=!f() { echo username=x-access-token; echo "password=${PMTRACK_TOKEN}"; }; f' \
    -c "http.${server%/}/.extraheader=" -c http.extraheader= \
    -c "user.name=${BOT_NAME}" -c "user.email=${BOT_EMAIL}" \
    "$@"
}

# Pushes HEAD to BRANCH. A push rejected because the branch moved on gets
# one `git pull --rebase` and a retry; a push refused by a rule (a
# protected branch, GH006) is an error that says what to do.
push_branch() {
  local branch="$1" err
  err="$(mktemp)"
  if git_auth push origin "HEAD:refs/heads/${branch}" 2> "$err"; then
    rm -f "$err"
    return
  fi
  cat "$err" >&2
  if grep -qE 'GH006|GH013|protected branch|[Pp]rotected' "$err"; then
    rm -f "$err"
    die "GitHub refused to push the write-back commit to ${branch}: the branch is protected. Use write-back-mode: pull-request, or a token allowed to push to it (a GitHub App token, see docs/action.md)"
  fi
  if ! grep -qE 'non-fast-forward|fetch first|rejected' "$err"; then
    rm -f "$err"
    die "cannot push the write-back commit to ${branch} (see git's message above)"
  fi
  rm -f "$err"
  log "push rejected: ${branch} moved on; rebasing on origin/${branch} and trying once more"
  if ! git_auth pull --rebase origin "$branch"; then
    git rebase --abort >/dev/null 2>&1 || true
    die "cannot rebase the write-back commit on origin/${branch}; the next run writes the links again"
  fi
  git_auth push origin "HEAD:refs/heads/${branch}"
}

# Pushes the write-back commit to the one write-back branch and opens its
# pull request unless one is open already.
push_pull_request() {
  local base="$1" existing err
  command -v gh >/dev/null 2>&1 || die "write-back-mode pull-request needs the gh CLI"
  # The pull request's checks must run (a protected branch requires them):
  # its commit carries no `[skip ci]`. The write-back branch is not the one
  # the workflows sync on, so this starts no loop.
  git_auth commit --quiet --amend --no-verify \
    -m "$(git log -1 --format=%B | sed 's/ \[skip ci\]//')"
  # Every run writes back every postmortem on top of the base, so replacing
  # the branch drops nothing an earlier, unmerged run wrote.
  git_auth push --force origin "HEAD:refs/heads/${WRITE_BACK_BRANCH}"
  existing="$(GH_TOKEN="$PMTRACK_TOKEN" gh pr list --head "$WRITE_BACK_BRANCH" --base "$base" \
    --state open --json number --jq '.[0].number // empty')"
  if [[ -n "$existing" ]]; then
    log "updated pull request #${existing} (branch ${WRITE_BACK_BRANCH})"
    return
  fi
  err="$(mktemp)"
  if ! GH_TOKEN="$PMTRACK_TOKEN" gh pr create --head "$WRITE_BACK_BRANCH" --base "$base" \
    --title "pmtrack: write issue links back into the postmortems" \
    --body "Issue links and status blocks written by pmtrack. Merge to keep the postmortems in step with their issues; pmtrack updates this pull request on later runs." \
    2> "$err"; then
    cat "$err" >&2
    rm -f "$err"
    local server="${GITHUB_SERVER_URL:-https://github.com}"
    die "GitHub refused to open the write-back pull request. The branch ${WRITE_BACK_BRANCH} is pushed: open it yourself at ${server%/}/${GITHUB_REPOSITORY:-OWNER/REPO}/compare/${base}...${WRITE_BACK_BRANCH}, or let the workflow do it: Settings → Actions → General → Workflow permissions → 'Allow GitHub Actions to create and approve pull requests', and give the job 'pull-requests: write' (docs/action.md)"
  fi
  rm -f "$err"
}

# The branch a push should go to: the pushed branch, else the checked-out
# one; a detached HEAD (a tag, a pull request's merge commit) has none.
current_branch() {
  local branch
  if [[ "${GITHUB_REF:-}" == refs/heads/* ]]; then
    echo "${GITHUB_REF#refs/heads/}"
    return
  fi
  branch="$(git rev-parse --abbrev-ref HEAD)"
  if [[ "$branch" == HEAD ]]; then
    die "the write-back commit was made on a detached HEAD (GITHUB_REF=${GITHUB_REF:-unset}), so there is no branch to push it to; run the workflow on a branch (push or workflow_dispatch from a branch), or set commit: false"
  fi
  echo "$branch"
}

# `created=N updated=N closed=N` (and `remaining=N` when the write budget
# was reached) from sync's summary line, for runs whose binary did not set
# the outputs itself.
outputs_from_summary() {
  local re='([0-9]+) created, ([0-9]+) updated, ([0-9]+) closed'
  if [[ "$1" =~ $re ]]; then
    printf 'created=%s\nupdated=%s\nclosed=%s\n' \
      "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}"
    re='write budget reached: ([0-9]+) writes remain'
    if [[ "$1" =~ $re ]]; then
      printf 'remaining=%s\n' "${BASH_REMATCH[1]}"
    fi
  fi
}

# weekly: sync every postmortem with write-back and ONE commit (pushed the way
# a push run pushes), so items closed on GitHub show as done in their
# documents; then the report (rolling issue, overdue label, job summary).
# `args` go to the report; the outputs are sync's created/updated/closed/
# remaining and the report's open/overdue. The report runs even when a sync change failed;
# the step then fails with sync's status.
run_weekly() {
  local bin="$1" status=0 report_status=0 synced="" reported=""
  local report_args="${PMTRACK_ARGS:-}" commit=true
  if is_true "${PMTRACK_DRY_RUN:-false}"; then
    commit=false
  else
    report_args="--post ${report_args}"
  fi
  if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
    synced="$(mktemp)"
    reported="$(mktemp)"
  fi
  GITHUB_OUTPUT="$synced" PMTRACK_COMMAND=sync PMTRACK_COMMIT="$commit" PMTRACK_ARGS="--all" \
    run_pmtrack "$bin" || status=$?
  GITHUB_OUTPUT="$reported" PMTRACK_COMMAND=report PMTRACK_ARGS="$report_args" \
    run_pmtrack "$bin" || report_status=$?
  if [[ -n "$synced" ]]; then
    { grep -E '^(created|updated|closed|remaining)=' "$synced"; grep -E '^(open|overdue)=' "$reported"; } \
      >> "$GITHUB_OUTPUT" || true
    rm -f "$synced" "$reported"
  fi
  if [[ "$status" == 0 ]]; then status="$report_status"; fi
  return "$status"
}

run_pmtrack() {
  local bin="$1" command="${PMTRACK_COMMAND:-sync}" mode="${PMTRACK_WRITE_BACK_MODE:-push}"
  local -a args=() extra=()
  case "$command" in
    sync | report | check) ;;
    weekly) run_weekly "$bin"; return ;;
    *) die "command must be sync, report, check or weekly (got '${command}')" ;;
  esac
  case "$mode" in push | pull-request) ;; *) die "write-back-mode must be push or pull-request (got '${mode}')" ;; esac
  if [[ -n "${PMTRACK_CONFIG:-}" ]]; then args+=(--config "$PMTRACK_CONFIG"); fi
  args+=("$command")
  local commit=false
  if [[ "$command" == sync ]]; then
    if is_true "${PMTRACK_DRY_RUN:-false}"; then args+=(--dry-run); fi
    if is_true "${PMTRACK_COMMIT:-false}"; then
      args+=(--commit)
      commit=true
    elif is_true "${PMTRACK_WRITE_BACK:-false}"; then
      args+=(--write)
    fi
  fi
  # Extra arguments are split on whitespace (line breaks too), never
  # evaluated or globbed.
  read -r -d '' -a extra <<< "${PMTRACK_ARGS:-}" || true
  args+=(${extra[@]+"${extra[@]}"})

  export GITHUB_TOKEN="${PMTRACK_TOKEN:-}"
  local before="" after="" status=0 out_before=0
  if $commit; then before="$(git rev-parse HEAD)"; fi
  if [[ -n "${GITHUB_OUTPUT:-}" && -f "$GITHUB_OUTPUT" ]]; then
    out_before="$(wc -c < "$GITHUB_OUTPUT" | tr -d ' ')"
  fi
  log "pmtrack ${args[*]}"
  local stdout
  stdout="$(mktemp)"
  # pipefail: the status is pmtrack's, while its output shows as it comes.
  "$bin" "${args[@]}" | tee "$stdout" || status=$?
  if [[ "$command" == sync && -n "${GITHUB_OUTPUT:-}" ]]; then
    local now=0
    if [[ -f "$GITHUB_OUTPUT" ]]; then now="$(wc -c < "$GITHUB_OUTPUT" | tr -d ' ')"; fi
    if [[ "$now" == "$out_before" ]]; then
      outputs_from_summary "$(cat "$stdout")" >> "$GITHUB_OUTPUT"
    fi
  fi
  rm -f "$stdout"
  if $commit && [[ "$status" == 0 ]]; then
    after="$(git rev-parse HEAD)"
    if [[ "$after" != "$before" ]]; then
      local branch
      branch="$(current_branch)"
      if [[ "$mode" == pull-request ]]; then
        push_pull_request "$branch"
      else
        push_branch "$branch"
      fi
    else
      log "nothing to write back"
    fi
  fi
  return "$status"
}

main() {
  PMTRACK_PATH=""
  install_pmtrack
  run_pmtrack "$PMTRACK_PATH"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
