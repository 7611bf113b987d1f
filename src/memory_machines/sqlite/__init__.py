"""The embedded SQLite database shared by the SQLite queue and store."""

from memory_machines.sqlite.database import SqliteDatabase

__all__ = ["SqliteDatabase"]
