"""``python -m ui``: the desktop app and every command, as ``facilitator-app`` runs them."""

from ui.launcher import main

raise SystemExit(main())
