#!/usr/bin/env bash
# Deploy the ingest API to Cloud Run: POST /ingest publishes to Pub/Sub and answers 202
# only once the publish is acknowledged; reads and dead-letter admin come from Firestore
# and the dead-letter subscription.
set -euo pipefail

# shellcheck source=deploy/cloudrun/env.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
require_project

if [[ "${API_ALLOW_UNAUTHENTICATED}" == "true" ]]; then
  # Public like the original service; turn on MM_AUTH_ENABLED with API keys before you do.
  access_flag="--allow-unauthenticated"
else
  access_flag="--no-allow-unauthenticated"
fi

env_vars="$(join_env \
  "MM_QUEUE=pubsub" \
  "MM_STORE=firestore" \
  "MM_FIRESTORE_DATABASE=${FIRESTORE_DATABASE}" \
  "GCP_PROJECT_ID=${PROJECT_ID}" \
  "PUBSUB_TOPIC_ID=${PUBSUB_TOPIC_ID}" \
  "PUBSUB_SUBSCRIPTION_ID=${PUBSUB_SUBSCRIPTION_ID}" \
  "PUBSUB_DEAD_LETTER_TOPIC_ID=${PUBSUB_DEAD_LETTER_TOPIC_ID}" \
  "PUBSUB_DEAD_LETTER_SUBSCRIPTION_ID=${PUBSUB_DEAD_LETTER_SUBSCRIPTION_ID}" \
  "MM_SHUTDOWN_GRACE_SECONDS=${MM_SHUTDOWN_GRACE_SECONDS}" \
  "MM_LOG_LEVEL=${MM_LOG_LEVEL}" \
  "${API_EXTRA_ENV_VARS}")"

secret_flags=()
if [[ -n "${ADMIN_TOKEN_SECRET}" ]]; then
  secret_flags+=("--set-secrets=MM_ADMIN_TOKEN=${ADMIN_TOKEN_SECRET}:latest")
fi

log "deploying ${API_SERVICE} from ${IMAGE}"
gc run deploy "${API_SERVICE}" \
  --image="${IMAGE}" \
  --region="${REGION}" \
  --service-account="$(sa_email "${API_SA_NAME}")" \
  --port="${CONTAINER_PORT}" \
  --args="api,--host,0.0.0.0,--port,${CONTAINER_PORT}" \
  --concurrency="${API_CONCURRENCY}" \
  --timeout="${API_TIMEOUT}" \
  --cpu="${API_CPU}" \
  --memory="${API_MEMORY}" \
  --min-instances="${API_MIN_INSTANCES}" \
  --max-instances="${API_MAX_INSTANCES}" \
  --cpu-boost \
  --set-env-vars="${env_vars}" \
  ${secret_flags[@]+"${secret_flags[@]}"} \
  "${access_flag}"

log "${API_SERVICE}: $(service_url "${API_SERVICE}")"
