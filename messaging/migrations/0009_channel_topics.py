"""Every channel gets a topic (docs/realtime.md, "Topics") and its current members follow
it from its start: from here on a channel's member-wide events are stored once."""

from django.db import migrations


def forwards(apps, schema_editor):
    Conversation = apps.get_model("messaging", "Conversation")
    Membership = apps.get_model("messaging", "Membership")
    Topic = apps.get_model("realtime", "Topic")
    TopicFollow = apps.get_model("realtime", "TopicFollow")
    for conversation_id in Conversation.objects.filter(kind="channel").values_list(
        "pk", flat=True
    ):
        key = f"conversation:{conversation_id}"
        Topic.objects.get_or_create(key=key)
        members = Membership.objects.filter(
            conversation_id=conversation_id, left_at__isnull=True
        ).values_list("user_id", flat=True)
        TopicFollow.objects.bulk_create(
            [TopicFollow(user_id=user_id, topic_id=key, since=0) for user_id in members.iterator()],
            ignore_conflicts=True,
            batch_size=5000,
        )


def backwards(apps, schema_editor):
    apps.get_model("realtime", "Topic").objects.filter(key__startswith="conversation:").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0008_grant_conversation_permissions"),
        ("realtime", "0002_topics"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
