#!/usr/bin/env bash
# One-time (and safely repeatable) Google Cloud setup for Memory Machines Backend:
# APIs, Artifact Registry, Firestore, service accounts, Pub/Sub topic + subscription
# with dead-lettering, and the IAM that ties them together.
set -euo pipefail

# shellcheck source=deploy/cloudrun/env.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
require_project

log "project ${PROJECT_ID}, region ${REGION}"

log "enabling APIs"
gc services enable \
  run.googleapis.com \
  pubsub.googleapis.com \
  firestore.googleapis.com \
  artifactregistry.googleapis.com \
  cloudbuild.googleapis.com \
  iam.googleapis.com \
  secretmanager.googleapis.com
# Make sure the Pub/Sub service agent exists before it is granted anything.
gc beta services identity create --service=pubsub.googleapis.com > /dev/null \
  || log "warning: could not create the Pub/Sub service identity; it appears with first use"

log "Artifact Registry repository ${AR_REPO}"
if ! gc artifacts repositories describe "${AR_REPO}" --location="${REGION}" > /dev/null 2>&1; then
  gc artifacts repositories create "${AR_REPO}" \
    --repository-format=docker \
    --location="${REGION}" \
    --description="Memory Machines Backend images"
fi

log "Firestore database ${FIRESTORE_DATABASE} (native mode) in ${FIRESTORE_LOCATION}"
if ! gc firestore databases describe --database="${FIRESTORE_DATABASE}" > /dev/null 2>&1; then
  gc firestore databases create --database="${FIRESTORE_DATABASE}" \
    --location="${FIRESTORE_LOCATION}" \
    --type=firestore-native
fi

log "service accounts"
ensure_service_account() {
  local name="$1" display="$2"
  if ! gc iam service-accounts describe "$(sa_email "${name}")" > /dev/null 2>&1; then
    gc iam service-accounts create "${name}" --display-name="${display}"
  fi
}
ensure_service_account "${API_SA_NAME}" "Memory Machines ingest API"
ensure_service_account "${WORKER_SA_NAME}" "Memory Machines worker"
ensure_service_account "${PUSH_SA_NAME}" "Memory Machines Pub/Sub push invoker"

API_SA="$(sa_email "${API_SA_NAME}")"
WORKER_SA="$(sa_email "${WORKER_SA_NAME}")"
PUSH_SA="$(sa_email "${PUSH_SA_NAME}")"
PUBSUB_AGENT="$(pubsub_service_agent)"

log "topics ${PUBSUB_TOPIC_ID} and ${PUBSUB_DEAD_LETTER_TOPIC_ID}"
for topic in "${PUBSUB_TOPIC_ID}" "${PUBSUB_DEAD_LETTER_TOPIC_ID}"; do
  if ! gc pubsub topics describe "${topic}" > /dev/null 2>&1; then
    gc pubsub topics create "${topic}"
  fi
done

# The work subscription. It starts as a pull subscription (for `memory-machines worker`);
# wire-push.sh turns it into a push subscription to the Cloud Run worker.
log "subscription ${PUBSUB_SUBSCRIPTION_ID} (ack ${ACK_DEADLINE_SECONDS} s, dead letter after ${MAX_DELIVERY_ATTEMPTS} attempts)"
subscription_policy=(
  --ack-deadline="${ACK_DEADLINE_SECONDS}"
  --dead-letter-topic="${PUBSUB_DEAD_LETTER_TOPIC_ID}"
  --max-delivery-attempts="${MAX_DELIVERY_ATTEMPTS}"
  --min-retry-delay="${MIN_RETRY_DELAY}"
  --max-retry-delay="${MAX_RETRY_DELAY}"
  --message-retention-duration="${MESSAGE_RETENTION}"
)
if gc pubsub subscriptions describe "${PUBSUB_SUBSCRIPTION_ID}" > /dev/null 2>&1; then
  gc pubsub subscriptions update "${PUBSUB_SUBSCRIPTION_ID}" "${subscription_policy[@]}"
else
  gc pubsub subscriptions create "${PUBSUB_SUBSCRIPTION_ID}" \
    --topic="${PUBSUB_TOPIC_ID}" \
    --expiration-period=never \
    "${subscription_policy[@]}"
fi

# Dead letters wait here, for `memory-machines dlq list|replay` and /admin/dead-letters.
log "dead-letter subscription ${PUBSUB_DEAD_LETTER_SUBSCRIPTION_ID}"
if ! gc pubsub subscriptions describe "${PUBSUB_DEAD_LETTER_SUBSCRIPTION_ID}" > /dev/null 2>&1; then
  gc pubsub subscriptions create "${PUBSUB_DEAD_LETTER_SUBSCRIPTION_ID}" \
    --topic="${PUBSUB_DEAD_LETTER_TOPIC_ID}" \
    --ack-deadline="${ACK_DEADLINE_SECONDS}" \
    --message-retention-duration="${MESSAGE_RETENTION}" \
    --expiration-period=never
fi

log "IAM: Pub/Sub service agent forwards dead letters"
# Without these two grants Pub/Sub cannot move a message to the dead-letter topic.
gc pubsub topics add-iam-policy-binding "${PUBSUB_DEAD_LETTER_TOPIC_ID}" \
  --member="serviceAccount:${PUBSUB_AGENT}" --role=roles/pubsub.publisher > /dev/null
gc pubsub subscriptions add-iam-policy-binding "${PUBSUB_SUBSCRIPTION_ID}" \
  --member="serviceAccount:${PUBSUB_AGENT}" --role=roles/pubsub.subscriber > /dev/null
# ...and this one lets it mint the OIDC token it sends with each push.
gc iam service-accounts add-iam-policy-binding "${PUSH_SA}" \
  --member="serviceAccount:${PUBSUB_AGENT}" --role=roles/iam.serviceAccountTokenCreator > /dev/null

log "IAM: API publishes, reads documents, inspects and replays dead letters"
gc pubsub topics add-iam-policy-binding "${PUBSUB_TOPIC_ID}" \
  --member="serviceAccount:${API_SA}" --role=roles/pubsub.publisher > /dev/null
gc pubsub topics add-iam-policy-binding "${PUBSUB_TOPIC_ID}" \
  --member="serviceAccount:${API_SA}" --role=roles/pubsub.viewer > /dev/null
gc pubsub subscriptions add-iam-policy-binding "${PUBSUB_DEAD_LETTER_SUBSCRIPTION_ID}" \
  --member="serviceAccount:${API_SA}" --role=roles/pubsub.subscriber > /dev/null

log "IAM: worker pulls (when run as a pull worker) and writes documents"
gc pubsub subscriptions add-iam-policy-binding "${PUBSUB_SUBSCRIPTION_ID}" \
  --member="serviceAccount:${WORKER_SA}" --role=roles/pubsub.subscriber > /dev/null

for sa in "${API_SA}" "${WORKER_SA}"; do
  gc projects add-iam-policy-binding "${PROJECT_ID}" \
    --member="serviceAccount:${sa}" --role=roles/datastore.user --condition=None > /dev/null
done

if [[ -n "${ADMIN_TOKEN_SECRET}" ]]; then
  log "IAM: API reads the admin token secret ${ADMIN_TOKEN_SECRET}"
  gc secrets add-iam-policy-binding "${ADMIN_TOKEN_SECRET}" \
    --member="serviceAccount:${API_SA}" --role=roles/secretmanager.secretAccessor > /dev/null
fi

log "done. Next: deploy/cloudrun/build.sh, deploy-api.sh, deploy-worker.sh, wire-push.sh"
