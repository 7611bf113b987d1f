# shellcheck shell=bash
# Settings and helpers shared by the Cloud Run scripts in this folder. Sourced, not run.
#
# Every value can be overridden from the environment, e.g.
#   PROJECT_ID=my-project REGION=europe-west1 deploy/cloudrun/setup.sh
#
# The variables are consumed by the scripts that source this file:
# shellcheck disable=SC2034

# --- where ---------------------------------------------------------------------------
PROJECT_ID="${PROJECT_ID:-${GCP_PROJECT_ID:-$(gcloud config get-value project 2>/dev/null || true)}}"
REGION="${REGION:-us-central1}"
FIRESTORE_LOCATION="${FIRESTORE_LOCATION:-${REGION}}"
FIRESTORE_DATABASE="${FIRESTORE_DATABASE:-(default)}"

# --- image -----------------------------------------------------------------------------
AR_REPO="${AR_REPO:-memory-machines}"
IMAGE_NAME="${IMAGE_NAME:-memory-machines}"
IMAGE_TAG="${IMAGE_TAG:-latest}"
IMAGE="${IMAGE:-${REGION}-docker.pkg.dev/${PROJECT_ID}/${AR_REPO}/${IMAGE_NAME}:${IMAGE_TAG}}"
BUILD_WITH="${BUILD_WITH:-cloudbuild}" # cloudbuild | docker

# --- services and identities -----------------------------------------------------------
API_SERVICE="${API_SERVICE:-ingest-api}"
WORKER_SERVICE="${WORKER_SERVICE:-worker}"
API_SA_NAME="${API_SA_NAME:-mm-api}"
WORKER_SA_NAME="${WORKER_SA_NAME:-mm-worker}"
PUSH_SA_NAME="${PUSH_SA_NAME:-mm-pubsub-push}"

# --- Pub/Sub (the application reads the same names) ------------------------------------
PUBSUB_TOPIC_ID="${PUBSUB_TOPIC_ID:-log-ingestion}"
PUBSUB_SUBSCRIPTION_ID="${PUBSUB_SUBSCRIPTION_ID:-log-processing-sub}"
PUBSUB_DEAD_LETTER_TOPIC_ID="${PUBSUB_DEAD_LETTER_TOPIC_ID:-log-ingestion-dlq}"
PUBSUB_DEAD_LETTER_SUBSCRIPTION_ID="${PUBSUB_DEAD_LETTER_SUBSCRIPTION_ID:-log-ingestion-dlq-sub}"
ACK_DEADLINE_SECONDS="${ACK_DEADLINE_SECONDS:-600}"
MAX_DELIVERY_ATTEMPTS="${MAX_DELIVERY_ATTEMPTS:-5}"
MIN_RETRY_DELAY="${MIN_RETRY_DELAY:-10s}"
MAX_RETRY_DELAY="${MAX_RETRY_DELAY:-600s}"
MESSAGE_RETENTION="${MESSAGE_RETENTION:-7d}"
# Audience of the OIDC token Pub/Sub attaches to each push; empty = the worker's URL.
PUSH_AUDIENCE="${PUSH_AUDIENCE:-}"

# --- Cloud Run sizing ------------------------------------------------------------------
CONTAINER_PORT="${CONTAINER_PORT:-8080}"
API_ALLOW_UNAUTHENTICATED="${API_ALLOW_UNAUTHENTICATED:-false}"
API_CONCURRENCY="${API_CONCURRENCY:-250}"
API_TIMEOUT="${API_TIMEOUT:-60}"
API_CPU="${API_CPU:-1}"
API_MEMORY="${API_MEMORY:-512Mi}"
API_MIN_INSTANCES="${API_MIN_INSTANCES:-0}"
API_MAX_INSTANCES="${API_MAX_INSTANCES:-10}"
# The heavy step is an asynchronous sleep (0.05 s per character), so one instance can
# hold many pushes at once; 1000 is Cloud Run's ceiling. 900 s covers the longest text.
WORKER_CONCURRENCY="${WORKER_CONCURRENCY:-1000}"
WORKER_TIMEOUT="${WORKER_TIMEOUT:-900}"
WORKER_CPU="${WORKER_CPU:-1}"
WORKER_MEMORY="${WORKER_MEMORY:-1Gi}"
WORKER_MIN_INSTANCES="${WORKER_MIN_INSTANCES:-0}"
WORKER_MAX_INSTANCES="${WORKER_MAX_INSTANCES:-10}"
MM_WORK_SECONDS_PER_CHAR="${MM_WORK_SECONDS_PER_CHAR:-0.05}"
# Cloud Run sends SIGTERM and kills the container 10 s later.
MM_SHUTDOWN_GRACE_SECONDS="${MM_SHUTDOWN_GRACE_SECONDS:-8}"
MM_LOG_LEVEL="${MM_LOG_LEVEL:-INFO}"
# Optional: a Secret Manager secret holding the admin token (never put it in a file).
ADMIN_TOKEN_SECRET="${ADMIN_TOKEN_SECRET:-}"
# Optional: extra KEY=VALUE pairs (comma-separated) for each service.
API_EXTRA_ENV_VARS="${API_EXTRA_ENV_VARS:-}"
WORKER_EXTRA_ENV_VARS="${WORKER_EXTRA_ENV_VARS:-}"

# --- helpers ---------------------------------------------------------------------------
log() {
  printf '==> %s\n' "$*" >&2
}

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

require_project() {
  [[ -n "${PROJECT_ID}" ]] || die "set PROJECT_ID (or run: gcloud config set project PROJECT_ID)"
  command -v gcloud > /dev/null || die "the Google Cloud CLI (gcloud) is not installed"
}

# gcloud, pinned to the project, never prompting.
gc() {
  gcloud --project="${PROJECT_ID}" --quiet "$@"
}

sa_email() {
  printf '%s@%s.iam.gserviceaccount.com' "$1" "${PROJECT_ID}"
}

project_number() {
  gc projects describe "${PROJECT_ID}" --format='value(projectNumber)'
}

# The Google-managed identity that delivers pushes and forwards dead letters.
pubsub_service_agent() {
  printf 'service-%s@gcp-sa-pubsub.iam.gserviceaccount.com' "$(project_number)"
}

# URL of a Cloud Run service, or nothing (status 1) when it does not exist yet.
service_url() {
  gc run services describe "$1" --region="${REGION}" --format='value(status.url)' 2> /dev/null
}

# Comma-separated KEY=VALUE list for --set-env-vars, from arguments; empty ones dropped.
join_env() {
  local IFS=','
  local pairs=()
  local pair
  for pair in "$@"; do
    if [[ -n "${pair}" ]]; then
      pairs+=("${pair}")
    fi
  done
  printf '%s' "${pairs[*]}"
}
