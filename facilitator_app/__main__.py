from facilitator_app.cli import main

raise SystemExit(main())
