#!/usr/bin/env bash
# Installs the pinned kustomize and kubeconform that tests/deploy runs (make test calls this); the
# pins and the way they are installed are in tools/go_tools.sh.
exec "$(dirname "$0")/go_tools.sh" kustomize kubeconform
