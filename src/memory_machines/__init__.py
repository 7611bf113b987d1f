"""Memory Machines: durable multi-tenant log ingestion with PII redaction."""

__version__ = "0.1.0"
