"""What the approval workflow wires up at start-up (``DocumentsConfig.ready``): its
receivers of the version signals, its Celery tasks, and its events in the schema."""


def ready() -> None:
    from documents import tasks_approval  # noqa: F401  (registers the beat task's name)
    from documents.api.serializers_approval import EVENTS
    from documents.services import approval
    from portal.realtime import gateway

    approval.connect()
    gateway.register_events(EVENTS)
