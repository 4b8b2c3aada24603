"""Integrations with a host's framework, each installed with its extra and imported only by a
host that uses it: :mod:`reviewflow.contrib.sqlalchemy` (a store inside a SQLAlchemy host's
transaction, the library's tables as ``MetaData``, Alembic revisions; extra ``sqlalchemy``) and
:mod:`reviewflow.contrib.django` (a Django app: the service inside the request's
``transaction.atomic``, migrations, ``manage.py reviewflow``; extra ``django``)."""
