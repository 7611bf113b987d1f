"""Labelled corpus and accuracy/throughput benchmark for the redaction engine."""
