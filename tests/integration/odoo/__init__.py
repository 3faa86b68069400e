"""The Odoo client, over real HTTP against the fake Odoo server."""
