#!/usr/bin/env bash
# Build the image and push it to Artifact Registry.
#   BUILD_WITH=cloudbuild (default): Cloud Build builds it remotely, no local Docker needed.
#   BUILD_WITH=docker: a local Docker engine builds and pushes it.
set -euo pipefail

# shellcheck source=deploy/cloudrun/env.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
require_project

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

log "building ${IMAGE}"
case "${BUILD_WITH}" in
  cloudbuild)
    gc builds submit "${REPO_ROOT}" --region="${REGION}" --tag="${IMAGE}"
    ;;
  docker)
    gcloud auth configure-docker "${REGION}-docker.pkg.dev" --quiet
    docker build --tag "${IMAGE}" "${REPO_ROOT}"
    docker push "${IMAGE}"
    ;;
  *)
    die "BUILD_WITH must be cloudbuild or docker, not '${BUILD_WITH}'"
    ;;
esac
log "pushed ${IMAGE}"
