"""``python -m facilitator_app``: the commands without the desktop app (no Qt needed);
``python -m ui`` or ``facilitator-app`` adds it."""

from facilitator_app.cli import main

raise SystemExit(main())
