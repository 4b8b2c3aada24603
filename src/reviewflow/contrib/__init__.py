"""Integrations with host frameworks: :mod:`reviewflow.contrib.django` (a Django app), each
installed with its extra and imported only by a host that uses it."""
