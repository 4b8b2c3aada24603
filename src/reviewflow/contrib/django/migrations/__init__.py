"""The library's schema, one migration per version (see :mod:`reviewflow.contrib.django.schema`)."""
