"""Memory Machines: durable multi-tenant log ingestion with PII redaction."""

from memory_machines.native import install

__version__ = "0.1.0"
# Whether each compiled unit runs compiled or interpreted (see `native.py`). Chosen before
# any other module of the package is imported: it decides where the compiled ones load from.
BUILDS = install()
