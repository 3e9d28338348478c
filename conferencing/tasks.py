"""Background work of calls: ending the calls nobody answered or whose party vanished."""

from celery import shared_task

from conferencing.services import call_expire, calls_expire


@shared_task
def expire_call(call_id: str) -> bool:
    """End one call if it is due (queued with a countdown when it starts ringing and when
    a party's sockets close); whether it ended."""
    return call_expire(call_id=call_id) is not None


@shared_task
def sweep_calls() -> int:
    """End every call that is due (celery beat, every 15 s): the backstop of the tasks
    above."""
    return calls_expire()
