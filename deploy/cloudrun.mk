# Google Cloud Run targets; included by the top-level Makefile.
# Every setting is an environment variable read by deploy/cloudrun/env.sh, e.g.
#   make gcp-deploy PROJECT_ID=my-project REGION=europe-west1
# (variables given on the make command line are exported to the scripts).

CLOUDRUN_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))/cloudrun

.PHONY: gcp-setup gcp-build gcp-deploy-api gcp-deploy-worker gcp-wire-push gcp-deploy

gcp-setup:
	bash $(CLOUDRUN_DIR)/setup.sh

gcp-build:
	bash $(CLOUDRUN_DIR)/build.sh

gcp-deploy-api:
	bash $(CLOUDRUN_DIR)/deploy-api.sh

gcp-deploy-worker:
	bash $(CLOUDRUN_DIR)/deploy-worker.sh

gcp-wire-push:
	bash $(CLOUDRUN_DIR)/wire-push.sh

gcp-deploy: gcp-build gcp-deploy-worker gcp-wire-push gcp-deploy-api
