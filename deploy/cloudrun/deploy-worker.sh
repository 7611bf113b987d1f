#!/usr/bin/env bash
# Deploy the worker to Cloud Run. It runs the API process, whose POST /process is the
# Pub/Sub push endpoint: one push per message, answered 200 once the document is stored
# (or found to be a duplicate), 500 to have Pub/Sub retry and, after the last attempt,
# dead-letter it. Private: only the push service account may invoke it.
set -euo pipefail

# shellcheck source=deploy/cloudrun/env.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
require_project

PUSH_SA="$(sa_email "${PUSH_SA_NAME}")"
# The audience the worker expects in push tokens: PUSH_AUDIENCE, else its own URL,
# known once the service exists (the first deploy sets it afterwards, below).
audience="${PUSH_AUDIENCE:-$(service_url "${WORKER_SERVICE}" || true)}"

env_vars="$(join_env \
  "MM_QUEUE=pubsub" \
  "MM_STORE=firestore" \
  "MM_FIRESTORE_DATABASE=${FIRESTORE_DATABASE}" \
  "GCP_PROJECT_ID=${PROJECT_ID}" \
  "PUBSUB_TOPIC_ID=${PUBSUB_TOPIC_ID}" \
  "PUBSUB_SUBSCRIPTION_ID=${PUBSUB_SUBSCRIPTION_ID}" \
  "PUBSUB_DEAD_LETTER_TOPIC_ID=${PUBSUB_DEAD_LETTER_TOPIC_ID}" \
  "PUBSUB_DEAD_LETTER_SUBSCRIPTION_ID=${PUBSUB_DEAD_LETTER_SUBSCRIPTION_ID}" \
  "MM_PUBSUB_ACK_DEADLINE_SECONDS=${ACK_DEADLINE_SECONDS}" \
  "MM_WORK_SECONDS_PER_CHAR=${MM_WORK_SECONDS_PER_CHAR}" \
  "MM_WORKER_CONCURRENCY=${WORKER_CONCURRENCY}" \
  "MM_PUSH_AUTH_SERVICE_ACCOUNT=${PUSH_SA}" \
  "${audience:+MM_PUSH_AUTH_AUDIENCE=${audience}}" \
  "MM_SHUTDOWN_GRACE_SECONDS=${MM_SHUTDOWN_GRACE_SECONDS}" \
  "MM_LOG_LEVEL=${MM_LOG_LEVEL}" \
  "${WORKER_EXTRA_ENV_VARS}")"

log "deploying ${WORKER_SERVICE} from ${IMAGE}"
gc run deploy "${WORKER_SERVICE}" \
  --image="${IMAGE}" \
  --region="${REGION}" \
  --service-account="$(sa_email "${WORKER_SA_NAME}")" \
  --port="${CONTAINER_PORT}" \
  --args="api,--host,0.0.0.0,--port,${CONTAINER_PORT}" \
  --concurrency="${WORKER_CONCURRENCY}" \
  --timeout="${WORKER_TIMEOUT}" \
  --cpu="${WORKER_CPU}" \
  --memory="${WORKER_MEMORY}" \
  --min-instances="${WORKER_MIN_INSTANCES}" \
  --max-instances="${WORKER_MAX_INSTANCES}" \
  --set-env-vars="${env_vars}" \
  --no-allow-unauthenticated

url="$(service_url "${WORKER_SERVICE}")"
if [[ -z "${audience}" ]]; then
  log "first deploy: the worker now expects push tokens for ${url}"
  gc run services update "${WORKER_SERVICE}" \
    --region="${REGION}" \
    --update-env-vars="MM_PUSH_AUTH_AUDIENCE=${url}"
fi

log "${WORKER_SERVICE}: ${url} (next: deploy/cloudrun/wire-push.sh)"
