"""The composition roots and operations: ``haven serve`` (server), the ``haven`` CLI,
``haven console`` (console), the runtime that assembles Haven from settings,
configuration, and HR's records commands.

Only this package wires platform adapters in."""
