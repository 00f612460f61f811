"""Calendar invitations (iCalendar, RFC 5545 / iMIP RFC 6047) attached to confirmations.

There is one UID per event, derived from the event's name and start: every invitation a person receives is
the same calendar entry, so a later REQUEST updates it and a CANCEL removes it.  Clients only apply an
update whose SEQUENCE is higher than the one they hold; the caller passes a number that grows with every
invitation sent to that recipient (the count of earlier replies to them).
"""

from __future__ import annotations

import functools
import hashlib
from datetime import date, datetime, timezone
from email.utils import parseaddr

from icalendar import Calendar, Event, Timezone, vCalAddress

from mailbot.config import EventSettings
from mailbot.domain import FileAttachment

ICS_FILENAME = "invitasjon.ics"
PRODID = "-//Drammen kommune//mailbot klimaverksted//NO"
REQUEST = "REQUEST"
CANCEL = "CANCEL"


def event_uid(event: EventSettings, sender: str) -> str:
    """The stable UID of the event: the same for every recipient and every update."""
    seed = f"{event.name}|{event.starts_at.isoformat()}".encode()
    return f"{hashlib.sha256(seed).hexdigest()[:32]}@{address_domain(sender)}"


def address_domain(value: str) -> str:
    """The domain of an address like 'Name <a@b.no>' ('localhost' when there is none)."""
    address = parseaddr(value)[1] or value
    return address.rpartition("@")[2].strip().lower() or "localhost"


def invitation(event: EventSettings, method: str, organizer: str, organizer_name: str, recipient: str,
               recipient_name: str | None, sequence: int, stamp: datetime) -> FileAttachment:
    """An .ics attachment with METHOD `method` (REQUEST or CANCEL) for `recipient`."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    calendar.add_component(_event(event, method, organizer, organizer_name, recipient, recipient_name,
                                  sequence, stamp))
    # The VTIMEZONE is the same in every invitation and costs more to serialise than the rest: it is
    # serialised once per zone and year and put in its place, before the VEVENT (the bytes are the same
    # as with the component added to the calendar).
    data = calendar.to_ical()
    at = data.index(b"BEGIN:VEVENT\r\n")
    data = data[:at] + _timezone_ical(event.timezone, event.date.year) + data[at:]
    content_type = f"text/calendar; method={method}; charset=utf-8"
    return FileAttachment(ICS_FILENAME, content_type, data)


@functools.lru_cache(maxsize=8)
def _timezone_ical(tzid: str, year: int) -> bytes:
    return _timezone(tzid, year).to_ical()


def _timezone(tzid: str, year: int) -> Timezone:
    # Only the transitions around the event: the full 1970-2038 table is kilobytes of RDATEs.
    first = date(year - 1, 1, 1)
    last = date(year + 1, 12, 31)
    return Timezone.from_tzid(tzid, first_date=first, last_date=last)


def _event(event: EventSettings, method: str, organizer: str, organizer_name: str, recipient: str,
           recipient_name: str | None, sequence: int, stamp: datetime) -> Event:
    entry = Event()
    entry.add("uid", event_uid(event, organizer))
    entry.add("dtstamp", stamp.astimezone(timezone.utc))
    entry.add("dtstart", event.starts_at)
    entry.add("dtend", event.ends_at)
    entry.add("summary", event.name)
    entry.add("location", event.location)
    entry.add("sequence", max(0, sequence))
    entry.add("status", "CANCELLED" if method == CANCEL else "CONFIRMED")
    entry.add("organizer", _address(parseaddr(organizer)[1] or organizer, organizer_name))
    attendee = _address(recipient, recipient_name)
    attendee.params["ROLE"] = "REQ-PARTICIPANT"
    # No RSVP: accept/decline answers would come back to the bot's mailbox as mail nobody needs.
    attendee.params["RSVP"] = "FALSE"
    entry.add("attendee", attendee)
    entry.add("transp", "OPAQUE")
    if method != CANCEL:
        entry.add("description", f"{event.name}\n{event.location}")
    return entry


def _address(address: str, name: str | None) -> vCalAddress:
    value = vCalAddress(f"mailto:{address}")
    if name:
        value.params["CN"] = name
    return value

