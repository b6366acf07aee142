"""Haven's policy: the schema, the loader, and pure rules over it (no I/O but the YAML files)."""

from policy.calendar import BusinessCalendar
from policy.loader import DEFAULT_POLICY_PATH, PolicyError, check, default_policy, load_policy
from policy.handling import Option, Severity
from policy.model import Policy
from policy.places import WellbeingResource
from policy.types import Text
from policy.resources import describe_hours, is_open, resource_status
from policy.rules import Assessment, assess, most_severe, options_for, repeated_window_start

__all__ = [
    "DEFAULT_POLICY_PATH",
    "Assessment",
    "BusinessCalendar",
    "Option",
    "Policy",
    "PolicyError",
    "Severity",
    "Text",
    "WellbeingResource",
    "assess",
    "check",
    "default_policy",
    "describe_hours",
    "is_open",
    "load_policy",
    "most_severe",
    "options_for",
    "repeated_window_start",
    "resource_status",
]
