"""The reports' rules: pure functions named after the requirements they implement."""
