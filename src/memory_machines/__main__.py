import sys

from memory_machines.cli import main

sys.exit(main())
