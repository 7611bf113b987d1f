"""How a server process sets up the interpreter it runs in, once, before it serves."""

from __future__ import annotations

import gc


def prepare_collector(young_threshold: int) -> None:
    """Freeze what startup made and collect the young generation less often.

    Modules, classes and the service's own objects live as long as the process: frozen, the
    collector no longer traverses them on every full collection. See
    ``Settings.gc_young_threshold`` for the threshold and what it measured.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(young_threshold)  # the older generations keep their thresholds
