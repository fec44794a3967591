"""``python -m geo ...``: see `geo.cli`."""

from geo.cli import main

raise SystemExit(main())
