"""What happens to an incident: intake, triage, the reporter's changes, decisions and who
may make them (permissions), escalation deadlines, care and check-ins, the home surface,
retention.

Flows read and write through ``storage/`` repositories and queue outbound messages in
the same transaction; they never send anything themselves (that is ``bot/delivery``)."""
