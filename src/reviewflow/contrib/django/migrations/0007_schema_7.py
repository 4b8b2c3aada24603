"""reviewflow's schema version 7 (see reviewflow.store.sql.schema)."""

from django.db import migrations

from reviewflow.contrib.django.schema import schema_version


class Migration(migrations.Migration):  # type: ignore[misc] # Django ships no types
    dependencies = [("reviewflow", "0006_schema_6")]
    operations = [schema_version(7)]
