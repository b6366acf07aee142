"""The HR desk: ``/hr/`` in ``haven serve`` for HR members only (spec section 8.6).

Sign-in by a one-time link from chat, sessions and CSRF (``signin``), who counts as HR
(``access``), the pages (``pages``, Jinja2 templates with autoescaping) and their
wiring (``app``). The only HTML in Haven lives here."""
