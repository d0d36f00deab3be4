"""The booking tests' village and the trip tests' car, reused."""

from tests.booking.conftest import db, village  # noqa: F401 (fixtures)
from tests.trips.conftest import trips  # noqa: F401 (fixtures)
