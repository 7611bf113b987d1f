"""Benchmarks of the service: ingest, NDJSON batches, worker pipeline, end to end, memory.

``python -m benchmarks.run`` measures every stage on this machine and prints one table;
see ``docs/benchmarks.md``. All traffic goes to servers this harness starts on 127.0.0.1.
The redaction engine's accuracy and speed benchmark lives in ``benchmarks.redaction``.
"""
