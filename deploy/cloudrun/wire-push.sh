#!/usr/bin/env bash
# Point the work subscription at the Cloud Run worker: Pub/Sub pushes each message to
# <worker URL>/process with an OIDC token of the push service account, waits up to the
# ack deadline for the answer, retries with backoff, and dead-letters a message after
# MAX_DELIVERY_ATTEMPTS failed deliveries.
set -euo pipefail

# shellcheck source=deploy/cloudrun/env.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
require_project

url="$(service_url "${WORKER_SERVICE}")" || die "deploy the worker first (deploy-worker.sh)"
[[ -n "${url}" ]] || die "the worker service ${WORKER_SERVICE} has no URL yet"
endpoint="${url}/process"
audience="${PUSH_AUDIENCE:-${url}}"
PUSH_SA="$(sa_email "${PUSH_SA_NAME}")"
PUBSUB_AGENT="$(pubsub_service_agent)"

log "IAM: ${PUSH_SA} may invoke ${WORKER_SERVICE}"
gc run services add-iam-policy-binding "${WORKER_SERVICE}" \
  --region="${REGION}" \
  --member="serviceAccount:${PUSH_SA}" --role=roles/run.invoker > /dev/null
gc iam service-accounts add-iam-policy-binding "${PUSH_SA}" \
  --member="serviceAccount:${PUBSUB_AGENT}" --role=roles/iam.serviceAccountTokenCreator > /dev/null

log "push ${PUBSUB_SUBSCRIPTION_ID} -> ${endpoint} (audience ${audience})"
gc pubsub subscriptions modify-push-config "${PUBSUB_SUBSCRIPTION_ID}" \
  --push-endpoint="${endpoint}" \
  --push-auth-service-account="${PUSH_SA}" \
  --push-auth-token-audience="${audience}"

log "ack deadline ${ACK_DEADLINE_SECONDS} s, dead letter to ${PUBSUB_DEAD_LETTER_TOPIC_ID} after ${MAX_DELIVERY_ATTEMPTS} attempts"
gc pubsub subscriptions update "${PUBSUB_SUBSCRIPTION_ID}" \
  --ack-deadline="${ACK_DEADLINE_SECONDS}" \
  --dead-letter-topic="${PUBSUB_DEAD_LETTER_TOPIC_ID}" \
  --max-delivery-attempts="${MAX_DELIVERY_ATTEMPTS}" \
  --min-retry-delay="${MIN_RETRY_DELAY}" \
  --max-retry-delay="${MAX_RETRY_DELAY}"
gc pubsub topics add-iam-policy-binding "${PUBSUB_DEAD_LETTER_TOPIC_ID}" \
  --member="serviceAccount:${PUBSUB_AGENT}" --role=roles/pubsub.publisher > /dev/null
gc pubsub subscriptions add-iam-policy-binding "${PUBSUB_SUBSCRIPTION_ID}" \
  --member="serviceAccount:${PUBSUB_AGENT}" --role=roles/pubsub.subscriber > /dev/null

log "done: messages published to ${PUBSUB_TOPIC_ID} now reach ${endpoint}"
