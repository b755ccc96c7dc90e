"""promptbank test suites."""
