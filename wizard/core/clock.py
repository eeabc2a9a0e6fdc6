"""The time the method's rules are judged by. The buffer clock and the gates take a clock, so
tests can stand on day 0, day 29 and day 30 without waiting a month."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock(Clock):
    """A clock that stays where it is put (tests, rehearsals of the rules)."""

    def __init__(self, at: datetime) -> None:
        self.at = at if at.tzinfo else at.replace(tzinfo=UTC)

    def now(self) -> datetime:
        return self.at

    def advance(self, days: float = 0, **kwargs: float) -> None:
        self.at += timedelta(days=days, **kwargs)


SYSTEM = Clock()
