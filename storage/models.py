"""Every table, on one ``SQLModel.metadata``: importing this module registers them all
(Alembic's environment, ``haven rotate-key``). The tables live by what they hold:

- :mod:`storage.incident_models`: incidents, events, choices, proposals, report versions,
  talk requests, the incident id counter;
- :mod:`storage.delivery_models`: jobs, the outbox, workers, conversation references,
  channel registrations, inbound dedup keys;
- :mod:`storage.register_models`: the register, its events, ``haven_settings``;
- :mod:`storage.hr_models`: the HR desk's sign-in links and sessions.

Every datetime is naive UTC (:class:`storage.columns.UTCNaiveDateTime`).

Free text columns (description, exact words, demands, location, evidence, customer
reference, reported for, register lift reasons, re-triage notes, outbox payloads) are
:class:`storage.crypto.EncryptedText` (``haven rotate-key`` finds them all by that type): they hold
ciphertext when an encryption key is configured and are decrypted transparently on
load with the cipher of the :class:`storage.db.Database` that runs the query.
"""

from __future__ import annotations

from storage import delivery_models, hr_models, incident_models, register_models  # noqa: F401  (each registers its tables)
