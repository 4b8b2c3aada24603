"""``manage.py reviewflow``."""
