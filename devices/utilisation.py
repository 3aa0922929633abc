"""Daily utilisation from hourly message counts: pure, no ORM.

Each message stands for one reporting interval of the device's type: a day with 4,320 messages
of a 10-second reporter is fully covered (running or idle); the time its messages do not cover
is offline. Messages whose running key was above the type's threshold count as running time.
"""


def day_shares(
    *, messages: int, running_messages: int, report_interval_s: int, day_seconds: int = 86400
) -> dict:
    running = min(day_seconds, running_messages * report_interval_s)
    idle = min(day_seconds - running, (messages - running_messages) * report_interval_s)
    return {
        "running": round(running / day_seconds, 4),
        "idle": round(idle / day_seconds, 4),
        "offline": round((day_seconds - running - idle) / day_seconds, 4),
    }
