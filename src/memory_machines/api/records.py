"""The record shape nearly every NDJSON line has, decoded a whole batch at a time by msgspec.

A module of its own because it must run interpreted: msgspec takes a Struct's options as class
keywords, and the compiled build (`memory_machines.native`) creates classes without them, which
would let lines with other fields through the one-call decoding.
"""

from __future__ import annotations

import msgspec


class PlainRecord(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """An NDJSON line in the shape nearly every client sends: the three fields, strings, alone.

    Whole batches of such lines are decoded in one call (see `ingest.decode_plain_lines`);
    anything else about a line (another field, another type, not JSON) sends its batch line by
    line. Not tracked by the garbage collector (three strings make no cycle): a batch makes
    thousands.
    """

    tenant_id: str
    log_id: str
    text: str


decode_plain = msgspec.json.Decoder(PlainRecord).decode_lines
