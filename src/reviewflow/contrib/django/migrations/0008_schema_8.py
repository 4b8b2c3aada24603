"""reviewflow's schema version 8 (see reviewflow.store.sql.schema)."""

from django.db import migrations

from reviewflow.contrib.django.schema import schema_version


class Migration(migrations.Migration):  # type: ignore[misc] # Django ships no types
    dependencies = [("reviewflow", "0007_schema_7")]
    operations = [schema_version(8)]
