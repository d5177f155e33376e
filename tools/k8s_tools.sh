#!/usr/bin/env bash
# Installs the pinned kustomize and kubeconform that tests/deploy runs (make test calls this):
# `go install` from the Go module proxy into .cache/go/bin, with GOPATH, GOMODCACHE and GOCACHE under
# .cache/go, so nothing outside the repository is needed or touched. Idempotent: skips a tool whose
# pinned version is already there (a stamp file per version). Needs `go` (>= 1.24) on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

KUSTOMIZE_VERSION=v5.8.1    # sigs.k8s.io/kustomize/kustomize/v5
KUBECONFORM_VERSION=v0.7.0  # github.com/yannh/kubeconform

export GOPATH="$PWD/.cache/go" GOMODCACHE="$PWD/.cache/go/mod" GOCACHE="$PWD/.cache/go/build" GOBIN="$PWD/.cache/go/bin"
export PATH="$PATH:/usr/local/go/bin"  # where the machine image installs Go
export PATH="$PATH:/usr/local/go/bin"  # where the official Go archive installs it
export GOFLAGS=-modcacherw GOTOOLCHAIN=local GOPROXY="${GOPROXY:-https://proxy.golang.org}"

install() {  # name module version
  local stamp="$GOBIN/.$1-$3"
  if [[ -x "$GOBIN/$1" && -e "$stamp" ]]; then return 0; fi
  command -v go >/dev/null || { echo "[k8s-tools] go is not installed: it builds $1 (apt-get install golang-go)" >&2; exit 1; }
  echo "[k8s-tools] installing $1 $3 into .cache/go/bin"
  go install "$2@$3"
  rm -f "$GOBIN/.$1-"*
  touch "$stamp"
}

install kustomize sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION"
install kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"
