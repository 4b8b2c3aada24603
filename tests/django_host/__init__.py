"""A Django project that hosts reviewflow (tests/test_contrib_django.py runs it)."""
