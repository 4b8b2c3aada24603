"""reviewflow's schema version 4 (see reviewflow.store.sql.schema)."""

from django.db import migrations

from reviewflow.contrib.django.schema import schema_version


class Migration(migrations.Migration):  # type: ignore[misc] # Django ships no types
    dependencies = [("reviewflow", "0003_schema_3")]
    operations = [schema_version(4)]
