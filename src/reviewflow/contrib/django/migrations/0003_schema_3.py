"""reviewflow's schema version 3 (see reviewflow.store.sql.schema)."""

from django.db import migrations

from reviewflow.contrib.django.schema import schema_version


class Migration(migrations.Migration):  # type: ignore[misc] # Django ships no types
    dependencies = [("reviewflow", "0002_schema_2")]
    operations = [schema_version(3)]
