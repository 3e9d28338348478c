"""The stream heads are updated on every event: leave room in each page so the update
stays on the page (a HOT update, no index entry), and vacuum them long before the default
20 % of dead rows — a busy server otherwise slows every publish down to the dead rows it
steps over (docs/performance.md, "Realtime core"). PostgreSQL only."""

from django.db import migrations

TABLES = ("realtime_eventstream", "realtime_topic", "messaging_conversation")
SETTINGS = "fillfactor = 70, autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {table} SET ({SETTINGS})")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(
            f"ALTER TABLE {table} RESET (fillfactor, autovacuum_vacuum_scale_factor, "
            "autovacuum_vacuum_threshold)"
        )


class Migration(migrations.Migration):
    dependencies = [("realtime", "0002_topics"), ("messaging", "0010_membership_current")]

    operations = [migrations.RunPython(forwards, backwards)]
