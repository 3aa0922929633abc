"""Realistic telemetry for simulated devices: pure, no ORM, no network.

Each machine alternates between runs (minutes to an hour of work) and idle spells; its values
follow from that state with some noise (a spindle at speed draws power, an idle one does not).
Used by `manage.py simulate_devices` and the demo data.
"""

import random
from dataclasses import dataclass, field

# (low, high) while running; idle values sit near the low end.
RUNNING_RANGES = {
    "spindle_speed": (6000, 12000),
    "spindle_load": (30, 85),
    "feed_rate": (500, 3000),
    "power_kw": (2.5, 9.0),
    "cycle_time_s": (18, 45),
    "barrel_temp": (200, 240),
    "injection_pressure": (60, 140),
    "placements_per_hour": (20000, 42000),
    "reflow_temp": (235, 250),
    "defect_ppm": (5, 60),
    "chamber_pressure": (0.5, 12),
    "chamber_temp": (20, 400),
    "temperature": (18, 32),
    "humidity": (35, 70),
    "voltage": (375, 405),
}
RUNNING_KEYS_IDLE_ZERO = {"spindle_speed", "feed_rate", "cycle_time_s", "placements_per_hour"}
COUNTERS = {"shot_count", "wafer_count", "energy_kwh"}
PROGRAMS = ["O1001", "O2040", "O3310", "ETCH-DRIE-12", "PECVD-SiN-3", "LPCVD-POLY"]


@dataclass
class SimulatedDevice:
    device_id: str
    cluster_slug: str
    keys: dict
    running_key: str
    rng: random.Random
    running: bool = True
    state_left_s: float = 0.0
    counters: dict = field(default_factory=dict)

    def step(self, elapsed_s: float) -> dict:
        """The device's values after `elapsed_s` seconds."""
        self.state_left_s -= elapsed_s
        if self.state_left_s <= 0:
            self.running = self.rng.random() < 0.7  # shared machines run about 70% of the time
            self.state_left_s = self.rng.uniform(300, 3600) if self.running else self.rng.uniform(120, 1200)
        values = {}
        for key, spec in self.keys.items():
            kind = spec.get("type", "number")
            if kind == "boolean":
                values[key] = self.rng.random() < 0.02
            elif kind == "string":
                values[key] = self.rng.choice(PROGRAMS)
            elif key in COUNTERS:
                self.counters[key] = self.counters.get(key, self.rng.uniform(0, 10000)) + (
                    self.rng.uniform(0.5, 2) * elapsed_s / 10 if self.running else 0
                )
                values[key] = round(self.counters[key], 2)
            else:
                low, high = RUNNING_RANGES.get(key, (0, 100))
                if self.running:
                    value = self.rng.uniform(low, high)
                elif key in RUNNING_KEYS_IDLE_ZERO:
                    value = 0
                elif key == "power_kw":
                    value = self.rng.uniform(0.05, 0.3)
                else:
                    value = low + (high - low) * self.rng.uniform(0, 0.15)
                values[key] = round(value, 2)
        return values
