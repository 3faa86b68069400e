"""Odoo's external API (JSON-RPC and XML-RPC), as the rest of the product reaches it.

Odoo cannot run beside the product in every place it is built, so everything Odoo-specific
stays behind this package: ``client`` speaks to one Odoo database with retries and plain
errors, ``transport`` owns the two wire formats, ``errors`` turns Odoo's many failure
shapes into a few errors a person can act on.
"""
