"""The iCalendar (RFC 5545) invitation of a conference: one VEVENT, times in UTC."""

from __future__ import annotations

import datetime as dt

from conferencing.events_conferences import ends_at
from conferencing.models import Conference
from portal import clock

PRODID = "-//Portal//Conferences//RU"


def _escape(text: str) -> str:
    """TEXT value escaping (RFC 5545 §3.3.11)."""
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")
    )  # fmt: skip


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Lines of at most 75 octets, continued with CRLF and a space (§3.1), never splitting
    a UTF-8 character."""
    out: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode())
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def invitation(conference: Conference, *, url: str, attendees: list[tuple[str, str]]) -> str:
    """The VCALENDAR text: UID, DTSTAMP, DTSTART/DTEND (UTC), SUMMARY, ORGANIZER, one
    ATTENDEE per ``(name, email)`` and the meeting's ``url``. A person without an e-mail
    is named by a ``urn:uuid`` instead (the calendar address must be a URI)."""
    organizer = conference.organizer
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "METHOD:REQUEST",
        "CALSCALE:GREGORIAN",
        "BEGIN:VEVENT",
        f"UID:{conference.pk}@portal",
        f"DTSTAMP:{_utc(clock.now())}",
        f"DTSTART:{_utc(conference.starts_at)}",
        f"DTEND:{_utc(ends_at(conference))}",
        f"SUMMARY:{_escape(conference.title)}",
        f"URL:{url}",
        f"LOCATION:{_escape(url)}",
        f'ORGANIZER;CN="{_param(str(organizer))}":{_address(organizer.email, organizer.pk)}',
    ]
    for name, address in attendees:
        lines.append(
            f'ATTENDEE;CN="{_param(name)}";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE:'
            f"{address}"
        )
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def _param(value: str) -> str:
    """A quoted parameter value may hold no DQUOTE or control characters (§3.2)."""
    return "".join(c for c in value if c != '"' and (c >= " " or c == "\t"))[:100]


def _address(email: str, pk: object) -> str:
    return f"mailto:{email}" if email else f"urn:uuid:{pk}"


def attendee(name: str, email: str, pk: object) -> tuple[str, str]:
    return name, _address(email, pk)
