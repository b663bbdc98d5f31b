"""A night: record, sync, import, rescore, summarise."""
