"""How long a test waits for something that must happen before it calls it a hang.

Never a measure of speed: the machine running the suite may be shared and slow (a test run under load took 30
minutes where it takes 7), so every wait for a process, a server or a page uses this one generous bound, and
pytest-timeout (600 s a test, pyproject.toml) stops a test that hangs in between.
"""

HANG_GUARD_S = 300
