"""Unit tests of webhooks: signatures, the retry schedule, URL checks and the events made from table changes."""
