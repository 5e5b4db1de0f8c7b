"""GSLTS web app (Dash Pages on Flask with login) and the ``gslts`` CLI."""
