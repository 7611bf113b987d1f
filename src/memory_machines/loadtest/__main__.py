"""``python -m memory_machines.loadtest URL``: the same as ``memory-machines loadtest``."""

from memory_machines.loadtest.cli import main

raise SystemExit(main())
