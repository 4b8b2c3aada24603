"""reviewflow's schema version 1 (see reviewflow.store.sql.schema)."""

from django.db import migrations

from reviewflow.contrib.django.schema import schema_version


class Migration(migrations.Migration):  # type: ignore[misc] # Django ships no types
    initial = True
    dependencies: list[tuple[str, str]] = []
    operations = [schema_version(1)]
