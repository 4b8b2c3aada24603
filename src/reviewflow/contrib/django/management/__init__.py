"""The management commands of reviewflow.contrib.django."""
