"""The booking rules as pure functions: every rule, its edges, DST."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.booking.rules import (
    CarCalendar,
    RefusalReason,
    calendar_allows,
    check_request,
    covered,
    expiry_instant,
    free_slots,
    is_late_cancellation,
    local_day,
    merge,
    occurrences,
    overlaps,
    subtract,
    weekly_minutes,
)
from bot.dates import Interval, WeeklyRule
from storage.models import (
    BookingMode,
    BookingStatus,
    Car,
    Energy,
    GroupSettings,
    Window,
    WindowKind,
)
from tests.booking.conftest import BORROWER, NOW, OWNER, PARIS, paris

SETTINGS = GroupSettings()


def car(mode: BookingMode = BookingMode.ON_REQUEST, paused: bool = False) -> Car:
    return Car(
        id=1,
        chat_id=-100,
        owner_id=OWNER,
        name="Clio",
        name_key="clio",
        description="",
        seats=5,
        energy=Energy.PETROL,
        parked_at="",
        rules="",
        photo_file_id=None,
        contribution_per_km_cents=None,
        contribution_per_day_cents=None,
        key_instructions=None,
        booking_mode=mode,
        paused=paused,
        auto_accept_trusted=False,
        created_at=NOW,
        removed_at=None,
    )


def weekly(weekdays: set[int], start: int, end: int, last_day: date | None = None) -> Window:
    return Window(
        id=1,
        car_id=1,
        kind=WindowKind.OPEN,
        start=None,
        end=None,
        weekdays=frozenset(weekdays),
        start_minute=start,
        end_minute=end,
        last_day=last_day,
        created_by=OWNER,
        created_at=NOW,
    )


def at(day: int, start: float, end: float, month: int = 11) -> Interval:
    """An interval on one day of November 2026, hours as decimals (9.5 = 09:30)."""

    def moment(hours: float) -> datetime:
        whole = int(hours)
        return paris(month, day, 0) + timedelta(hours=whole, minutes=round((hours - whole) * 60))

    return Interval(moment(start), moment(end))


def utc_interval(interval: Interval) -> Interval:
    return Interval(interval.start.astimezone(UTC), interval.end.astimezone(UTC))


def check(
    interval: Interval,
    calendar: CarCalendar | None = None,
    *,
    the_car: Car | None = None,
    borrower: int = BORROWER,
    banned: bool = False,
    now: datetime = NOW,
) -> RefusalReason | None:
    refusal = check_request(
        interval,
        now=now,
        zone=PARIS,
        settings=SETTINGS,
        car=the_car or car(),
        borrower_id=borrower,
        managers=(OWNER,),
        banned=banned,
        calendar=calendar or CarCalendar(),
    )
    return None if refusal is None else refusal.reason


# Half-open intervals


@pytest.mark.parametrize(
    ("other", "expected"),
    [
        (at(28, 12, 14), False),  # starts where the first ends
        (at(28, 7, 9), False),  # ends where the first starts
        (at(28, 11.98, 14), True),  # one minute in common
        (at(28, 7, 9.02), True),
        (at(28, 9, 12), True),  # the same
        (at(28, 10, 11), True),  # inside
        (at(28, 8, 13), True),  # around
    ],
)
def test_overlap_at_the_edges(other: Interval, expected: bool) -> None:
    saturday_morning = at(28, 9, 12)
    assert overlaps(saturday_morning, other) is expected
    assert overlaps(other, saturday_morning) is expected


def test_overlap_compares_instants_not_wall_clocks() -> None:
    # 02:30 happens twice on 25 Oct 2026: summer time (fold=0), then winter time (fold=1).
    first = datetime(2026, 10, 25, 2, 30, tzinfo=PARIS)
    second = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=PARIS)
    assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=1)
    # Winter 02:10–02:20 lies inside that real hour though its wall clock reads earlier.
    inside = Interval(second.replace(minute=10), second.replace(minute=20))
    assert overlaps(Interval(first, second), inside)
    assert covered(inside, [Interval(first, second)])


# Windows: unions of one-time periods and weekly occurrences


def test_touching_windows_cover_together() -> None:
    assert covered(at(28, 10, 14), [at(28, 12, 18), at(28, 9, 12)])
    assert covered(at(28, 9, 18), [at(28, 9, 12), at(28, 11, 15), at(28, 15, 18)])


@pytest.mark.parametrize(
    "wanted",
    [at(28, 10, 14), at(28, 8.98, 10), at(28, 17, 18.02)],
)
def test_a_gap_or_an_overhang_is_not_covered(wanted: Interval) -> None:
    assert not covered(wanted, [at(28, 9, 12), at(28, 12.02, 18)])


def test_exactly_the_window_is_covered() -> None:
    assert covered(at(28, 9, 12), [at(28, 9, 12)])
    assert not covered(at(28, 9, 12), [])


def test_merge_and_subtract() -> None:
    assert merge([at(28, 12, 14), at(28, 9, 12), at(28, 13, 15)]) == [utc_interval(at(28, 9, 15))]
    assert subtract([at(28, 8, 20)], [at(28, 10, 11), at(28, 14, 20), at(28, 7, 9)]) == [
        utc_interval(at(28, 9, 10)),
        utc_interval(at(28, 11, 14)),
    ]


def test_weekly_window_keeps_its_wall_clock_across_spring_dst() -> None:
    # Every weekend 09:00–18:00; clocks go forward on Sunday 28 March 2027.
    weekend = weekly({5, 6}, 9 * 60, 18 * 60)
    span = Interval(paris(3, 27, 0, year=2027), paris(3, 29, 0, year=2027))
    found = occurrences(weekend, PARIS, span)
    assert [(o.start.isoformat(), o.end.isoformat()) for o in found] == [
        ("2027-03-27T08:00:00+00:00", "2027-03-27T17:00:00+00:00"),  # +01:00
        ("2027-03-28T07:00:00+00:00", "2027-03-28T16:00:00+00:00"),  # +02:00
    ]
    sunday_morning = Interval(paris(3, 28, 9, year=2027), paris(3, 28, 12, year=2027))
    assert covered(sunday_morning, found)
    # The 08:00–09:00 UTC hour is inside Saturday's window but before Sunday's.
    early = Interval(paris(3, 28, 8, year=2027), paris(3, 28, 10, year=2027))
    assert not covered(early, found)


def test_weekly_window_to_midnight_and_last_day() -> None:
    evenings = weekly({4}, 18 * 60, 24 * 60, last_day=date(2026, 12, 4))
    span = Interval(paris(11, 27), paris(12, 12))
    found = occurrences(evenings, PARIS, span)
    assert [o.start.astimezone(PARIS).date() for o in found] == [
        date(2026, 11, 27),
        date(2026, 12, 4),  # the last day is included
    ]
    assert found[0].end == paris(11, 28, 0)


def test_one_time_window_occurs_only_where_it_overlaps() -> None:
    period = Window(
        id=2,
        car_id=1,
        kind=WindowKind.BLOCKED,
        start=paris(12, 3, 8),
        end=paris(12, 10, 20),
        weekdays=frozenset(),
        start_minute=None,
        end_minute=None,
        last_day=None,
        created_by=OWNER,
        created_at=NOW,
    )
    assert occurrences(period, PARIS, at(28, 9, 12)) == []
    inside = Interval(paris(12, 5, 9), paris(12, 5, 10))
    assert occurrences(period, PARIS, inside) == [
        Interval(paris(12, 3, 8).astimezone(UTC), paris(12, 10, 20).astimezone(UTC))
    ]


def test_weekly_minutes_reads_midnight_as_the_end_of_the_day() -> None:
    rule = WeeklyRule(frozenset({5}), time(20), time(0), None, PARIS)
    assert weekly_minutes(rule) == (20 * 60, 24 * 60)


# Days and free slots


@pytest.mark.parametrize(
    ("moment", "hours"),
    [
        (paris(11, 28, 15), 24),
        (paris(3, 28, 12, year=2027), 23),  # spring forward
        (paris(10, 25, 12), 25),  # fall back
    ],
)
def test_a_local_day_follows_dst(moment: datetime, hours: int) -> None:
    day = local_day(moment, PARIS)
    assert day.start == moment.replace(hour=0)
    assert day.end - day.start == timedelta(hours=hours)


def test_free_slots_are_the_day_minus_busy_and_past() -> None:
    day = local_day(paris(11, 25, 12), PARIS)
    slots = free_slots(day, [at(25, 10, 12), at(25, 14, 17)], now=NOW)
    assert slots == [
        utc_interval(Interval(NOW, paris(11, 25, 10))),
        utc_interval(at(25, 12, 14)),
        utc_interval(Interval(paris(11, 25, 17), paris(11, 26))),
    ]


def test_free_slots_of_a_car_booked_by_windows_stay_inside_them() -> None:
    day = local_day(paris(11, 28, 12), PARIS)
    slots = free_slots(day, [at(28, 10, 11)], now=NOW, windows=[at(28, 9, 12), at(27, 9, 12)])
    assert slots == [utc_interval(at(28, 9, 10)), utc_interval(at(28, 11, 12))]


def test_no_free_slot_in_a_day_already_over() -> None:
    assert free_slots(local_day(paris(11, 24, 12), PARIS), [], now=NOW) == []


intervals = st.builds(
    lambda start, length: at(28, start / 4, (start + length) / 4),
    st.integers(0, 90),
    st.integers(1, 8),
)


@given(st.lists(intervals, max_size=6), st.lists(intervals, max_size=6))
def test_free_slots_never_meet_busy(busy: list[Interval], windows: list[Interval]) -> None:
    day = local_day(paris(11, 28, 12), PARIS)
    slots = free_slots(day, busy, now=NOW, windows=windows)
    assert all(not overlaps(slot, other) for slot in slots for other in busy)
    assert all(covered(slot, windows) for slot in slots)
    assert all(a.end < b.start for a, b in itertools.pairwise(slots))


@given(intervals, st.lists(intervals, max_size=6))
def test_covered_means_nothing_left_after_subtracting(
    wanted: Interval, windows: list[Interval]
) -> None:
    assert covered(wanted, windows) is (subtract([wanted], windows) == [])


# Expiry and late cancellation


def test_a_request_expires_after_the_group_delay() -> None:
    start = paris(11, 28, 9)
    assert expiry_instant(NOW, start, timedelta(hours=12)) == NOW + timedelta(hours=12)


def test_a_request_expires_at_its_start_if_that_comes_first() -> None:
    start = paris(11, 25, 14)
    assert expiry_instant(NOW, start, timedelta(hours=12)) == start


def test_a_request_for_right_now_leaves_the_owners_a_moment() -> None:
    assert expiry_instant(NOW, NOW, timedelta(hours=12)) == NOW + timedelta(minutes=15)
    assert expiry_instant(NOW, NOW, timedelta(minutes=5)) == NOW + timedelta(minutes=5)


@pytest.mark.parametrize(
    ("before_start", "late"),
    [
        (timedelta(hours=3), False),
        (timedelta(hours=2), False),  # exactly two hours ahead is still in time
        (timedelta(hours=1, minutes=59), True),
        (timedelta(0), True),
        (-timedelta(hours=1), True),  # after the start, before pickup
    ],
)
def test_late_cancellation(before_start: timedelta, late: bool) -> None:
    start = paris(11, 28, 9)
    now = start - before_start
    assert is_late_cancellation(BookingStatus.ACCEPTED, start, now) is late


def test_withdrawing_a_request_is_never_late() -> None:
    assert not is_late_cancellation(BookingStatus.PENDING, NOW, NOW)


def test_late_cancellation_counts_real_hours_across_dst() -> None:
    # 03:30 on the spring-forward Sunday is only one real hour after 01:30.
    start = paris(3, 28, 3, 30, year=2027)
    assert is_late_cancellation(BookingStatus.ACCEPTED, start, paris(3, 28, 1, 30, year=2027))


# check_request: one test per rule


def test_a_good_request_passes() -> None:
    assert check(at(28, 9, 12)) is None


def test_end_must_be_after_start() -> None:
    assert check(at(28, 12, 12)) is RefusalReason.END_BEFORE_START
    assert check(at(28, 12, 9)) is RefusalReason.END_BEFORE_START


def test_start_must_not_be_past() -> None:
    assert check(Interval(NOW - timedelta(minutes=5), NOW + timedelta(hours=2))) is None
    late = Interval(NOW - timedelta(minutes=6), NOW + timedelta(hours=2))
    assert check(late) is RefusalReason.PAST


def test_maximum_duration() -> None:
    start = paris(11, 28, 8)
    assert check(Interval(start, start + timedelta(days=3))) is None
    too_long = Interval(start, start + timedelta(days=3, minutes=1))
    refusal = check_request(
        too_long,
        now=NOW,
        zone=PARIS,
        settings=SETTINGS,
        car=car(),
        borrower_id=BORROWER,
        managers=(OWNER,),
        banned=False,
        calendar=CarCalendar(),
    )
    assert refusal is not None
    assert refusal.reason is RefusalReason.TOO_LONG
    assert refusal.limit == timedelta(days=3)


def test_duration_is_real_time_across_dst() -> None:
    # 72 h 30 on the wall clocks, 71 h 30 of real time: within three days.
    wanted = Interval(paris(3, 27, 8, year=2027), paris(3, 30, 8, 30, year=2027))
    now = paris(3, 20, 9, year=2027)
    assert check(wanted, now=now) is None


def test_horizon() -> None:
    end = NOW + timedelta(days=60)
    assert check(Interval(end - timedelta(hours=2), end)) is None
    later = Interval(end - timedelta(hours=2), end + timedelta(minutes=1))
    assert check(later) is RefusalReason.TOO_FAR


def test_banned_own_and_paused() -> None:
    assert check(at(28, 9, 12), banned=True) is RefusalReason.BANNED
    assert check(at(28, 9, 12), borrower=OWNER) is RefusalReason.OWN_CAR
    assert check(at(28, 9, 12), the_car=car(paused=True)) is RefusalReason.PAUSED


def test_a_car_booked_by_windows_needs_one_covering_the_request() -> None:
    by_windows = car(BookingMode.WINDOWS)
    weekend = occurrences(weekly({5, 6}, 9 * 60, 12 * 60), PARIS, at(28, 0, 24))
    calendar = CarCalendar(open=(*weekend, at(28, 12, 18)))
    assert check(at(28, 10, 14), calendar, the_car=by_windows) is None
    assert check(at(28, 10, 19), calendar, the_car=by_windows) is RefusalReason.OUTSIDE_WINDOWS
    assert check(at(28, 10, 14), the_car=by_windows) is RefusalReason.OUTSIDE_WINDOWS
    # A car booked on request ignores open windows.
    assert check(at(28, 19, 20), calendar) is None


def test_blocked_periods_refuse_with_the_free_slots_that_day() -> None:
    calendar = CarCalendar(blocked=(at(28, 8, 12),))
    assert check(at(28, 12, 14), calendar) is None
    refusal = check_request(
        at(28, 11, 13),
        now=NOW,
        zone=PARIS,
        settings=SETTINGS,
        car=car(),
        borrower_id=BORROWER,
        managers=(OWNER,),
        banned=False,
        calendar=calendar,
    )
    assert refusal is not None
    assert refusal.reason is RefusalReason.BLOCKED
    assert refusal.conflicts == (utc_interval(at(28, 8, 12)),)
    assert refusal.free_slots == (utc_interval(at(28, 0, 8)), utc_interval(at(28, 12, 24)))


def test_taken_refuses_with_the_bookings_in_the_way_and_the_free_slots() -> None:
    calendar = CarCalendar(busy=(at(28, 9, 12), at(28, 14, 16), at(28, 18, 20)))
    assert check(at(28, 12, 14), calendar) is None  # between two bookings, edge to edge
    refusal = check_request(
        at(28, 11, 15),
        now=NOW,
        zone=PARIS,
        settings=SETTINGS,
        car=car(),
        borrower_id=BORROWER,
        managers=(OWNER,),
        banned=False,
        calendar=calendar,
    )
    assert refusal is not None
    assert refusal.reason is RefusalReason.TAKEN
    assert refusal.conflicts == (utc_interval(at(28, 9, 12)), utc_interval(at(28, 14, 16)))
    assert refusal.free_slots == tuple(
        utc_interval(i) for i in (at(28, 0, 9), at(28, 12, 14), at(28, 16, 18), at(28, 20, 24))
    )


def test_calendar_allows_is_the_calendar_part_of_the_rules() -> None:
    calendar = CarCalendar(open=(at(28, 9, 12),), blocked=(at(28, 11, 12),))
    assert calendar_allows(at(28, 9, 11), car(BookingMode.WINDOWS), calendar)
    assert not calendar_allows(at(28, 9, 12), car(BookingMode.WINDOWS), calendar)
    assert not calendar_allows(at(28, 13, 14), car(BookingMode.WINDOWS), calendar)
    assert calendar_allows(at(28, 13, 14), car(), calendar)
