"""Sending notifications: email over SMTP (``smtp``), signed webhooks (``webhook``), and
the delivery that drains the outbox the stored scans fill (``delivery``)."""
