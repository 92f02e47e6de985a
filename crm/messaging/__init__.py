"""Messages to firms: alerts and reminders in the portal inbox, e-mail through an outbox
sent by a background worker (Huey), the officer's follow-up task, and their KPIs.

No blueprint: the inbox pages belong to the enterprise portal (crm/portal/inbox.py).
"""
