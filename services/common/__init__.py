"""Plumbing shared by every ezh process: settings, database, gRPC, bus, outbox."""
