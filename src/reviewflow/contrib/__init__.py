"""Integrations with a host's framework, each an optional extra: :mod:`.sqlalchemy` (a store
inside a SQLAlchemy host's transaction, the library's tables as ``MetaData``, Alembic
revisions; extra ``sqlalchemy``)."""
