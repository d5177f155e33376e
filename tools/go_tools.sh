#!/usr/bin/env bash
# tools/go_tools.sh [NAME...]: installs pinned Go programs the project runs (all when no NAME):
#   kustomize, kubeconform  tests/deploy (manifest validation; tools/k8s_tools.sh asks for these two)
#   stripe-mock             the Stripe API peer of the billing service (tools/infra.py starts it)
# `go install` from the Go module proxy into .cache/go/bin, with GOPATH, GOMODCACHE and GOCACHE under
# .cache/go, so nothing outside the repository is needed or touched. Idempotent: skips a tool whose
# pinned version is already there (a stamp file per version). Needs `go` (>= 1.24) on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A MODULE=(
  [kustomize]=sigs.k8s.io/kustomize/kustomize/v5
  [kubeconform]=github.com/yannh/kubeconform/cmd/kubeconform
  [stripe-mock]=github.com/stripe/stripe-mock
)
declare -A VERSION=(
  [kustomize]=v5.8.1
  [kubeconform]=v0.7.0
  [stripe-mock]=v0.203.0
)

export GOPATH="$PWD/.cache/go" GOMODCACHE="$PWD/.cache/go/mod" GOCACHE="$PWD/.cache/go/build" GOBIN="$PWD/.cache/go/bin"
export PATH="$PATH:/usr/local/go/bin"  # where the machine image and the official Go archive install it
export GOFLAGS=-modcacherw GOTOOLCHAIN=local GOPROXY="${GOPROXY:-https://proxy.golang.org}"

install() {  # name
  local name=$1 module=${MODULE[$1]:?unknown tool $1} version=${VERSION[$1]}
  local stamp="$GOBIN/.$name-$version"
  if [[ -x "$GOBIN/$name" && -e "$stamp" ]]; then return 0; fi
  command -v go >/dev/null || { echo "[go-tools] go is not installed: it builds $name (apt-get install golang-go)" >&2; exit 1; }
  echo "[go-tools] installing $name $version into .cache/go/bin"
  go install "$module@$version"
  rm -f "$GOBIN/.$name-"*
  touch "$stamp"
}

if (( $# == 0 )); then set -- kustomize kubeconform stripe-mock; fi
for tool in "$@"; do install "$tool"; done
