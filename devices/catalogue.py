"""The device-type catalogue shipped with the platform (loaded by a data migration).

Keys and units follow what the equipment's controllers commonly report (OPC UA / MTConnect
names simplified); `running_key` above `running_above` means the machine is working.
"""

DEVICE_TYPES: list[dict] = [
    {
        "code": "cnc",
        "name": "数控机床",
        "heartbeat_timeout_s": 120,
        "report_interval_s": 10,
        "running_key": "spindle_speed",
        "running_above": 0,
        "default_keys": {
            "spindle_speed": {"unit": "rpm", "type": "number"},
            "spindle_load": {"unit": "%", "type": "number"},
            "feed_rate": {"unit": "mm/min", "type": "number"},
            "power_kw": {"unit": "kW", "type": "number"},
            "program": {"unit": "", "type": "string"},
        },
    },
    {
        "code": "injection_moulding",
        "name": "注塑机",
        "heartbeat_timeout_s": 120,
        "report_interval_s": 10,
        "running_key": "cycle_time_s",
        "running_above": 0,
        "default_keys": {
            "cycle_time_s": {"unit": "s", "type": "number"},
            "barrel_temp": {"unit": "°C", "type": "number"},
            "injection_pressure": {"unit": "MPa", "type": "number"},
            "shot_count": {"unit": "", "type": "number"},
        },
    },
    {
        "code": "smt_line",
        "name": "SMT贴片线",
        "heartbeat_timeout_s": 120,
        "report_interval_s": 10,
        "running_key": "placements_per_hour",
        "running_above": 0,
        "default_keys": {
            "placements_per_hour": {"unit": "cph", "type": "number"},
            "reflow_temp": {"unit": "°C", "type": "number"},
            "defect_ppm": {"unit": "ppm", "type": "number"},
        },
    },
    {
        "code": "mems_tool",
        "name": "MEMS工艺设备",
        "heartbeat_timeout_s": 120,
        "report_interval_s": 10,
        "running_key": "power_kw",
        "running_above": 0.5,
        "default_keys": {
            "power_kw": {"unit": "kW", "type": "number"},
            "chamber_pressure": {"unit": "Pa", "type": "number"},
            "chamber_temp": {"unit": "°C", "type": "number"},
            "wafer_count": {"unit": "", "type": "number"},
            "recipe": {"unit": "", "type": "string"},
        },
    },
    {
        "code": "sensor_gateway",
        "name": "传感器网关",
        "heartbeat_timeout_s": 300,
        "report_interval_s": 30,
        "running_key": "",
        "running_above": 0,
        "default_keys": {
            "temperature": {"unit": "°C", "type": "number"},
            "humidity": {"unit": "%RH", "type": "number"},
            "door_open": {"unit": "", "type": "boolean"},
        },
    },
    {
        "code": "energy_meter",
        "name": "智能电表",
        "heartbeat_timeout_s": 300,
        "report_interval_s": 60,
        "running_key": "power_kw",
        "running_above": 0.2,
        "default_keys": {
            "power_kw": {"unit": "kW", "type": "number"},
            "energy_kwh": {"unit": "kWh", "type": "number"},
            "voltage": {"unit": "V", "type": "number"},
        },
    },
]
